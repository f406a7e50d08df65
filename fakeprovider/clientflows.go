package fakeprovider

import (
	"context"
	"fmt"
	"net/http"
)

// APIKeys fetches the provider's publishable key.
func (c *Client) APIKeys(ctx context.Context) (Keys, error) {
	var k Keys
	if err := c.do(ctx, http.MethodGet, "keys", nil, &k); err != nil {
		return Keys{}, fmt.Errorf("keys: %w", err)
	}
	return k, nil
}

// AddWebhook adds a webhook endpoint with its own API version.
func (c *Client) AddWebhook(ctx context.Context, we WebhookEndpoint) error {
	if err := c.do(ctx, http.MethodPost, "webhook_endpoints", webhookBody(we), nil); err != nil {
		return fmt.Errorf("add webhook endpoint %s: %w", we.URL, err)
	}
	return nil
}

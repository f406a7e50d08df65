package fakeprovider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paychaos/paychaos/internal/jsonapi"
)

// Client drives a provider's control API over HTTP, for a provider in
// another process or container. Its methods match Provider's, so the
// harness can hold either behind one small interface.
type Client struct {
	api jsonapi.Client
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithHTTPClient sets the HTTP client the control Client uses.
func WithHTTPClient(hc *http.Client) ClientOption { return func(c *Client) { c.api.HTTP = hc } }

// NewClient returns a control client for the provider at baseURL (the
// same base URL the Stripe client uses). token is the control token, if
// the provider has one.
func NewClient(baseURL, token string, opts ...ClientOption) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true // control calls are rare; leave no idle connections behind
	tr.Proxy = nil
	c := &Client{api: jsonapi.Client{
		Base: strings.TrimRight(baseURL, "/") + controlPrefix,
		HTTP: &http.Client{Timeout: 30 * time.Second, Transport: tr},
		// A ledger of a long run is large.
		MaxBody: 256 << 20,
		Err:     func(status int, msg string) error { return &ControlError{Status: status, Message: msg} },
	}}
	if token != "" {
		c.api.Header = http.Header{"Authorization": {"Bearer " + token}}
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// ControlError is an error answer of the control API.
type ControlError struct {
	Status  int
	Message string
}

func (e *ControlError) Error() string {
	return fmt.Sprintf("control API %d: %s", e.Status, e.Message)
}

// do sends a control request; out, if not nil, receives the JSON answer.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.api.Do(ctx, method, path, in, out)
}

// AddFault installs a fault and returns its id.
func (c *Client) AddFault(ctx context.Context, f Fault) (string, error) {
	var out idBody
	if err := c.do(ctx, http.MethodPost, "faults", f, &out); err != nil {
		return "", fmt.Errorf("add fault %s: %w", f.Kind, err)
	}
	return out.ID, nil
}

// RemoveFault uninstalls a fault.
func (c *Client) RemoveFault(ctx context.Context, id string) error {
	if err := c.do(ctx, http.MethodDelete, "faults/"+url.PathEscape(id), nil, nil); err != nil {
		return fmt.Errorf("remove fault %s: %w", id, err)
	}
	return nil
}

// Ledger fetches the provider's Snapshot.
func (c *Client) Ledger(ctx context.Context) (Snapshot, error) {
	var s Snapshot
	if err := c.do(ctx, http.MethodGet, "ledger", nil, &s); err != nil {
		return Snapshot{}, fmt.Errorf("ledger: %w", err)
	}
	return s, nil
}

// Reset empties the provider's state (see Provider.Reset).
func (c *Client) Reset(ctx context.Context) error {
	if err := c.do(ctx, http.MethodPost, "reset", nil, nil); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	return nil
}

// AddWebhookEndpoint adds a webhook endpoint.
func (c *Client) AddWebhookEndpoint(ctx context.Context, url, secret string) error {
	if err := c.do(ctx, http.MethodPost, "webhook_endpoints", webhookBody{URL: url, Secret: secret}, nil); err != nil {
		return fmt.Errorf("add webhook endpoint %s: %w", url, err)
	}
	return nil
}

// RemoveWebhookEndpoint stops deliveries to an endpoint.
func (c *Client) RemoveWebhookEndpoint(ctx context.Context, url string) error {
	if err := c.do(ctx, http.MethodDelete, "webhook_endpoints", webhookBody{URL: url}, nil); err != nil {
		return fmt.Errorf("remove webhook endpoint %s: %w", url, err)
	}
	return nil
}

// SetClock moves the provider's clock to t.
func (c *Client) SetClock(ctx context.Context, t time.Time) error {
	if err := c.do(ctx, http.MethodPost, "clock", clockBody{Now: &t}, nil); err != nil {
		return fmt.Errorf("set clock: %w", err)
	}
	return nil
}

// AdvanceClock moves the provider's clock by d.
func (c *Client) AdvanceClock(ctx context.Context, d time.Duration) error {
	if err := c.do(ctx, http.MethodPost, "clock", clockBody{Advance: &d}, nil); err != nil {
		return fmt.Errorf("advance clock: %w", err)
	}
	return nil
}

// Now returns the provider's time.
func (c *Client) Now(ctx context.Context) (time.Time, error) {
	var b clockBody
	if err := c.do(ctx, http.MethodGet, "clock", nil, &b); err != nil {
		return time.Time{}, fmt.Errorf("clock: %w", err)
	}
	if b.Now == nil {
		return time.Time{}, fmt.Errorf("clock: answer has no time")
	}
	return *b.Now, nil
}

// Authenticate completes (ok) or fails 3-D Secure for a PaymentIntent in
// requires_action.
func (c *Client) Authenticate(ctx context.Context, paymentIntentID string, ok bool) error {
	if err := c.do(ctx, http.MethodPost, "payment_intents/"+url.PathEscape(paymentIntentID)+"/authenticate", authBody{Fail: !ok}, nil); err != nil {
		return fmt.Errorf("authenticate %s: %w", paymentIntentID, err)
	}
	return nil
}

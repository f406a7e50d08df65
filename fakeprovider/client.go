package fakeprovider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client drives a provider's control API over HTTP, for a provider in
// another process or container. Its methods match Provider's, so the
// harness can hold either behind one small interface.
type Client struct {
	base  string
	token string
	hc    *http.Client
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithHTTPClient sets the HTTP client the control Client uses.
func WithHTTPClient(hc *http.Client) ClientOption { return func(c *Client) { c.hc = hc } }

// NewClient returns a control client for the provider at baseURL (the
// same base URL the Stripe client uses). token is the control token, if
// the provider has one.
func NewClient(baseURL, token string, opts ...ClientOption) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true // control calls are rare; leave no idle connections behind
	tr.Proxy = nil
	c := &Client{base: strings.TrimRight(baseURL, "/"), token: token, hc: &http.Client{Timeout: 30 * time.Second, Transport: tr}}
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
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+controlPrefix+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var ce controlError
		if json.Unmarshal(data, &ce) != nil || ce.Error == "" {
			ce.Error = strings.TrimSpace(string(data))
		}
		return &ControlError{Status: resp.StatusCode, Message: ce.Error}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode answer: %w", err)
		}
	}
	return nil
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

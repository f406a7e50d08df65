package fakeprovider

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// controlPrefix is where the control API lives, beside the Stripe API.
const controlPrefix = "/_paychaos/"

// The control API, over HTTP (JSON bodies):
//
//	GET    /_paychaos/ledger                              Snapshot
//	POST   /_paychaos/reset
//	GET    /_paychaos/faults                              []FaultStatus
//	POST   /_paychaos/faults             Fault            {"id": "flt_1"}
//	DELETE /_paychaos/faults/{id}
//	POST   /_paychaos/webhook_endpoints  {"url","secret","api_version"}
//	DELETE /_paychaos/webhook_endpoints  {"url"}
//	GET    /_paychaos/keys                                {"publishable_key"}
//	GET    /_paychaos/clock                               {"now": RFC 3339}
//	POST   /_paychaos/clock              {"now"} or {"advance": ns}
//	POST   /_paychaos/payment_intents/{id}/authenticate {"fail": bool}
//
// Errors are {"error": "..."} with a 4xx status.

type controlError struct {
	Error string `json:"error"`
}

type idBody struct {
	ID string `json:"id"`
}

type webhookBody struct {
	URL        string `json:"url"`
	Secret     string `json:"secret"`
	APIVersion string `json:"api_version,omitempty"`
}

type clockBody struct {
	Now     *time.Time     `json:"now,omitempty"`
	Advance *time.Duration `json:"advance,omitempty"`
}

type authBody struct {
	Fail bool `json:"fail"`
}

// controlAllowed enforces the control API's protection: the token when one
// is set, otherwise loopback clients only.
func (p *Provider) controlAllowed(r *http.Request) (int, string) {
	if tok := p.cfg.controlToken; tok != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
			return http.StatusUnauthorized, "control API: missing or wrong bearer token"
		}
		return 0, ""
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return http.StatusForbidden, "control API: only loopback clients are allowed when no control token is set"
	}
	return 0, ""
}

func (p *Provider) serveControl(w http.ResponseWriter, r *http.Request) {
	if status, msg := p.controlAllowed(r); status != 0 {
		writeJSON(w, status, controlError{msg})
		return
	}
	ctx := r.Context()
	path := strings.TrimPrefix(r.URL.Path, controlPrefix)
	switch {
	case path == "ledger" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, p.Snapshot())
	case path == "reset" && r.Method == http.MethodPost:
		_ = p.Reset(ctx)
		w.WriteHeader(http.StatusNoContent)
	case path == "faults" && r.Method == http.MethodGet:
		p.mu.Lock()
		fs := p.faultStatusLocked()
		p.mu.Unlock()
		writeJSON(w, http.StatusOK, fs)
	case path == "faults" && r.Method == http.MethodPost:
		var f Fault
		if !readJSON(w, r, &f) {
			return
		}
		id, err := p.AddFault(ctx, f)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, controlError{err.Error()})
			return
		}
		writeJSON(w, http.StatusCreated, idBody{id})
	case strings.HasPrefix(path, "faults/") && r.Method == http.MethodDelete:
		err := p.RemoveFault(ctx, strings.TrimPrefix(path, "faults/"))
		if errors.Is(err, ErrNoSuchFault) {
			writeJSON(w, http.StatusNotFound, controlError{err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case path == "webhook_endpoints" && r.Method == http.MethodPost:
		var b webhookBody
		if !readJSON(w, r, &b) {
			return
		}
		if err := p.AddWebhook(ctx, WebhookEndpoint(b)); err != nil {
			writeJSON(w, http.StatusBadRequest, controlError{err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case path == "webhook_endpoints" && r.Method == http.MethodDelete:
		var b webhookBody
		if !readJSON(w, r, &b) {
			return
		}
		err := p.RemoveWebhookEndpoint(ctx, b.URL)
		if errors.Is(err, ErrNoSuchEndpoint) {
			writeJSON(w, http.StatusNotFound, controlError{err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case path == "keys" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, Keys{PublishableKey: p.PublishableKey()})
	case path == "clock" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, clockBody{Now: ptr(p.clock.now())})
	case path == "clock" && r.Method == http.MethodPost:
		var b clockBody
		if !readJSON(w, r, &b) {
			return
		}
		switch {
		case b.Now != nil && b.Advance == nil:
			p.clock.set(*b.Now)
		case b.Advance != nil && b.Now == nil:
			p.clock.advance(*b.Advance)
		default:
			writeJSON(w, http.StatusBadRequest, controlError{"clock: give exactly one of now or advance"})
			return
		}
		writeJSON(w, http.StatusOK, clockBody{Now: ptr(p.clock.now())})
	case strings.HasPrefix(path, "payment_intents/") && strings.HasSuffix(path, "/authenticate") && r.Method == http.MethodPost:
		id := strings.TrimSuffix(strings.TrimPrefix(path, "payment_intents/"), "/authenticate")
		var b authBody
		if !readJSON(w, r, &b) {
			return
		}
		if err := p.Authenticate(ctx, id, !b.Fail); err != nil {
			writeJSON(w, http.StatusBadRequest, controlError{err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusNotFound, controlError{fmt.Sprintf("control API: no route %s %s", r.Method, r.URL.Path)})
	}
}

func ptr[T any](v T) *T { return &v }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"control API: encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readJSON decodes a control request body strictly: unknown fields are an
// error, so a misspelt fault field is not silently ignored.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, controlError{"control API: bad JSON body: " + err.Error()})
		return false
	}
	return true
}

// AddWebhookEndpoint adds an endpoint that receives every later event,
// signed with secret, at the provider's API version (see AddWebhook).
func (p *Provider) AddWebhookEndpoint(ctx context.Context, rawURL, secret string) error {
	return p.AddWebhook(ctx, WebhookEndpoint{URL: rawURL, Secret: secret})
}

// ErrNoSuchEndpoint is returned for a webhook endpoint that is not configured.
var ErrNoSuchEndpoint = errors.New("no such webhook endpoint")

// RemoveWebhookEndpoint stops deliveries to an endpoint: a harness that
// shares a provider removes what it added.
func (p *Provider) RemoveWebhookEndpoint(_ context.Context, rawURL string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, ep := range p.endpoints {
		if ep.url == rawURL {
			// Copy on write: the dispatcher may be ranging over the old slice.
			eps := make([]*endpoint, 0, len(p.endpoints)-1)
			eps = append(eps, p.endpoints[:i]...)
			p.endpoints = append(eps, p.endpoints[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("remove webhook endpoint %s: %w", rawURL, ErrNoSuchEndpoint)
}

// SetClock moves the provider's clock to t; it keeps running from there.
func (p *Provider) SetClock(_ context.Context, t time.Time) error {
	p.clock.set(t)
	return nil
}

// AdvanceClock moves the provider's clock by d (which may be negative).
func (p *Provider) AdvanceClock(_ context.Context, d time.Duration) error {
	p.clock.advance(d)
	return nil
}

// Now returns the provider's time.
func (p *Provider) Now(_ context.Context) (time.Time, error) { return p.clock.now(), nil }

// Authenticate plays the customer's part of 3-D Secure for a
// PaymentIntent in requires_action: ok completes it (the card's outcome
// follows), !ok fails it (back to requires_payment_method).
func (p *Provider) Authenticate(_ context.Context, paymentIntentID string, ok bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	pi := p.piLocked(paymentIntentID)
	if pi == nil {
		return fmt.Errorf("authenticate %s: no such payment intent", paymentIntentID)
	}
	if err := p.authenticateLocked(pi, ok); err != nil {
		return fmt.Errorf("authenticate %s: %w", paymentIntentID, err)
	}
	return nil
}

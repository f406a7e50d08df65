package fakeprovider

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
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
		var err error
		switch {
		case b.Now != nil && b.Advance == nil:
			err = p.SetClock(ctx, *b.Now)
		case b.Advance != nil && b.Now == nil:
			err = p.AdvanceClock(ctx, *b.Advance)
		default:
			err = errors.New("clock: give exactly one of now or advance")
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, controlError{err.Error()})
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

// maxControlBody bounds a control request's body.
const maxControlBody = 1 << 16

// readJSON decodes a control request body strictly, or answers why not:
// the body is application/json (charset utf-8 at most), exactly one JSON
// object of at most maxControlBody bytes, with no unknown field (a
// misspelt fault field is not silently ignored).
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if status, err := decodeControl(r, v); err != nil {
		writeJSON(w, status, controlError{"control API: " + err.Error()})
		return false
	}
	return true
}

func decodeControl(r *http.Request, v any) (int, error) {
	if err := jsonContentType(r.Header.Get("Content-Type")); err != nil {
		return http.StatusUnsupportedMediaType, err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody+1))
	if err != nil {
		return http.StatusBadRequest, fmt.Errorf("read the body: %w", err)
	}
	if len(body) > maxControlBody {
		return http.StatusRequestEntityTooLarge, fmt.Errorf("body over %d bytes", maxControlBody)
	}
	if b := bytes.TrimLeft(body, " \t\r\n"); len(b) == 0 || b[0] != '{' {
		return http.StatusBadRequest, errors.New("the body must be one JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return http.StatusBadRequest, fmt.Errorf("bad JSON body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return http.StatusBadRequest, errors.New("the body must be exactly one JSON object: more follows it")
	}
	return 0, nil
}

// jsonContentType accepts application/json, with at most a utf-8 charset:
// a type that merely starts with those words is another type.
func jsonContentType(ct string) error {
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != "application/json" {
		return fmt.Errorf("content type %q: want application/json", truncateForMsg(ct))
	}
	for k, val := range params {
		if k != "charset" || !strings.EqualFold(val, "utf-8") {
			return fmt.Errorf("content type %q: want application/json, charset utf-8 at most", truncateForMsg(ct))
		}
	}
	return nil
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

// The provider's clock stays within [clockMin, clockMax): Unix time that
// Stripe's integer timestamps carry, and an offset from the real clock
// that a time.Duration holds (about 292 years either way).
var (
	clockMin = time.Unix(0, 0).UTC()
	clockMax = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// SetClock moves the provider's clock to t; it keeps running from there.
// A time outside [clockMin, clockMax) is an error and changes nothing.
func (p *Provider) SetClock(_ context.Context, t time.Time) error {
	if err := clockInBounds(t); err != nil {
		return fmt.Errorf("set clock: %w", err)
	}
	p.clock.set(t)
	return nil
}

// AdvanceClock moves the provider's clock by d (which may be negative). A
// move that would leave [clockMin, clockMax) is an error and changes
// nothing.
func (p *Provider) AdvanceClock(_ context.Context, d time.Duration) error {
	if span := clockMax.Sub(clockMin); d > span || d < -span {
		return fmt.Errorf("advance clock by %v: more than the clock's whole range", d)
	}
	if err := clockInBounds(p.clock.now().Add(d)); err != nil {
		return fmt.Errorf("advance clock by %v: %w", d, err)
	}
	p.clock.advance(d)
	return nil
}

func clockInBounds(t time.Time) error {
	if t.Before(clockMin) || !t.Before(clockMax) {
		return fmt.Errorf("%s is outside the provider's clock range %s to %s", t.Format(time.RFC3339), clockMin.Format(time.RFC3339), clockMax.Format(time.RFC3339))
	}
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

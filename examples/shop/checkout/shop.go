package checkout

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
	"github.com/stripe/stripe-go/v84"
)

// Shop is the reference checkout service: an http.Handler backed by
// SQLite, paying through stripe-go, with a background reconciler.
type Shop struct {
	cfg       Config
	log       *slog.Logger
	st        *store
	sc        *stripe.Client
	transport *http.Transport
	breaker   *gobreaker.CircuitBreaker[struct{}]
	jitter    *jitter
	mux       *http.ServeMux

	// ctx lives as long as the Shop: provider calls hang off it rather
	// than off a request, so a client hanging up does not abandon a
	// payment half-way, and Close stops them.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	inflight map[string]int // order and refund ids with a provider call running in this process

	passMu sync.Mutex // one reconciler pass at a time
}

var _ http.Handler = (*Shop)(nil)

// New opens the database, builds the provider client and starts the
// background reconciler. Close releases all of it.
func New(ctx context.Context, cfg Config) (*Shop, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("shop config: %w", err)
	}
	st, err := openStore(ctx, cfg.DBPath)
	if err != nil {
		return nil, err
	}
	s := &Shop{
		cfg:       cfg,
		log:       cfg.Logger,
		st:        st,
		transport: newBaseTransport(),
		jitter:    newJitter(cfg.Seed),
		inflight:  map[string]int{},
	}
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.sc = newStripeClient(cfg, &providerTransport{base: s.transport, shop: s})
	s.breaker = newBreaker(cfg, func(from, to gobreaker.State) {
		s.log.Warn("provider circuit breaker", "from", from.String(), "to", to.String())
	})
	if err := s.initFlow(ctx); err != nil {
		return nil, errors.Join(err, st.close())
	}
	s.routes()
	s.log.Info("shop ready",
		"provider", cfg.ProviderURL,
		"key", maskSecret(cfg.SecretKey),
		"db", dbName(cfg.DBPath),
		"flaws", cfg.Flaws.String(),
		"client_timeout", cfg.ClientTimeout,
		"response_budget", cfg.ResponseBudget)
	if cfg.ReconcileInterval > 0 {
		s.wg.Add(1)
		go s.reconcileLoop()
	}
	return s, nil
}

func dbName(p string) string {
	if p == "" {
		return "memory"
	}
	return p
}

// Close stops the reconciler and any provider call in flight, waits for
// them, and closes the database. Requests after Close get 503.
func (s *Shop) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.transport.CloseIdleConnections()
	return s.st.close()
}

// Flaws returns the flaws this shop runs with.
func (s *Shop) Flaws() Flaws { return s.cfg.Flaws }

// flawed reports whether safeguard f is switched off.
func (s *Shop) flawed(f Flaw) bool { return s.cfg.Flaws.Has(f) }

// begin registers an operation that Close must wait for; ok is false once
// the shop is closing.
func (s *Shop) begin() (done func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false
	}
	s.wg.Add(1)
	return s.wg.Done, true
}

func (s *Shop) markInflight(id string) (unmark func()) {
	s.mu.Lock()
	s.inflight[id]++
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		if s.inflight[id]--; s.inflight[id] <= 0 {
			delete(s.inflight, id)
		}
		s.mu.Unlock()
	}
}

func (s *Shop) isInflight(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight[id] > 0
}

// apiError is an error answer: an HTTP status and a stable code. Messages
// never echo client input, so that nothing a client sends (a card number
// in the wrong field) comes back in a response.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

var (
	errUnauthorized    = errorf(http.StatusUnauthorized, "unauthorized", "missing or unknown bearer token")
	errOrderNotFound   = errorf(http.StatusNotFound, "not_found", "no such order")
	errProviderOutage  = errorf(http.StatusServiceUnavailable, "provider_unavailable", "the payment provider is unavailable; nothing was charged, retry later with the same Idempotency-Key")
	errShuttingDown    = errorf(http.StatusServiceUnavailable, "shutting_down", "the shop is shutting down")
	errInternal        = errorf(http.StatusInternalServerError, "internal", "internal error")
	errKeyInUse        = errorf(http.StatusConflict, "idempotency_key_in_use", "a request with this Idempotency-Key is still in progress; retry later")
	errKeyReused       = errorf(http.StatusUnprocessableEntity, "idempotency_key_reused", "this Idempotency-Key was used with a different request body")
	errAdminDisabled   = errorf(http.StatusForbidden, "admin_disabled", "admin endpoints are disabled: no admin token is configured")
	errWebhooksOff     = errorf(http.StatusServiceUnavailable, "webhooks_not_configured", "no webhook secret is configured")
	errBadSignature    = errorf(http.StatusBadRequest, "invalid_signature", "webhook signature verification failed")
	errNotCancelable   = errorf(http.StatusConflict, "order_not_cancelable", "only pending and paid orders can be canceled")
	errNotRefundable   = errorf(http.StatusConflict, "order_not_refundable", "only paid orders can be refunded")
	errRefundTooLarge  = errorf(http.StatusUnprocessableEntity, "refund_exceeds_captured", "the refund is larger than what is left to refund on the order")
	errRefundFailed    = errorf(http.StatusBadGateway, "refund_failed", "the provider refused the refund")
	errUnsupportedType = errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="shop"`)
	}
	writeJSON(w, e.status, errorBody{Error: errorDetail{Code: e.code, Message: e.message}})
}

// ServeHTTP serves the shop's API. A panic in a handler becomes a 500;
// the process survives it.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	done, ok := s.begin()
	if !ok {
		writeError(w, errShuttingDown)
		return
	}
	defer done()
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
			writeError(w, errInternal)
		}
	}()
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		// No route: ask the mux whether it is a 404 or a 405, answer in JSON.
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			if allow := rec.header.Get("Allow"); allow != "" {
				w.Header().Set("Allow", allow)
			}
			writeError(w, errorf(http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed on this path"))
			return
		}
		writeError(w, errorf(http.StatusNotFound, "not_found", "no such endpoint"))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// statusRecorder captures the status the mux would answer an unrouted
// request with.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(code int)        { r.status = code }

func (s *Shop) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /orders", s.handleCreateOrder)
	m.HandleFunc("GET /orders", s.handleListOrders)
	m.HandleFunc("GET /orders/{id}", s.handleGetOrder)
	m.HandleFunc("POST /orders/{id}/cancel", s.handleCancel)
	m.HandleFunc("POST /orders/{id}/refund", s.handleRefund)
	m.HandleFunc("POST /webhooks/stripe", s.handleWebhook)
	m.HandleFunc("GET /healthz", s.handleHealth)
	m.HandleFunc("POST /admin/reconcile", s.handleAdminReconcile)
	m.HandleFunc("GET /admin/orders", s.handleAdminOrders)
	s.mux = m
}

// customer authenticates the caller by its bearer token.
func (s *Shop) customer(r *http.Request) (string, *apiError) {
	tok, ok := bearer(r)
	if !ok {
		return "", errUnauthorized
	}
	cus, ok := s.cfg.Customers[tok]
	if !ok {
		return "", errUnauthorized
	}
	return cus, nil
}

func (s *Shop) admin(r *http.Request) *apiError {
	if s.cfg.AdminToken == "" {
		return errAdminDisabled
	}
	tok, ok := bearer(r)
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) != 1 {
		return errUnauthorized
	}
	return nil
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// readBody reads a size-limited JSON request body. An empty body is
// allowed here; the parser decides whether it is enough.
func (s *Shop) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *apiError) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, errUnsupportedType
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "body_too_large", "request body exceeds %d bytes", limit)
		}
		return nil, errorf(http.StatusBadRequest, "invalid_body", "could not read the request body")
	}
	return body, nil
}

// decodeStrict decodes exactly one JSON value into v, rejecting unknown
// fields and trailing data.
func decodeStrict(body []byte, v any) *apiError {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "invalid_json", "the body must be one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(http.StatusBadRequest, "invalid_json", "the body must be one JSON object")
	}
	return nil
}

func jsonError(err error) *apiError {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, "invalid_json", "the body is empty; send a JSON object")
	case errors.As(err, &typeErr):
		// Field names come from our own struct tags, never from the client.
		return errorf(http.StatusBadRequest, "invalid_json", "field %q has the wrong type", typeErr.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return errorf(http.StatusBadRequest, "unknown_field", "the body has a field the API does not accept")
	}
	return errorf(http.StatusBadRequest, "invalid_json", "the body is not valid JSON")
}

func (s *Shop) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	body := map[string]any{
		"status":  "ok",
		"breaker": s.breaker.State().String(),
		"flaws":   s.cfg.Flaws.String(),
	}
	if err := s.st.db.PingContext(ctx); err != nil {
		body["status"] = "unhealthy"
		writeJSON(w, http.StatusServiceUnavailable, body)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// maskSecret keeps a secret's well-known prefix and its last four
// characters, so logs can tell keys apart without holding one.
func maskSecret(k string) string {
	if k == "" {
		return ""
	}
	prefix := ""
	for _, p := range []string{"sk_test_", "sk_live_", "rk_test_", "rk_live_", "whsec_"} {
		if strings.HasPrefix(k, p) {
			prefix = p
			break
		}
	}
	if len(k) < len(prefix)+12 {
		return prefix + "****"
	}
	return prefix + "****" + k[len(k)-4:]
}

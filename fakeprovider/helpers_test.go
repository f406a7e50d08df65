package fakeprovider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
	"github.com/stripe/stripe-go/v84/webhook"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(&specSummaryRunner{m})
}

// specSummaryRunner prints, under -v, what the spec validated.
type specSummaryRunner struct{ m *testing.M }

func (r *specSummaryRunner) Run() int {
	code := r.m.Run()
	if testing.Verbose() {
		fmt.Print(specSummary())
	}
	return code
}

const testKey = "sk_test_paychaos123456"

// harness is a provider behind a loopback server, with stripe-go clients.
// Every API answer it sends is checked against Stripe's spec when the
// test ends.
type harness struct {
	t    *testing.T
	p    *Provider
	spec *specRecorder // the handler srv serves
	srv  *httptest.Server
	trs  []*http.Transport
}

func newHarness(t *testing.T, opts ...Option) *harness {
	t.Helper()
	p := New(opts...)
	sr := &specRecorder{p: p}
	checkSpec(t, sr) // runs last, once the server is closed
	srv := httptest.NewServer(sr)
	h := &harness{t: t, p: p, spec: sr, srv: srv}
	t.Cleanup(func() {
		for _, tr := range h.trs {
			tr.CloseIdleConnections()
		}
		srv.Close()
		_ = p.Close()
	})
	return h
}

// client returns a stripe-go client with retries automatic retries and
// the given per-attempt timeout (0: 5s).
func (h *harness) client(retries int64, timeout time.Duration) *stripe.Client {
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	tr := &http.Transport{}
	h.trs = append(h.trs, tr)
	cfg := &stripe.BackendConfig{
		URL:               stripe.String(h.srv.URL),
		MaxNetworkRetries: stripe.Int64(retries),
		HTTPClient:        &http.Client{Timeout: timeout, Transport: tr},
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		EnableTelemetry:   stripe.Bool(false),
	}
	return stripe.NewClient(testKey, stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))
}

// raw sends a raw request and returns status, headers and body.
func (h *harness) raw(method, path, body string, hdr map[string]string) (int, http.Header, string) {
	h.t.Helper()
	var r io.Reader
	if body != "" {
		r = stringsReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func stringsReader(s string) io.Reader { return &stringReader{s: s} }

type stringReader struct{ s string }

func (r *stringReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p, r.s)
	r.s = r.s[n:]
	return n, nil
}

// visaParams is a create+confirm that succeeds with pm_card_visa.
func visaParams(order string, amount int64) *stripe.PaymentIntentCreateParams {
	return &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(amount),
		Currency:           stripe.String("usd"),
		PaymentMethod:      stripe.String("pm_card_visa"),
		PaymentMethodTypes: []*string{stripe.String("card")},
		Confirm:            stripe.Bool(true),
		Metadata:           map[string]string{"order_id": order},
	}
}

// stripeErr asserts err is a *stripe.Error and returns it.
func stripeErr(t *testing.T, err error) *stripe.Error {
	t.Helper()
	var se *stripe.Error
	if !errors.As(err, &se) {
		t.Fatalf("want *stripe.Error, got %T: %v", err, err)
	}
	return se
}

// eventually polls cond every 10ms until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hookSink is a webhook endpoint that verifies every delivery with
// stripe-go's webhook.ConstructEvent.
type hookSink struct {
	srv    *httptest.Server
	secret string

	mu       sync.Mutex
	events   []stripe.Event
	rejected []error
	raw      [][]byte
	// fail makes the next n deliveries answer 500.
	fail int
}

func newHookSink(t *testing.T, secret string) *hookSink {
	s := &hookSink{secret: secret}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.raw = append(s.raw, body)
		if s.fail > 0 {
			s.fail--
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		ev, err := webhook.ConstructEvent(body, r.Header.Get("Stripe-Signature"), s.secret)
		if err != nil {
			s.rejected = append(s.rejected, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.events = append(s.events, ev)
		w.WriteHeader(http.StatusOK)
	}))
	checkDeliveries(t, func() [][]byte {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.raw
	})
	t.Cleanup(s.srv.Close)
	return s
}

func (s *hookSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

func (s *hookSink) rejectedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rejected)
}

func (s *hookSink) types() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.events))
	for i, e := range s.events {
		out[i] = string(e.Type)
	}
	return out
}

func (s *hookSink) failNext(n int) {
	s.mu.Lock()
	s.fail = n
	s.mu.Unlock()
}

var bg = context.Background()

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

package fakeprovider

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

func TestRateLimitNotRetriedNotSaved(t *testing.T) {
	h := newHarness(t)
	id := mustAdd(t, h.p, Fault{Kind: FaultRateLimit, Count: 1})
	sc := h.client(2, 0)
	p := visaParams("o", 1000)
	p.SetIdempotencyKey("rl-1")
	_, err := sc.V1PaymentIntents.Create(bg, p)
	se := stripeErr(t, err)
	if se.HTTPStatusCode != 429 || se.Code != "rate_limit" {
		t.Fatalf("%d %s", se.HTTPStatusCode, se.Code)
	}
	if n := h.p.Snapshot().Requests["POST /v1/payment_intents"]; n != 1 || faultHits(t, h.p, id) != 1 {
		t.Fatalf("rate_limit must not be retried by stripe-go: %d", n)
	}
	if ra := se.LastResponse.Header.Get("Retry-After"); ra != "1" {
		t.Fatalf("Retry-After %q", ra)
	}
	p = visaParams("o", 1000)
	p.SetIdempotencyKey("rl-1")
	pi, err := sc.V1PaymentIntents.Create(bg, p)
	if err != nil {
		t.Fatalf("a 429 is not saved under the key: %v", err)
	}
	if pi.LastResponse.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("the retry after a 429 must run, not replay")
	}
}

func TestLockTimeoutRetriedWithSameKey(t *testing.T) {
	h := newHarness(t)
	var keys []string
	var mu sync.Mutex
	h.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		h.spec.ServeHTTP(w, r)
	})
	id := mustAdd(t, h.p, Fault{Kind: FaultLockTimeout, Count: 2, Endpoint: "POST /v1/payment_intents"})
	pi, err := h.client(2, 0).V1PaymentIntents.Create(bg, visaParams("o", 1000))
	if err != nil {
		t.Fatalf("third attempt should pass: %v", err)
	}
	if pi.Status != stripe.PaymentIntentStatusSucceeded || faultHits(t, h.p, id) != 2 {
		t.Fatal("lock_timeout did not act twice")
	}
	if len(keys) != 3 || keys[0] != keys[1] || keys[1] != keys[2] || keys[0] == "" {
		t.Fatalf("stripe-go retries with one key: %v", keys)
	}
	if n := len(h.p.Snapshot().PaymentIntents); n != 1 {
		t.Fatalf("%d payments", n)
	}
}

func TestIdempotencyConflictFaultAndStatusVariants(t *testing.T) {
	h := newHarness(t)
	mustAdd(t, h.p, Fault{Kind: FaultIdempotencyConflict, Count: 1})
	mustAdd(t, h.p, Fault{Kind: FaultHTTPError, Status: 429, Count: 1})
	mustAdd(t, h.p, Fault{Kind: FaultHTTPError, Status: 409, Count: 1})
	sc := h.client(2, 0)
	for _, want := range []struct {
		status int
		code   string
	}{{409, "idempotency_key_in_use"}, {429, "rate_limit"}, {409, "idempotency_key_in_use"}} {
		_, err := sc.V1PaymentIntents.Create(bg, visaParams("o", 1000))
		se := stripeErr(t, err)
		if se.HTTPStatusCode != want.status || string(se.Code) != want.code {
			t.Fatalf("got %d %s want %d %s", se.HTTPStatusCode, se.Code, want.status, want.code)
		}
	}
	if n := h.p.Snapshot().Requests["POST /v1/payment_intents"]; n != 3 {
		t.Fatalf("well-formed 409/429 are not retried: %d", n)
	}
}

func TestHTTPErrorSavedIsReplayed(t *testing.T) {
	h := newHarness(t)
	id := mustAdd(t, h.p, Fault{Kind: FaultHTTPError, Mode: ModeSaved, Count: 1})
	sc := h.client(0, 0)
	for i := range 2 {
		p := visaParams("o", 1000)
		p.SetIdempotencyKey("saved-500")
		_, err := sc.V1PaymentIntents.Create(bg, p)
		se := stripeErr(t, err)
		if se.HTTPStatusCode != 500 {
			t.Fatalf("attempt %d: %d", i, se.HTTPStatusCode)
		}
	}
	if faultHits(t, h.p, id) != 1 || len(h.p.Snapshot().PaymentIntents) != 0 {
		t.Fatal("the second 500 must be the saved answer, not a new fault hit")
	}
}

func TestSlowDelays(t *testing.T) {
	h := newHarness(t)
	id := mustAdd(t, h.p, Fault{Kind: FaultSlow, Delay: 100 * time.Millisecond, Jitter: 20 * time.Millisecond, Seed: 7})
	start := time.Now()
	if _, err := h.client(0, 0).V1PaymentIntents.Create(bg, visaParams("o", 1000)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Fatalf("answered after %v, before the delay", d)
	}
	if faultHits(t, h.p, id) != 1 {
		t.Fatal("slow not counted")
	}
}

func TestShouldRetryCausesDuplicateSends(t *testing.T) {
	h := newHarness(t)
	id := mustAdd(t, h.p, Fault{Kind: FaultShouldRetry, Endpoint: "POST /v1/payment_intents"})
	pi, err := h.client(2, 0).V1PaymentIntents.Create(bg, visaParams("o", 1000))
	if err != nil {
		t.Fatal(err)
	}
	snap := h.p.Snapshot()
	if snap.Requests["POST /v1/payment_intents"] != 3 || faultHits(t, h.p, id) != 3 {
		t.Fatalf("stripe-go re-sends a 2xx with Stripe-Should-Retry: true: %v", snap.Requests)
	}
	if len(snap.PaymentIntents) != 1 || pi.LastResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("re-sends must be replays of one payment")
	}
}

func TestBrokenBodiesAfterCommit(t *testing.T) {
	for _, kind := range []FaultKind{FaultTruncatedJSON, FaultMalformedJSON} {
		t.Run(string(kind), func(t *testing.T) {
			h := newHarness(t)
			mustAdd(t, h.p, Fault{Kind: kind, Count: 1})
			_, err := h.client(2, 0).V1PaymentIntents.Create(bg, visaParams("o", 1000))
			if err == nil {
				t.Fatal("a broken body must be an error for the client")
			}
			var se *stripe.Error
			if errors.As(err, &se) {
				t.Fatalf("want a decoding error, got a Stripe error: %v", se)
			}
			snap := h.p.Snapshot()
			if snap.Requests["POST /v1/payment_intents"] != 1 || len(snap.PaymentIntents) != 1 || snap.PaymentIntents[0].Status != "succeeded" {
				t.Fatalf("silent success: one attempt, one payment made: %v %d", snap.Requests, len(snap.PaymentIntents))
			}
		})
	}
}

func TestWrongContentType(t *testing.T) {
	h := newHarness(t)
	mustAdd(t, h.p, Fault{Kind: FaultWrongContentType, Count: 1})
	status, hdr, body := h.raw("POST", "/v1/payment_intents", "amount=100&currency=usd", nil)
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.HasPrefix(body, `{"id":"pi_`) {
		t.Fatalf("%d %s %s", status, hdr.Get("Content-Type"), body)
	}
}

func TestDeclineByRateIsSeeded(t *testing.T) {
	outcomes := func() (string, int64) {
		h := newHarness(t)
		id := mustAdd(t, h.p, Fault{Kind: FaultDecline, Rate: 0.5, Seed: 42, DeclineCode: "insufficient_funds"})
		sc := h.client(0, 0)
		var b strings.Builder
		for range 30 {
			_, err := sc.V1PaymentIntents.Create(bg, visaParams("o", 1000))
			if err == nil {
				b.WriteByte('.')
				continue
			}
			se := stripeErr(t, err)
			if se.DeclineCode != "insufficient_funds" || se.HTTPStatusCode != 402 {
				t.Fatalf("forced decline: %d %s", se.HTTPStatusCode, se.DeclineCode)
			}
			b.WriteByte('x')
		}
		return b.String(), faultHits(t, h.p, id)
	}
	a, hits := outcomes()
	b, _ := outcomes()
	if a != b {
		t.Fatalf("same seed, different outcomes:\n%s\n%s", a, b)
	}
	if n := int64(strings.Count(a, "x")); n != hits || n == 0 || n == 30 {
		t.Fatalf("declines %d, hits %d (%s)", n, hits, a)
	}
}

func TestForcedProcessingAndRequiresAction(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	mustAdd(t, h.p, Fault{Kind: FaultProcessing, Delay: 30 * time.Millisecond, Count: 1})
	pi, err := sc.V1PaymentIntents.Create(bg, visaParams("o", 1000))
	if err != nil || pi.Status != stripe.PaymentIntentStatusProcessing {
		t.Fatalf("forced processing: %v %v", err, pi)
	}
	eventually(t, 5*time.Second, "settled", func() bool {
		got, err := sc.V1PaymentIntents.Retrieve(bg, pi.ID, nil)
		return err == nil && got.Status == stripe.PaymentIntentStatusSucceeded
	})
	mustAdd(t, h.p, Fault{Kind: FaultRequiresAction, Count: 1})
	pi, err = sc.V1PaymentIntents.Create(bg, visaParams("o2", 1000))
	if err != nil || pi.Status != stripe.PaymentIntentStatusRequiresAction {
		t.Fatalf("forced 3DS: %v %v", err, pi)
	}
	if err := h.p.Authenticate(bg, pi.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, f := range h.p.Snapshot().Faults {
		if f.Hits != 1 {
			t.Fatalf("fault %s hits %d", f.Fault.Kind, f.Hits)
		}
	}
}

func TestAmnesiaForgetsKeys(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	create := func(key string) *stripe.PaymentIntent {
		p := visaParams("o-"+key, 1000)
		p.SetIdempotencyKey(key)
		pi, err := sc.V1PaymentIntents.Create(bg, p)
		if err != nil {
			t.Fatal(err)
		}
		return pi
	}
	old := create("old")
	if err := h.p.AdvanceClock(bg, time.Hour); err != nil {
		t.Fatal(err)
	}
	recent := create("recent")
	id := mustAdd(t, h.p, Fault{Kind: FaultAmnesia, Window: 30 * time.Minute})
	if again := create("old"); again.ID != old.ID {
		t.Fatal("a key older than the window must still replay")
	}
	if again := create("recent"); again.ID == recent.ID {
		t.Fatal("a forgotten key must run again")
	}
	if hits := faultHits(t, h.p, id); hits != 1 {
		t.Fatalf("hits %d", hits)
	}
	if n := len(h.p.Snapshot().PaymentIntents); n != 3 {
		t.Fatalf("payments %d: the forgotten retry pays twice", n)
	}
}

func TestIdempotencyKeysExpire(t *testing.T) {
	h := newHarness(t, WithClock(func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }))
	sc := h.client(0, 0)
	p := visaParams("o", 1000)
	p.SetIdempotencyKey("exp")
	if _, err := sc.V1PaymentIntents.Create(bg, p); err != nil {
		t.Fatal(err)
	}
	c := NewClient(h.srv.URL, "")
	if err := c.AdvanceClock(bg, 24*time.Hour+time.Second); err != nil {
		t.Fatal(err)
	}
	now, err := c.Now(bg)
	if err != nil || !now.Equal(time.Date(2026, 3, 2, 12, 0, 1, 0, time.UTC)) {
		t.Fatalf("clock %v %v", now, err)
	}
	p = visaParams("o", 2000) // other parameters: fine once the key expired
	p.SetIdempotencyKey("exp")
	pi, err := sc.V1PaymentIntents.Create(bg, p)
	if err != nil || pi.Amount != 2000 {
		t.Fatalf("expired key: %v", err)
	}
	if pi.Created != now.Unix() {
		t.Fatalf("created %d, want the provider's clock %d", pi.Created, now.Unix())
	}
	if err := c.SetClock(bg, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if now, _ := h.p.Now(bg); now.Year() != 2030 {
		t.Fatalf("set clock: %v", now)
	}
}

func TestWebhookFaults(t *testing.T) {
	type check func(t *testing.T, h *harness, s *hookSink, snap Snapshot)
	delivered := func(n int) check {
		return func(t *testing.T, h *harness, s *hookSink, snap Snapshot) {
			eventually(t, 5*time.Second, "deliveries", func() bool { return s.count() == n })
		}
	}
	rejected := func(reason string) check {
		return func(t *testing.T, h *harness, s *hookSink, snap Snapshot) {
			eventually(t, 5*time.Second, "a rejected delivery", func() bool { return s.rejectedCount() == 1 })
			if s.count() != 0 || !strings.Contains(s.rejected[0].Error(), reason) {
				t.Fatalf("rejected %v, accepted %d", s.rejected, s.count())
			}
		}
	}
	for _, tc := range []struct {
		f     Fault
		check check
		log   int // delivery log entries expected
	}{
		{Fault{Kind: FaultWebhookDrop}, func(t *testing.T, h *harness, s *hookSink, snap Snapshot) {
			if s.count() != 0 || snap.Deliveries[0].Attempt != 0 {
				t.Fatal("dropped event delivered")
			}
		}, 1},
		{Fault{Kind: FaultWebhookDuplicate}, func(t *testing.T, h *harness, s *hookSink, snap Snapshot) {
			delivered(2)(t, h, s, snap)
			if s.events[0].ID != s.events[1].ID {
				t.Fatal("duplicate is not the same event")
			}
		}, 2},
		{Fault{Kind: FaultWebhookDelay, Delay: 150 * time.Millisecond}, func(t *testing.T, h *harness, s *hookSink, snap Snapshot) {
			delivered(1)(t, h, s, snap)
			if d := h.p.Snapshot().Deliveries[0].At.Sub(snap.Events[0].Created); d < 150*time.Millisecond {
				t.Fatalf("delivered %v after the event", d)
			}
		}, 1},
		{Fault{Kind: FaultWebhookBadSignature}, rejected("signature"), 1},
		{Fault{Kind: FaultWebhookStale}, rejected("tolerance"), 1},
		{Fault{Kind: FaultWebhookAPIVersion}, rejected("API version"), 1},
	} {
		t.Run(string(tc.f.Kind), func(t *testing.T) {
			sink := newHookSink(t, "whsec_faults")
			h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret), WithWebhookRetry(1, time.Millisecond))
			id := mustAdd(t, h.p, tc.f)
			if _, err := h.client(0, 0).V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(500), Currency: stripe.String("usd")}); err != nil {
				t.Fatal(err)
			}
			eventually(t, 5*time.Second, "delivery log", func() bool { return len(h.p.Snapshot().Deliveries) == tc.log })
			snap := h.p.Snapshot()
			tc.check(t, h, sink, snap)
			if faultHits(t, h.p, id) != 1 || snap.Deliveries[0].Fault != string(tc.f.Kind) {
				t.Fatalf("fault evidence: hits %d, log %+v", faultHits(t, h.p, id), snap.Deliveries)
			}
		})
	}
}

func TestWebhookReorder(t *testing.T) {
	sink := newHookSink(t, "whsec_re")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret), WithWebhookConcurrency(1))
	mustAdd(t, h.p, Fault{Kind: FaultWebhookReorder, Count: 1, Delay: 5 * time.Second})
	sc := h.client(0, 0)
	first, err := sc.V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(500), Currency: stripe.String("usd")})
	if err != nil {
		t.Fatal(err)
	}
	second, err := sc.V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(600), Currency: stripe.String("usd")})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 4*time.Second, "both events (before the hold times out)", func() bool { return sink.count() == 2 })
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.events[0].Data.Object["id"] != second.ID || sink.events[1].Data.Object["id"] != first.ID {
		t.Fatal("events arrived in order")
	}
}

func TestWebhookEarly(t *testing.T) {
	var returned atomic.Bool
	var early, total atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		total.Add(1)
		if !returned.Load() {
			early.Add(1)
		}
	}))
	defer hook.Close()
	h := newHarness(t, WithWebhook(hook.URL, "whsec_early"))
	id := mustAdd(t, h.p, Fault{Kind: FaultWebhookEarly})
	if _, err := h.client(0, 0).V1PaymentIntents.Create(bg, visaParams("o", 1000)); err != nil {
		t.Fatal(err)
	}
	returned.Store(true)
	if early.Load() != 3 || total.Load() != 3 {
		t.Fatalf("all three events must arrive before the answer: early %d of %d", early.Load(), total.Load())
	}
	if faultHits(t, h.p, id) != 3 {
		t.Fatal("early not counted")
	}
}

func TestControlLoopbackOnly(t *testing.T) {
	p := New()
	defer p.Close()
	req := httptest.NewRequest("GET", "/_paychaos/ledger", nil)
	req.RemoteAddr = "10.1.2.3:4567"
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("remote client without token: %d", rec.Code)
	}
	req.RemoteAddr = "127.0.0.1:4567"
	rec = httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("loopback client: %d", rec.Code)
	}
	req = httptest.NewRequest("POST", "/_paychaos/faults", strings.NewReader(`{"kind":"http_error","statsu":500}`))
	req.RemoteAddr = "127.0.0.1:4567"
	req.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "statsu") {
		t.Fatalf("misspelt field: %d %s", rec.Code, rec.Body.String())
	}
}

func TestServeStopsWithContext(t *testing.T) {
	p := New()
	defer p.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, p) }()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := NewClient("http://"+ln.Addr().String(), "", WithHTTPClient(&http.Client{Transport: tr}))
	if _, err := c.Ledger(bg); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := ListenAndServe(bg, "256.0.0.1:0", p); err == nil {
		t.Fatal("bad address accepted")
	}
}

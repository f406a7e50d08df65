package checkout

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
)

// validAge is how old a signature the shop must accept is: a minute of
// margin under stripe-go's 300 s tolerance.
const validAge = 240 * time.Second

// TestWebhookVerification: only correctly signed, recent events from the
// configured secret are applied, each once.
func TestWebhookVerification(t *testing.T) {
	e := newEnv(t, noBreaker)
	o := pendingOrder(t, e)
	now := time.Now()
	succeededPI := piObject("pi_hook", o.ID, "succeeded", 1000)

	cases := []struct {
		name   string
		body   func() ([]byte, string)
		status int
	}{
		{"wrong secret", func() ([]byte, string) {
			return signedEvent(t, "evt_a", "payment_intent.succeeded", now, succeededPI, "whsec_someone_else", now)
		}, 400},
		{"stale, 301s", func() ([]byte, string) {
			return signedEvent(t, "evt_b", "payment_intent.succeeded", now, succeededPI, webhookSecret, now.Add(-301*time.Second))
		}, 400},
		{"tampered body", func() ([]byte, string) {
			b, sig := signedEvent(t, "evt_c", "payment_intent.succeeded", now, succeededPI, webhookSecret, now)
			return []byte(strings.Replace(string(b), "1000", "9000", 1)), sig
		}, 400},
		{"other api train", func() ([]byte, string) {
			b, _ := signedEvent(t, "evt_d", "payment_intent.succeeded", now, succeededPI, webhookSecret, now)
			b = []byte(strings.Replace(string(b), fakeprovider.DefaultAPIVersion, "2025-03-31.basil", 1))
			return b, fakeprovider.Sign(b, webhookSecret, now)
		}, 400},
		{"not an event", func() ([]byte, string) {
			b := []byte(`{"id":"pi_x","object":"payment_intent"}`)
			return b, fakeprovider.Sign(b, webhookSecret, now)
		}, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.dbState()
			b, sig := c.body()
			if r := e.deliver(b, sig); r.status != c.status || r.code() != "invalid_signature" {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if e.dbState() != before {
				t.Fatal("a rejected webhook changed the database")
			}
		})
	}

	// A valid one applies, old but well within the 300 s tolerance: a
	// signature carries whole seconds and the check reads the wall clock
	// when the shop gets it, so an age near 300 s is refused the moment the
	// test crosses a second boundary.
	b, sig := signedEvent(t, "evt_ok", "payment_intent.succeeded", now, succeededPI, webhookSecret, time.Now().Add(-validAge))
	if r := e.deliver(b, sig); r.status != http.StatusOK || !strings.Contains(string(r.body), eventApplied) {
		t.Fatalf("valid: %d %s", r.status, r.body)
	}
	if got := e.mustOrder(o.ID); got.Status != StatusPaid || got.PaymentIntent != "pi_hook" {
		t.Fatalf("order: %+v", got)
	}
	// The same event again, freshly signed: a duplicate, nothing changes.
	before := e.dbState()
	b2, sig2 := signedEvent(t, "evt_ok", "payment_intent.succeeded", now, succeededPI, webhookSecret, time.Now())
	if r := e.deliver(b2, sig2); r.status != http.StatusOK || !strings.Contains(string(r.body), eventDuplicate) {
		t.Fatalf("duplicate: %d %s", r.status, r.body)
	}
	if e.dbState() != before {
		t.Fatal("a duplicate changed the database")
	}
	// An event about no order of this shop is acknowledged and ignored.
	b3, sig3 := signedEvent(t, "evt_foreign", "payment_intent.succeeded", now, piObject("pi_other", "ord_000000000000000000000000", "succeeded", 5), webhookSecret, now)
	if r := e.deliver(b3, sig3); r.status != http.StatusOK || !strings.Contains(string(r.body), eventIgnored) {
		t.Fatalf("foreign: %d %s", r.status, r.body)
	}
}

// TestWebhookNeverRegresses: a failure event after the payment, or a
// payment event after a refund, changes nothing; a payment for a canceled
// order is refunded.
func TestWebhookNeverRegresses(t *testing.T) {
	e := newEnv(t)
	o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
	now := time.Now()
	deliver := func(id, typ string, obj any) string {
		t.Helper()
		b, sig := signedEvent(t, id, typ, now, obj, webhookSecret, now)
		r := e.deliver(b, sig)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", id, r.status, r.body)
		}
		return string(r.body)
	}
	if res := deliver("evt_f", "payment_intent.payment_failed", piObject(o.PaymentIntent, o.ID, "requires_payment_method", 1000)); !strings.Contains(res, eventStale) {
		t.Fatalf("failure after payment: %s", res)
	}
	if got := e.mustOrder(o.ID); got.Status != StatusPaid {
		t.Fatalf("order regressed: %+v", got)
	}

	// Cancel (refunds), then a late payment event: the order stays canceled.
	e.do(req{method: "POST", path: "/orders/" + o.ID + "/cancel", token: aliceToken})
	deliver("evt_s", "payment_intent.succeeded", piObject(o.PaymentIntent, o.ID, "succeeded", 1000))
	if got := e.mustOrder(o.ID); got.Status != StatusCanceled || got.Refunded != 1000 {
		t.Fatalf("canceled order revived: %+v", got)
	}
	if sum := e.reconcile(); sum.RefundsIssued != 0 || e.refundedOn(o.PaymentIntent) != 1000 {
		t.Fatalf("refunded twice: %+v", sum)
	}
}

// TestWebhookFaultsFromProvider: the provider duplicates, reorders and
// delays its deliveries; every order still ends right.
func TestWebhookFaultsFromProvider(t *testing.T) {
	e := newEnv(t)
	e.webhooks()
	e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultWebhookDuplicate, Rate: 0.5, Seed: 3})
	e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultWebhookReorder, Rate: 0.5, Seed: 4, Delay: 200 * time.Millisecond})
	e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultWebhookStale, Count: 1})
	want := map[string]OrderStatus{}
	for i := range 6 {
		r := e.pay(aliceToken, "", 1000+int64(i), "pm_card_visa")
		o := r.order(t)
		switch i % 3 {
		case 0:
			want[o.ID] = StatusPaid
		case 1:
			e.do(req{method: "POST", path: "/orders/" + o.ID + "/refund", token: aliceToken})
			want[o.ID] = StatusRefunded
		case 2:
			e.do(req{method: "POST", path: "/orders/" + o.ID + "/cancel", token: aliceToken})
			want[o.ID] = StatusCanceled
		}
	}
	d := e.pay(aliceToken, "", 500, "pm_card_chargeDeclined").order(t)
	want[d.ID] = StatusFailed
	eventually(t, "every event delivered", func() bool {
		s := e.fp.Snapshot()
		done := map[string]bool{}
		for _, dl := range s.Deliveries {
			if dl.Status == http.StatusOK || dl.Status == http.StatusBadRequest {
				done[dl.EventID] = true
			}
		}
		return len(s.Events) > 0 && len(done) >= len(s.Events)
	})
	e.reconcile()
	for id, st := range want {
		if got := e.mustOrder(id); got.Status != st {
			t.Errorf("order %s is %s, want %s", id, got.Status, st)
		}
	}
	for _, f := range e.fp.Snapshot().Faults {
		if f.Hits == 0 {
			t.Errorf("fault %s never acted: the test proves nothing about it", f.Fault.Kind)
		}
	}
	if !strings.Contains(e.logs.String(), "result="+eventDuplicate) {
		t.Error("no duplicate delivery reached the shop")
	}
	var rejected int
	for _, dl := range e.fp.Snapshot().Deliveries {
		if dl.Status == http.StatusBadRequest {
			rejected++
		}
	}
	if rejected == 0 {
		t.Error("the stale delivery was not rejected")
	}
}

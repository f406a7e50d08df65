package checkout

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
)

// A yen order: the safe shop charges yen, the flawed one dollars.
func TestFlawChargeInUSD(t *testing.T) {
	forBoth(t, FlawChargeInUSD, func(t *testing.T, e *testEnv, flawed bool) {
		r := e.do(req{method: "POST", path: "/orders", token: aliceToken, key: "k",
			body: map[string]any{"amount": 2900, "currency": "jpy", "payment_method": "pm_card_visa"}})
		o := r.order(t)
		ps := succeeded(e.payments(o.ID))
		if r.status != http.StatusCreated || o.Currency != "jpy" || len(ps) != 1 {
			t.Fatalf("%d %s %+v", r.status, r.body, ps)
		}
		want := "jpy"
		if flawed {
			want = "usd"
		}
		if ps[0].Currency != want {
			t.Fatalf("charged in %s, want %s", ps[0].Currency, want)
		}
	})
}

// A genuine event signed a moment ago: a tolerance of 300 read as
// nanoseconds refuses it.
func TestFlawWebhookToleranceUnit(t *testing.T) {
	forBoth(t, FlawWebhookToleranceUnit, func(t *testing.T, e *testEnv, flawed bool) {
		o := pendingOrder(t, e)
		now := time.Now()
		body, sig := signedEvent(t, "evt_fresh", "payment_intent.succeeded", now, piObject("pi_fresh", o.ID, "succeeded", 1000), webhookSecret, now)
		r := e.deliver(body, sig)
		got := e.mustOrder(o.ID)
		if !flawed {
			if r.status != http.StatusOK || got.Status != StatusPaid {
				t.Fatalf("safe: %d %s %+v", r.status, r.body, got)
			}
			return
		}
		if r.status != http.StatusBadRequest || got.Status != StatusPending {
			t.Fatalf("flawed: %d %s %+v", r.status, r.body, got)
		}
	}, noBreaker)
}

// The provider goes away while an order is pending: the background
// reconciler's passes fail. Once the provider is back the safe shop's
// reconciler resolves the order by itself; the flawed one has stopped and
// only an explicit pass does.
func TestFlawReconcilerGivesUp(t *testing.T) {
	background := func(c *Config) { c.ReconcileInterval = 20 * time.Millisecond; c.BreakerFailures = 1000 }
	forBoth(t, FlawReconcilerGivesUp, func(t *testing.T, e *testEnv, flawed bool) {
		create := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultHTTPError, Status: 500, Endpoint: createRoute})
		o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
		if o.Status != StatusPending {
			t.Fatalf("setup: %+v", o)
		}
		away := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultAway})
		e.unfault(create)
		eventually(t, "a failed reconcile pass", func() bool { return strings.Contains(e.logs.String(), "reconcile pass") })
		if flawed {
			eventually(t, "the reconciler to stop", func() bool { return strings.Contains(e.logs.String(), "background reconciler stopped") })
		}
		e.unfault(away)
		if !flawed {
			eventually(t, "the order to resolve by itself", func() bool { return e.mustOrder(o.ID).Status == StatusPaid })
			return
		}
		// Stopped: nothing runs that could move the order.
		if got := e.mustOrder(o.ID); got.Status != StatusPending {
			t.Fatalf("flawed: resolved without a reconciler: %+v", got)
		}
		e.reconcile()
		if got := e.mustOrder(o.ID); got.Status != StatusPaid {
			t.Fatalf("flawed: an explicit pass did not resolve it: %+v", got)
		}
	}, background)
}

// The provider cannot be reached at all: the checkout never got there.
// The customer retries with the same key: the safe shop answers 503 again
// (nothing was recorded), the flawed one answers the order it failed.
func TestFlawUnsentFailsKey(t *testing.T) {
	unreachable := func(c *Config) { c.ProviderURL = "http://127.0.0.1:1"; c.BreakerFailures = 1000 }
	forBoth(t, FlawUnsentFailsKey, func(t *testing.T, e *testEnv, flawed bool) {
		first := e.pay(aliceToken, "k", 1000, "pm_card_visa")
		if first.status != http.StatusServiceUnavailable {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		again := e.pay(aliceToken, "k", 1000, "pm_card_visa")
		if !flawed {
			if again.status != http.StatusServiceUnavailable {
				t.Fatalf("safe: the retry got %d %s", again.status, again.body)
			}
			return
		}
		if o := again.order(t); o.Status != StatusFailed {
			t.Fatalf("flawed: the retry got %d %s", again.status, again.body)
		}
	}, unreachable)
}

func TestFlawListAllOrders(t *testing.T) {
	forBoth(t, FlawListAllOrders, func(t *testing.T, e *testEnv, flawed bool) {
		e.pay(aliceToken, "a", 1000, "pm_card_visa").order(t)
		e.pay(bobToken, "b", 500, "pm_card_visa").order(t)
		r := e.do(req{method: "GET", path: "/orders", token: bobToken})
		n := strings.Count(string(r.body), `"customer":"cus_alice"`)
		if r.status != http.StatusOK || n != map[bool]int{false: 0, true: 1}[flawed] {
			t.Fatalf("bob's list names %d of alice's orders: %s", n, r.body)
		}
	})
}

// A partial refund: the flawed shop sends it without its amount and the
// provider refunds everything.
func TestFlawRefundWithoutAmount(t *testing.T) {
	forBoth(t, FlawRefundWithoutAmount, func(t *testing.T, e *testEnv, flawed bool) {
		o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
		rf := e.do(req{method: "POST", path: "/orders/" + o.ID + "/refund", token: aliceToken, body: map[string]any{"amount": 300}})
		if rf.status != http.StatusOK {
			t.Fatalf("refund: %d %s", rf.status, rf.body)
		}
		want := int64(300)
		if flawed {
			want = 1000
		}
		if got := e.refundedOn(o.PaymentIntent); got != want {
			t.Fatalf("refunded %d, want %d", got, want)
		}
	})
}

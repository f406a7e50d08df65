package checkout

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
)

// forBoth runs fn against the safe shop and against the shop with flaw f,
// each with its own provider. The scenario suite proves the flaws end to
// end; these tests pin down that each switch does what its name says.
func forBoth(t *testing.T, f Flaw, fn func(t *testing.T, e *testEnv, flawed bool), opts ...func(*Config)) {
	for _, flawed := range []bool{false, true} {
		name := "safe"
		if flawed {
			name = string(f)
		}
		t.Run(name, func(t *testing.T) {
			o := append([]func(*Config){}, opts...)
			if flawed {
				o = append(o, withFlaws(f))
			}
			fn(t, newEnv(t, o...), flawed)
		})
	}
}

func noBreaker(c *Config) { c.BreakerFailures = 1000 }
func noRetries(c *Config) { c.MaxRetries = -1 }

const createRoute = "POST /v1/payment_intents"

// A lost answer is retried: with the attempt's key the provider replays
// the payment; without a key it makes a second one.
func TestFlawNoIdempotencyKey(t *testing.T) {
	forBoth(t, FlawNoIdempotencyKey, func(t *testing.T, e *testEnv, flawed bool) {
		e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultCommitThenFail, Mode: fakeprovider.ModeDrop, Endpoint: createRoute, Count: 1})
		r := e.pay(aliceToken, "k", 1000, "pm_card_visa")
		if r.status != http.StatusCreated {
			t.Fatalf("%d %s", r.status, r.body)
		}
		ps := succeeded(e.payments(r.order(t).ID))
		if !flawed {
			if len(ps) != 1 || ps[0].IdempotencyKey == "" {
				t.Fatalf("safe: %+v", ps)
			}
			return
		}
		if len(ps) != 2 || ps[0].IdempotencyKey != "" || ps[1].IdempotencyKey != "" {
			t.Fatalf("flawed: want two keyless payments, got %+v", ps)
		}
	})
}

func TestFlawNewKeyPerRetry(t *testing.T) {
	forBoth(t, FlawNewKeyPerRetry, func(t *testing.T, e *testEnv, flawed bool) {
		e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultCommitThenFail, Mode: fakeprovider.ModeDrop, Endpoint: createRoute, Count: 1})
		r := e.pay(aliceToken, "k", 1000, "pm_card_visa")
		if r.status != http.StatusCreated {
			t.Fatalf("%d %s", r.status, r.body)
		}
		o := r.order(t)
		ps := succeeded(e.payments(o.ID))
		if !flawed {
			if len(ps) != 1 || ps[0].IdempotencyKey != o.ID+"/a1" {
				t.Fatalf("safe: %+v", ps)
			}
			return
		}
		if len(ps) != 2 || ps[0].IdempotencyKey == ps[1].IdempotencyKey || !strings.HasPrefix(ps[1].IdempotencyKey, o.ID+"/a1/t") {
			t.Fatalf("flawed: want two payments under two keys, got %+v", ps)
		}
	})
}

// A provider slower than the client timeout: the safe shop gives up in
// budget and leaves the order pending; the flawed one waits it out.
func TestFlawNoTimeout(t *testing.T) {
	forBoth(t, FlawNoTimeout, func(t *testing.T, e *testEnv, flawed bool) {
		e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultSlow, Endpoint: createRoute, Delay: time.Second})
		r := e.pay(aliceToken, "k", 1000, "pm_card_visa")
		if !flawed {
			if r.status != http.StatusAccepted || r.order(t).Status != StatusPending {
				t.Fatalf("safe: %d %s", r.status, r.body)
			}
			return
		}
		if r.status != http.StatusCreated || r.order(t).Status != StatusPaid {
			t.Fatalf("flawed: want the answer the slow provider gave, got %d %s", r.status, r.body)
		}
	}, noBreaker)
}

// Errors that say nothing about the payment: the safe shop answers
// pending (and the reconciler finishes), the flawed one says paid.
func TestFlawMarkPaidOnError(t *testing.T) {
	forBoth(t, FlawMarkPaidOnError, func(t *testing.T, e *testEnv, flawed bool) {
		id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultHTTPError, Status: 500, Endpoint: createRoute})
		r := e.pay(aliceToken, "k", 1000, "pm_card_visa")
		o := r.order(t)
		if n := len(e.payments(o.ID)); n != 0 {
			t.Fatalf("the fault let %d payments through", n)
		}
		if !flawed {
			if r.status != http.StatusAccepted || o.Status != StatusPending {
				t.Fatalf("safe: %d %s", r.status, r.body)
			}
			e.unfault(id)
			if sum := e.reconcile(); sum.Paid != 1 || sum.Redriven != 1 {
				t.Fatalf("reconcile: %+v", sum)
			}
			if got := e.mustOrder(o.ID); got.Status != StatusPaid || len(succeeded(e.payments(o.ID))) != 1 {
				t.Fatalf("after reconcile: %+v", got)
			}
			return
		}
		if r.status != http.StatusCreated || o.Status != StatusPaid || o.PaymentIntent != "" {
			t.Fatalf("flawed: want paid with no payment, got %d %s", r.status, r.body)
		}
	}, noBreaker)
}

// The spine's outage: the provider is away (connections closed unanswered).
func TestFlawMarkPaidOnErrorOutage(t *testing.T) {
	e := newEnv(t, withFlaws(FlawMarkPaidOnError))
	e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultAway})
	r := e.pay(aliceToken, "k", 1000, "pm_card_visa")
	if r.status != http.StatusCreated || r.order(t).Status != StatusPaid || len(e.fp.Snapshot().PaymentIntents) != 0 {
		t.Fatalf("flawed shop during an outage: %d %s", r.status, r.body)
	}
}

// A payment made but answered too late: the safe shop keeps the order
// pending and the reconciler finds the payment; the flawed one fails the
// order for good while the money stays taken.
func TestFlawMarkFailedOnTimeout(t *testing.T) {
	forBoth(t, FlawMarkFailedOnTimeout, func(t *testing.T, e *testEnv, flawed bool) {
		id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultCommitThenFail, Mode: fakeprovider.ModeHang, Endpoint: createRoute})
		r := e.pay(aliceToken, "k", 1000, "pm_card_visa")
		o := r.order(t)
		e.unfault(id)
		ps := succeeded(e.payments(o.ID))
		if len(ps) != 1 {
			t.Fatalf("ledger: %+v", ps)
		}
		sum := e.reconcile()
		got := e.mustOrder(o.ID)
		if !flawed {
			if r.status != http.StatusAccepted || o.Status != StatusPending {
				t.Fatalf("safe: %d %s", r.status, r.body)
			}
			if sum.Paid != 1 || got.Status != StatusPaid || got.PaymentIntent != ps[0].ID {
				t.Fatalf("safe after reconcile: %+v %+v", sum, got)
			}
			return
		}
		if r.status != http.StatusPaymentRequired || o.Status != StatusFailed {
			t.Fatalf("flawed: %d %s", r.status, r.body)
		}
		if got.Status != StatusFailed || e.refundedOn(ps[0].ID) != 0 {
			t.Fatalf("flawed after reconcile: want failed and unrefunded, got %+v", got)
		}
	}, noRetries, noBreaker)
}

// A pending order whose payment never reached the provider.
func TestFlawNoReconciler(t *testing.T) {
	forBoth(t, FlawNoReconciler, func(t *testing.T, e *testEnv, flawed bool) {
		id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultHTTPError, Status: 503, Endpoint: createRoute})
		o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
		if o.Status != StatusPending {
			t.Fatalf("setup: %+v", o)
		}
		e.unfault(id)
		sum := e.reconcile()
		got := e.mustOrder(o.ID)
		if !flawed {
			if sum.Skipped || got.Status != StatusPaid {
				t.Fatalf("safe: %+v %+v", sum, got)
			}
			return
		}
		if !sum.Skipped || got.Status != StatusPending || len(e.payments(o.ID)) != 0 {
			t.Fatalf("flawed: %+v %+v", sum, got)
		}
		// The admin endpoint says so too.
		ar := e.do(req{method: "POST", path: "/admin/reconcile", token: adminToken})
		if !strings.Contains(string(ar.body), `"skipped":true`) {
			t.Fatalf("admin reconcile: %s", ar.body)
		}
	}, noBreaker)
}

// pendingOrder makes a pending order whose payment never happened.
func pendingOrder(t *testing.T, e *testEnv) Order {
	t.Helper()
	id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultHTTPError, Status: 500, Endpoint: createRoute})
	defer e.unfault(id)
	o := e.pay(aliceToken, "pending", 1000, "pm_card_visa").order(t)
	if o.Status != StatusPending {
		t.Fatalf("setup: %+v", o)
	}
	return o
}

// A forged, unsigned event claiming a payment.
func TestFlawTrustWebhooks(t *testing.T) {
	forBoth(t, FlawTrustWebhooks, func(t *testing.T, e *testEnv, flawed bool) {
		o := pendingOrder(t, e)
		body, _ := signedEvent(t, "evt_forged", "payment_intent.succeeded", time.Now(), piObject("pi_forged", o.ID, "succeeded", 1000), "", time.Now())
		r := e.deliver(body, "")
		got := e.mustOrder(o.ID)
		if !flawed {
			if r.status != http.StatusBadRequest || got.Status != StatusPending {
				t.Fatalf("safe: %d %s %+v", r.status, r.body, got)
			}
			return
		}
		if r.status != http.StatusOK || got.Status != StatusPaid || got.PaymentIntent != "pi_forged" {
			t.Fatalf("flawed: %d %s %+v", r.status, r.body, got)
		}
	}, noBreaker)
}

// A correctly signed event, ten minutes old.
func TestFlawNoWebhookTolerance(t *testing.T) {
	forBoth(t, FlawNoWebhookTolerance, func(t *testing.T, e *testEnv, flawed bool) {
		o := pendingOrder(t, e)
		old := time.Now().Add(-10 * time.Minute)
		body, sig := signedEvent(t, "evt_stale", "payment_intent.succeeded", old, piObject("pi_stale", o.ID, "succeeded", 1000), webhookSecret, old)
		r := e.deliver(body, sig)
		got := e.mustOrder(o.ID)
		if !flawed {
			if r.status != http.StatusBadRequest || r.code() != "invalid_signature" || got.Status != StatusPending {
				t.Fatalf("safe: %d %s %+v", r.status, r.body, got)
			}
			return
		}
		if r.status != http.StatusOK || got.Status != StatusPaid {
			t.Fatalf("flawed: %d %s %+v", r.status, r.body, got)
		}
	}, noBreaker)
}

// Events delivered out of order: a refund, then the older payment event.
func TestFlawWebhookOrderBlind(t *testing.T) {
	forBoth(t, FlawWebhookOrderBlind, func(t *testing.T, e *testEnv, flawed bool) {
		o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
		t0 := time.Now().Add(-time.Minute)
		// Newest first: the full refund, then a partial one, then the payment.
		deliveries := []struct {
			id, typ string
			created time.Time
			obj     any
		}{
			{"evt_3", "charge.refunded", t0.Add(20 * time.Second), chargeObject("ch_1", o.PaymentIntent, o.ID, 1000, 1000)},
			{"evt_2", "charge.refunded", t0.Add(10 * time.Second), chargeObject("ch_1", o.PaymentIntent, o.ID, 1000, 400)},
			{"evt_1", "payment_intent.succeeded", t0, piObject(o.PaymentIntent, o.ID, "succeeded", 1000)},
		}
		var results []string
		for _, d := range deliveries {
			body, sig := signedEvent(t, d.id, d.typ, d.created, d.obj, webhookSecret, time.Now())
			r := e.deliver(body, sig)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", d.id, r.status, r.body)
			}
			results = append(results, string(r.body))
		}
		got := e.mustOrder(o.ID)
		if !flawed {
			if got.Status != StatusRefunded || got.Refunded != 1000 {
				t.Fatalf("safe: %+v (%v)", got, results)
			}
			if !strings.Contains(results[1], eventStale) || !strings.Contains(results[2], eventStale) {
				t.Fatalf("safe: older events not reported stale: %v", results)
			}
			return
		}
		if got.Status != StatusPaid || got.Refunded != 400 {
			t.Fatalf("flawed: want the oldest event's state, got %+v", got)
		}
	})
}

// Items worth 4999 with a client amount of 100.
func TestFlawClientAmount(t *testing.T) {
	forBoth(t, FlawClientAmount, func(t *testing.T, e *testEnv, flawed bool) {
		r := e.do(req{method: "POST", path: "/orders", token: aliceToken, body: map[string]any{
			"amount": 100, "currency": "usd", "payment_method": "pm_card_visa", "items": []map[string]any{{"sku": "hoodie", "quantity": 1}}}})
		if !flawed {
			if r.status != http.StatusUnprocessableEntity || r.code() != "amount_mismatch" || len(e.fp.Snapshot().PaymentIntents) != 0 {
				t.Fatalf("safe: %d %s", r.status, r.body)
			}
			return
		}
		o := r.order(t)
		ps := e.payments(o.ID)
		if r.status != http.StatusCreated || o.Amount != 4999 || o.Status != StatusPaid || len(ps) != 1 || ps[0].Amount != 100 {
			t.Fatalf("flawed: want an order of 4999 paid with 100, got %d %s %+v", r.status, r.body, ps)
		}
	})
}

// A negative amount and an unknown currency.
func TestFlawNoInputValidation(t *testing.T) {
	forBoth(t, FlawNoInputValidation, func(t *testing.T, e *testEnv, flawed bool) {
		bodies := []string{
			`{"amount":-5,"currency":"usd","payment_method":"pm_card_visa"}`,
			`{"amount":1000,"currency":"xxx","payment_method":"pm_card_visa","note":"x"}`,
		}
		for _, b := range bodies {
			r := e.do(req{method: "POST", path: "/orders", token: aliceToken, body: b})
			if !flawed && r.status != http.StatusUnprocessableEntity && r.status != http.StatusBadRequest {
				t.Fatalf("safe: %d %s", r.status, r.body)
			}
		}
		orders, err := listOrders(context.Background(), e.shop.st.db, "")
		if err != nil {
			t.Fatal(err)
		}
		sent := e.fp.Snapshot().Requests[createRoute]
		if !flawed {
			if len(orders) != 0 || sent != 0 {
				t.Fatalf("safe: %d orders, %d provider requests", len(orders), sent)
			}
			return
		}
		if len(orders) != 2 || sent == 0 || orders[0].Amount != -5 {
			t.Fatalf("flawed: want both requests in the database and at the provider, got %d orders, %d requests", len(orders), sent)
		}
	})
}

func TestFlawNoRefundOnCancel(t *testing.T) {
	forBoth(t, FlawNoRefundOnCancel, func(t *testing.T, e *testEnv, flawed bool) {
		o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
		c := e.do(req{method: "POST", path: "/orders/" + o.ID + "/cancel", token: aliceToken})
		if c.status != http.StatusOK || c.order(t).Status != StatusCanceled {
			t.Fatalf("cancel: %d %s", c.status, c.body)
		}
		e.reconcile()
		refunded := e.refundedOn(o.PaymentIntent)
		if !flawed {
			if refunded != 1000 || c.order(t).Refunded != 1000 {
				t.Fatalf("safe: refunded %d", refunded)
			}
			return
		}
		if refunded != 0 || e.mustOrder(o.ID).Status != StatusCanceled {
			t.Fatalf("flawed: want a canceled order with its capture kept, refunded %d", refunded)
		}
	})
}

// The order's payment was made but its answer lost; the customer submits
// again with the same key.
func TestFlawNoOrderLock(t *testing.T) {
	forBoth(t, FlawNoOrderLock, func(t *testing.T, e *testEnv, flawed bool) {
		id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultCommitThenFail, Mode: fakeprovider.ModeDrop, Endpoint: createRoute, Count: 1})
		first := e.pay(aliceToken, "dbl", 1000, "pm_card_visa")
		e.unfault(id)
		o := first.order(t)
		if first.status != http.StatusAccepted || o.Status != StatusPending {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		second := e.pay(aliceToken, "dbl", 1000, "pm_card_visa")
		ps := succeeded(e.payments(o.ID))
		if !flawed {
			if second.status != http.StatusAccepted || second.header.Get("Idempotent-Replayed") != "true" || len(ps) != 1 {
				t.Fatalf("safe: %d %s, %d payments", second.status, second.body, len(ps))
			}
			return
		}
		if second.status != http.StatusCreated || len(ps) != 2 {
			t.Fatalf("flawed: want the order paid twice, got %d %s, %d payments", second.status, second.body, len(ps))
		}
	}, noRetries)
}

func TestFlawLogCardData(t *testing.T) {
	forBoth(t, FlawLogCardData, func(t *testing.T, e *testEnv, flawed bool) {
		const card = "4000056655665556"
		r := e.do(req{method: "POST", path: "/orders", token: aliceToken,
			body: `{"amount":1000,"currency":"usd","payment_method":"pm_card_visa","card":{"number":"` + card + `","cvc":"123"}}`})
		if r.status != http.StatusBadRequest || strings.Contains(string(r.body), card) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if logged := strings.Contains(e.logs.String(), card); logged != flawed {
			t.Fatalf("card number in the logs: %v, want %v", logged, flawed)
		}
	})
}

// During an outage the breaker stops the calls; without it every checkout
// makes every try.
func TestFlawNoCircuitBreaker(t *testing.T) {
	forBoth(t, FlawNoCircuitBreaker, func(t *testing.T, e *testEnv, flawed bool) {
		e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultAway})
		var codes []int
		for i := range 4 {
			codes = append(codes, e.pay(aliceToken, "", 1000+int64(i), "pm_card_visa").status)
		}
		sent := e.fp.Snapshot().Requests[createRoute]
		if !flawed {
			want := []int{202, 503, 503, 503}
			if !equalInts(codes, want) || sent != 3 {
				t.Fatalf("safe: answers %v, %d provider requests", codes, sent)
			}
			return
		}
		if !equalInts(codes, []int{202, 202, 202, 202}) || sent != 12 {
			t.Fatalf("flawed: answers %v, %d provider requests", codes, sent)
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFlawNoOwnershipCheck(t *testing.T) {
	forBoth(t, FlawNoOwnershipCheck, func(t *testing.T, e *testEnv, flawed bool) {
		o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
		g := e.get(bobToken, o.ID)
		rf := e.do(req{method: "POST", path: "/orders/" + o.ID + "/refund", token: bobToken, body: map[string]any{"amount": 100}})
		if !flawed {
			if g.status != http.StatusNotFound || rf.status != http.StatusNotFound || e.refundedOn(o.PaymentIntent) != 0 {
				t.Fatalf("safe: %d %d", g.status, rf.status)
			}
			return
		}
		if g.status != http.StatusOK || rf.status != http.StatusOK || e.refundedOn(o.PaymentIntent) != 100 {
			t.Fatalf("flawed: bob read %d, refunded %d", g.status, rf.status)
		}
	})
}

// TestEveryFlawHasATest keeps this file in step with the catalogue.
func TestEveryFlawHasATest(t *testing.T) {
	tested := map[Flaw]bool{
		FlawNoIdempotencyKey: true, FlawNewKeyPerRetry: true, FlawNoTimeout: true, FlawMarkPaidOnError: true,
		FlawMarkFailedOnTimeout: true, FlawNoReconciler: true, FlawTrustWebhooks: true, FlawNoWebhookTolerance: true,
		FlawWebhookOrderBlind: true, FlawClientAmount: true, FlawNoInputValidation: true, FlawNoRefundOnCancel: true,
		FlawNoOrderLock: true, FlawLogCardData: true, FlawNoCircuitBreaker: true, FlawNoOwnershipCheck: true,
		FlawChargeInUSD: true, FlawWebhookToleranceUnit: true, FlawReconcilerGivesUp: true, FlawUnsentFailsKey: true,
		FlawListAllOrders: true, FlawRefundWithoutAmount: true,
	}
	for _, f := range AllFlaws() {
		if !tested[f] {
			t.Errorf("flaw %s has no test", f)
		}
	}
}

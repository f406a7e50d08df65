package checkout

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"

	"github.com/paychaos/paychaos/fakeprovider"
)

// The provider made the payment, its answer was lost: the order stays
// pending without a PaymentIntent id, and the reconciler finds the payment
// by metadata.
func TestReconcileLostAnswer(t *testing.T) {
	e := newEnv(t, noRetries)
	id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultCommitThenFail, Mode: fakeprovider.ModeDrop, Endpoint: createRoute})
	r := e.pay(aliceToken, "k", 1000, "pm_card_visa")
	o := r.order(t)
	if r.status != http.StatusAccepted || o.Status != StatusPending || o.PaymentIntent != "" {
		t.Fatalf("checkout: %d %s", r.status, r.body)
	}
	e.unfault(id)
	sum := e.reconcile()
	ps := succeeded(e.payments(o.ID))
	got := e.mustOrder(o.ID)
	if sum.Paid != 1 || sum.Redriven != 0 || len(ps) != 1 || got.Status != StatusPaid || got.PaymentIntent != ps[0].ID {
		t.Fatalf("after reconcile: %+v %+v %+v", sum, got, ps)
	}
	if again := e.reconcile(); again.Pending != 0 || len(e.payments(o.ID)) != 1 {
		t.Fatalf("second pass: %+v", again)
	}
}

// A 200 with a truncated body hides a successful payment (STRIPE.md §1.4):
// the shop must not call the order failed.
func TestReconcileTruncatedSuccess(t *testing.T) {
	e := newEnv(t, noBreaker)
	id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultTruncatedJSON, Endpoint: createRoute})
	r := e.pay(aliceToken, "k", 1000, "pm_card_visa")
	o := r.order(t)
	if r.status != http.StatusAccepted || o.Status != StatusPending {
		t.Fatalf("checkout: %d %s", r.status, r.body)
	}
	e.unfault(id)
	if sum := e.reconcile(); sum.Paid != 1 {
		t.Fatalf("reconcile: %+v", sum)
	}
	if got := e.mustOrder(o.ID); got.Status != StatusPaid || len(succeeded(e.payments(o.ID))) != 1 {
		t.Fatalf("after reconcile: %+v", got)
	}
}

// A pending order the customer cancels, whose payment did happen: the
// reconciler refunds it.
func TestReconcileRefundsCanceledPending(t *testing.T) {
	e := newEnv(t, noRetries)
	id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultCommitThenFail, Mode: fakeprovider.ModeDrop, Endpoint: createRoute})
	o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
	e.unfault(id)
	c := e.do(req{method: "POST", path: "/orders/" + o.ID + "/cancel", token: aliceToken})
	if c.status != http.StatusOK || c.order(t).Status != StatusCanceled {
		t.Fatalf("cancel: %d %s", c.status, c.body)
	}
	sum := e.reconcile()
	ps := succeeded(e.payments(o.ID))
	if len(ps) != 1 || sum.RefundsIssued != 1 || sum.RefundedAmount != 1000 || e.refundedOn(ps[0].ID) != 1000 {
		t.Fatalf("reconcile: %+v, ledger refunded %d", sum, e.refundedOn(ps[0].ID))
	}
	got := e.mustOrder(o.ID)
	if got.Status != StatusCanceled || got.Refunded != 1000 || got.PaymentIntent != ps[0].ID {
		t.Fatalf("order: %+v", got)
	}
	// The next pass checks that nothing is left, and stops watching.
	if again := e.reconcile(); again.RefundsIssued != 0 || len(e.fp.Snapshot().Refunds) != 1 {
		t.Fatalf("second pass refunded again: %+v", again)
	}
	if e.mustOrder(o.ID).refundDue {
		t.Fatal("still refund-due after everything was refunded")
	}
}

// A second payment for a paid order (made outside the shop) is refunded
// once its webhook arrives; the order keeps its own payment.
func TestReconcileRefundsDuplicatePayment(t *testing.T) {
	e := newEnv(t)
	e.webhooks()
	o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
	sc := newStripeClient(e.cfg, e.shop.transport)
	p := &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1000), Currency: stripe.String("usd"),
		PaymentMethod: stripe.String("pm_card_visa"), Confirm: stripe.Bool(true), PaymentMethodTypes: stripe.StringSlice([]string{"card"})}
	p.AddMetadata("order_id", o.ID)
	dup, err := sc.V1PaymentIntents.Create(context.Background(), p)
	if err != nil || dup.Status != stripe.PaymentIntentStatusSucceeded {
		t.Fatalf("duplicate: %v %v", dup, err)
	}
	eventually(t, "the duplicate's webhook", func() bool { return e.mustOrder(o.ID).refundDue })
	sum := e.reconcile()
	if sum.RefundsIssued != 1 || e.refundedOn(dup.ID) != 1000 || e.refundedOn(o.PaymentIntent) != 0 {
		t.Fatalf("reconcile: %+v", sum)
	}
	e.reconcile()
	if got := e.mustOrder(o.ID); got.Status != StatusPaid || got.Refunded != 0 || got.PaymentIntent != o.PaymentIntent || got.refundDue {
		t.Fatalf("order: %+v", got)
	}
}

// A refund whose answer was lost is re-sent with its key: one refund.
func TestReconcileUnknownRefund(t *testing.T) {
	e := newEnv(t, noRetries, func(c *Config) { c.BreakerCooldown = 50 * time.Millisecond })
	o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
	id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultCommitThenFail, Mode: fakeprovider.ModeDrop, Endpoint: "POST /v1/refunds"})
	r := e.do(req{method: "POST", path: "/orders/" + o.ID + "/refund", token: aliceToken, body: map[string]any{"amount": 300}})
	if r.status != http.StatusAccepted || r.order(t).Refunded != 0 {
		t.Fatalf("refund: %d %s", r.status, r.body)
	}
	// The unknown refund holds its amount: no over-refund meanwhile.
	if over := e.do(req{method: "POST", path: "/orders/" + o.ID + "/refund", token: aliceToken, body: map[string]any{"amount": 701}}); over.code() != "refund_exceeds_captured" {
		t.Fatalf("over-refund while unknown: %d %s", over.status, over.body)
	}
	e.unfault(id)

	// While the breaker is open the re-send cannot go out: the refund stays
	// unknown (its first send did land), it is not given up as failed.
	for range DefaultBreakerFailures {
		_ = e.shop.send(context.Background(), func(context.Context) error { return errors.New("provider down") })
	}
	if sum := e.reconcile(); sum.RefundsRetried != 1 {
		t.Fatalf("reconcile with the breaker open: %+v", sum)
	}
	open, err := unresolvedRefunds(context.Background(), e.shop.st.db, "")
	if err != nil || len(open) != 1 || open[0].state != refundUnknown {
		t.Fatalf("refund rows: %+v %v", open, err)
	}

	eventually(t, "the breaker to let the re-send through", func() bool {
		e.reconcile()
		return e.mustOrder(o.ID).Refunded == 300
	})
	if len(e.fp.Snapshot().Refunds) != 1 || e.refundedOn(o.PaymentIntent) != 300 {
		t.Fatalf("after reconcile: %d refunds", len(e.fp.Snapshot().Refunds))
	}
}

// A payment that stays processing keeps its order pending until it
// settles.
func TestReconcileProcessing(t *testing.T) {
	e := newEnv(t)
	e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultProcessing, Endpoint: createRoute, Delay: 200 * time.Millisecond})
	r := e.pay(aliceToken, "k", 1000, "pm_card_visa")
	o := r.order(t)
	if r.status != http.StatusAccepted || o.Status != StatusPending || o.PaymentIntent == "" {
		t.Fatalf("checkout: %d %s", r.status, r.body)
	}
	eventually(t, "the payment to settle", func() bool {
		e.reconcile()
		return e.mustOrder(o.ID).Status == StatusPaid
	})
}

// A pending order the provider keeps answering 500 for (a saved error)
// and has no trace of is given up after maxRedrives.
func TestReconcileGivesUp(t *testing.T) {
	e := newEnv(t, noBreaker)
	e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultHTTPError, Status: 500, Mode: fakeprovider.ModeSaved, Endpoint: createRoute})
	o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
	for range maxRedrives {
		if sum := e.reconcile(); sum.Redriven != 1 || sum.StillPending != 1 {
			t.Fatalf("redrive pass: %+v", sum)
		}
	}
	if sum := e.reconcile(); sum.Failed != 1 {
		t.Fatalf("final pass: %+v", sum)
	}
	got := e.mustOrder(o.ID)
	if got.Status != StatusFailed || got.FailureCode != "payment_unresolved" || len(e.payments(o.ID)) != 0 {
		t.Fatalf("order: %+v", got)
	}
}

// The background loop resolves pending orders on its own.
func TestReconcileLoop(t *testing.T) {
	e := newEnv(t, noRetries, func(c *Config) { c.ReconcileInterval = 20 * time.Millisecond })
	id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultCommitThenFail, Mode: fakeprovider.ModeDrop, Endpoint: createRoute})
	o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
	e.unfault(id)
	eventually(t, "the loop to settle the order", func() bool { return e.get(aliceToken, o.ID).order(t).Status == StatusPaid })
}

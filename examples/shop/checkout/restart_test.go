package checkout

import (
	"errors"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// TestRestartAfterCrash: the shop dies between the provider's success and
// its own write; restarted on the same database, it ends the order paid,
// once, and still knows everything it wrote before.
func TestRestartAfterCrash(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shop.db")
	var crash atomic.Bool
	e := newEnv(t, func(c *Config) {
		c.DBPath = db
		c.AfterProviderSuccess = func(string) error {
			if crash.Load() {
				return errors.New("crash")
			}
			return nil
		}
	})
	before := e.pay(aliceToken, "before", 700, "pm_card_visa").order(t)
	if before.Status != StatusPaid {
		t.Fatalf("setup: %+v", before)
	}
	crash.Store(true)
	r := e.pay(aliceToken, "crash", 1000, "pm_card_visa")
	// The connection is dropped. Go's transport retries a request carrying
	// an Idempotency-Key once on a dropped connection; the retry gets the
	// pending order back.
	if r.status != 0 && (r.status != http.StatusAccepted || r.header.Get("Idempotent-Replayed") != "true") {
		t.Fatalf("the crashed request got an answer: %d %s", r.status, r.body)
	}
	orders, err := listOrders(t.Context(), e.shop.st.db, `WHERE client_key = 'crash'`)
	if err != nil || len(orders) != 1 || orders[0].Status != StatusPending {
		t.Fatalf("before restart: %+v %v", orders, err)
	}
	id := orders[0].ID
	if n := len(succeeded(e.payments(id))); n != 1 {
		t.Fatalf("the provider has %d payments", n)
	}

	e.stop()
	e.cfg.AfterProviderSuccess = nil
	e.start()

	if got := e.get(aliceToken, before.ID).order(t); got.Status != StatusPaid || got.PaymentIntent != before.PaymentIntent {
		t.Fatalf("order written before the crash: %+v", got)
	}
	if got := e.get(aliceToken, id).order(t); got.Status != StatusPending {
		t.Fatalf("after restart: %+v", got)
	}
	if sum := e.reconcile(); sum.Paid != 1 || sum.Redriven != 0 {
		t.Fatalf("reconcile: %+v", sum)
	}
	got := e.get(aliceToken, id).order(t)
	ps := succeeded(e.payments(id))
	if got.Status != StatusPaid || len(ps) != 1 || got.PaymentIntent != ps[0].ID {
		t.Fatalf("after reconcile: %+v, payments %+v", got, ps)
	}
	// The client's retry finds the order, paid, without paying again.
	again := e.pay(aliceToken, "crash", 1000, "pm_card_visa")
	if again.status != http.StatusCreated || again.order(t).ID != id || len(e.payments(id)) != 1 {
		t.Fatalf("retry after restart: %d %s", again.status, again.body)
	}
}

// TestRestartBeforeSend: the shop dies after writing the attempt but before
// the provider heard of it; after the restart the reconciler sends the
// attempt with its key and the order is paid once.
func TestRestartBeforeSend(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shop.db")
	e := newEnv(t, func(c *Config) { c.DBPath = db })
	req := checkoutRequest{key: "k", amount: 1000, chargeAmount: 1000, currency: "usd", paymentMethod: "pm_card_visa"}
	req.hash = req.requestHash()
	o := Order{ID: newOrderID(), Customer: "cus_alice", Status: StatusPending, Amount: 1000, Currency: "usd",
		clientKey: "k", requestHash: req.hash, chargeAmount: 1000, paymentMethod: "pm_card_visa"}
	if err := insertOrder(t.Context(), e.shop.st.db, o); err != nil {
		t.Fatal(err)
	}
	if err := insertAttempt(t.Context(), e.shop.st.db, attempt{orderID: o.ID, n: 1, key: o.ID + "/a1", amount: 1000}); err != nil {
		t.Fatal(err)
	}
	e.stop()
	e.start()
	if sum := e.reconcile(); sum.Redriven != 1 || sum.Paid != 1 {
		t.Fatalf("reconcile: %+v", sum)
	}
	ps := succeeded(e.payments(o.ID))
	if len(ps) != 1 || ps[0].IdempotencyKey != o.ID+"/a1" || e.mustOrder(o.ID).Status != StatusPaid {
		t.Fatalf("after: %+v", ps)
	}
}

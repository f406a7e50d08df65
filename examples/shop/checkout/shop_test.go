package checkout

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
)

// TestSafePath walks the whole API of the safe shop against the fake
// provider: pay, decline, read, list, replay, refund, cancel, webhooks.
func TestSafePath(t *testing.T) {
	e := newEnv(t)
	e.webhooks()

	// Pay.
	r := e.pay(aliceToken, "k-1", 1234, "pm_card_visa")
	if r.status != http.StatusCreated {
		t.Fatalf("pay: %d %s", r.status, r.body)
	}
	o := r.order(t)
	if o.Status != StatusPaid || o.Amount != 1234 || o.Currency != "usd" || o.Customer != "cus_alice" ||
		!strings.HasPrefix(o.ID, "ord_") || !strings.HasPrefix(o.PaymentIntent, "pi_") || o.Refunded != 0 {
		t.Fatalf("paid order: %+v", o)
	}
	if loc := r.header.Get("Location"); loc != "/orders/"+o.ID {
		t.Errorf("Location %q", loc)
	}
	ps := e.payments(o.ID)
	if len(ps) != 1 || ps[0].Status != "succeeded" || ps[0].Amount != 1234 || ps[0].ID != o.PaymentIntent ||
		ps[0].IdempotencyKey != o.ID+"/a1" {
		t.Fatalf("ledger: %+v", ps)
	}

	// Replay with the same key and body: same order, no new payment.
	r2 := e.pay(aliceToken, "k-1", 1234, "pm_card_visa")
	if r2.status != http.StatusCreated || r2.order(t).ID != o.ID || r2.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s", r2.status, r2.body)
	}
	// Same key, other body.
	if r3 := e.pay(aliceToken, "k-1", 999, "pm_card_visa"); r3.status != http.StatusUnprocessableEntity || r3.code() != "idempotency_key_reused" {
		t.Fatalf("reused key: %d %s", r3.status, r3.body)
	}
	// The same key for another customer is another order.
	rb := e.pay(bobToken, "k-1", 1234, "pm_card_visa")
	if rb.status != http.StatusCreated || rb.order(t).ID == o.ID || rb.order(t).Customer != "cus_bob" {
		t.Fatalf("bob's order: %d %s", rb.status, rb.body)
	}
	if n := len(e.payments(o.ID)); n != 1 {
		t.Fatalf("%d payments after replays", n)
	}

	// Decline.
	d := e.pay(aliceToken, "k-2", 500, "pm_card_chargeDeclined")
	if d.status != http.StatusPaymentRequired || d.order(t).Status != StatusFailed || d.order(t).FailureCode == "" {
		t.Fatalf("decline: %d %s", d.status, d.body)
	}

	// Items priced from the catalogue.
	it := e.do(req{method: "POST", path: "/orders", token: aliceToken, key: "k-3", body: map[string]any{
		"currency": "eur", "payment_method": "pm_card_visa",
		"items": []map[string]any{{"sku": "tshirt", "quantity": 2}, {"sku": "mug", "quantity": 1}}}})
	if it.status != http.StatusCreated || it.order(t).Amount != 2*1899+1150 || it.order(t).Currency != "eur" {
		t.Fatalf("items: %d %s", it.status, it.body)
	}
	if ps := e.payments(it.order(t).ID); len(ps) != 1 || ps[0].Amount != 2*1899+1150 || ps[0].Currency != "eur" {
		t.Fatalf("items ledger: %+v", ps)
	}
	// Items with the right amount are fine too.
	it2 := e.do(req{method: "POST", path: "/orders", token: aliceToken, body: map[string]any{
		"amount": 300, "currency": "usd", "payment_method": "pm_card_visa", "items": []map[string]any{{"sku": "sticker", "quantity": 1}}}})
	if it2.status != http.StatusCreated {
		t.Fatalf("items with amount: %d %s", it2.status, it2.body)
	}

	// Read and list.
	if g := e.get(aliceToken, o.ID); g.status != http.StatusOK || g.order(t).Status != StatusPaid {
		t.Fatalf("get: %d %s", g.status, g.body)
	}
	l := e.do(req{method: "GET", path: "/orders", token: aliceToken})
	if l.status != http.StatusOK || strings.Count(string(l.body), `"id":"ord_`) != 4 || strings.Contains(string(l.body), "cus_bob") {
		t.Fatalf("list: %d %s", l.status, l.body)
	}

	// Partial refund, over-refund, the rest.
	rf := e.do(req{method: "POST", path: "/orders/" + o.ID + "/refund", token: aliceToken, body: map[string]any{"amount": 234}})
	if rf.status != http.StatusOK || rf.order(t).Refunded != 234 || rf.order(t).Status != StatusPaid {
		t.Fatalf("partial refund: %d %s", rf.status, rf.body)
	}
	over := e.do(req{method: "POST", path: "/orders/" + o.ID + "/refund", token: aliceToken, body: map[string]any{"amount": 1001}})
	if over.status != http.StatusUnprocessableEntity || over.code() != "refund_exceeds_captured" {
		t.Fatalf("over-refund: %d %s", over.status, over.body)
	}
	rest := e.do(req{method: "POST", path: "/orders/" + o.ID + "/refund", token: aliceToken, key: "rf-rest"})
	if rest.status != http.StatusOK || rest.order(t).Refunded != 1234 || rest.order(t).Status != StatusRefunded {
		t.Fatalf("refund the rest: %d %s", rest.status, rest.body)
	}
	again := e.do(req{method: "POST", path: "/orders/" + o.ID + "/refund", token: aliceToken, key: "rf-rest"})
	if again.status != http.StatusOK || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("refund replay: %d %s", again.status, again.body)
	}
	if got := e.refundedOn(o.PaymentIntent); got != 1234 {
		t.Fatalf("ledger refunded %d", got)
	}
	if c := e.do(req{method: "POST", path: "/orders/" + o.ID + "/cancel", token: aliceToken}); c.status != http.StatusConflict {
		t.Fatalf("cancel refunded: %d %s", c.status, c.body)
	}

	// Cancel a paid order: it is refunded.
	p2 := e.pay(aliceToken, "k-4", 700, "pm_card_visa").order(t)
	c := e.do(req{method: "POST", path: "/orders/" + p2.ID + "/cancel", token: aliceToken})
	if c.status != http.StatusOK || c.order(t).Status != StatusCanceled || c.order(t).Refunded != 700 {
		t.Fatalf("cancel paid: %d %s", c.status, c.body)
	}
	if got := e.refundedOn(p2.PaymentIntent); got != 700 {
		t.Fatalf("cancel refunded %d on the ledger", got)
	}
	if c2 := e.do(req{method: "POST", path: "/orders/" + p2.ID + "/cancel", token: aliceToken}); c2.status != http.StatusOK {
		t.Fatalf("cancel twice: %d %s", c2.status, c2.body)
	}

	// A reconciler pass over settled orders refunds nothing more.
	sum := e.reconcile()
	if sum.Pending != 0 || sum.RefundsIssued != 0 || len(sum.Errors) != 0 {
		t.Fatalf("reconcile on a settled shop: %+v", sum)
	}

	// The provider's webhooks reach the shop and are all accepted.
	eventually(t, "webhook deliveries", func() bool {
		s := e.fp.Snapshot()
		ok := 0
		for _, d := range s.Deliveries {
			if d.Status == http.StatusOK {
				ok++
			}
		}
		return len(s.Events) > 0 && ok >= len(s.Events)
	})
	for _, d := range e.fp.Snapshot().Deliveries {
		if d.Status != http.StatusOK {
			t.Errorf("delivery %s: %d %s", d.EventID, d.Status, d.Error)
		}
	}
	// And leave every order as it was.
	for id, want := range map[string]OrderStatus{o.ID: StatusRefunded, p2.ID: StatusCanceled, d.order(t).ID: StatusFailed} {
		if got := e.mustOrder(id).Status; got != want {
			t.Errorf("order %s is %s after webhooks, want %s", id, got, want)
		}
	}

	// Health.
	h := e.do(req{method: "GET", path: "/healthz"})
	if h.status != http.StatusOK || !strings.Contains(string(h.body), `"status":"ok"`) {
		t.Fatalf("healthz: %d %s", h.status, h.body)
	}
	// Admin views.
	ao := e.do(req{method: "GET", path: "/admin/orders", token: adminToken})
	if ao.status != http.StatusOK || strings.Count(string(ao.body), `"id":"ord_`) != 6 {
		t.Fatalf("admin orders: %d %s", ao.status, ao.body)
	}
	ar := e.do(req{method: "POST", path: "/admin/reconcile", token: adminToken})
	if ar.status != http.StatusOK || !strings.Contains(string(ar.body), `"pending":0`) {
		t.Fatalf("admin reconcile: %d %s", ar.status, ar.body)
	}

	// No secret in the logs.
	if logs := e.logs.String(); strings.Contains(logs, testKey) || strings.Contains(logs, webhookSecret) {
		t.Fatal("a secret is in the logs")
	}
}

// TestOwnership: another customer's order does not exist for them.
func TestOwnership(t *testing.T) {
	e := newEnv(t)
	o := e.pay(aliceToken, "", 1000, "pm_card_visa").order(t)
	before, ledger := e.dbState(), e.ledgerState()
	for _, r := range []req{
		{method: "GET", path: "/orders/" + o.ID, token: bobToken},
		{method: "POST", path: "/orders/" + o.ID + "/cancel", token: bobToken},
		{method: "POST", path: "/orders/" + o.ID + "/refund", token: bobToken, body: map[string]any{"amount": 10}},
	} {
		if got := e.do(r); got.status != http.StatusNotFound || got.code() != "not_found" {
			t.Errorf("%s %s as bob: %d %s", r.method, r.path, got.status, got.body)
		}
	}
	if l := e.do(req{method: "GET", path: "/orders", token: bobToken}); string(l.body) != "{\"orders\":[]}\n" {
		t.Errorf("bob's list: %s", l.body)
	}
	if e.dbState() != before || e.ledgerState() != ledger {
		t.Fatal("state changed")
	}
}

// TestConcurrentDoubleSubmit: the same key sent again while the first
// request is paying gets 409, and the order is paid once.
func TestConcurrentDoubleSubmit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ClientTimeout, c.ResponseBudget = 800*time.Millisecond, 2*time.Second })
	e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultSlow, Endpoint: "POST /v1/payment_intents", Delay: 400 * time.Millisecond})
	var wg sync.WaitGroup
	var first reply
	wg.Go(func() { first = e.pay(aliceToken, "dbl", 1000, "pm_card_visa") })
	var id string
	eventually(t, "the first attempt in flight", func() bool {
		orders, _ := listOrders(context.Background(), e.shop.st.db, "")
		if len(orders) == 1 && e.shop.isInflight(orders[0].ID) {
			id = orders[0].ID
			return true
		}
		return false
	})
	second := e.pay(aliceToken, "dbl", 1000, "pm_card_visa")
	wg.Wait()
	if second.status != http.StatusConflict || second.code() != "idempotency_key_in_use" {
		t.Fatalf("second: %d %s", second.status, second.body)
	}
	if first.status != http.StatusCreated || first.order(t).ID != id {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	if n := len(e.payments(id)); n != 1 {
		t.Fatalf("%d payments", n)
	}
	third := e.pay(aliceToken, "dbl", 1000, "pm_card_visa")
	if third.status != http.StatusCreated || third.order(t).ID != id {
		t.Fatalf("after: %d %s", third.status, third.body)
	}
}

// TestOutageFailsFast: with the provider refusing connections, checkout
// answers 503 with no order left behind, and once the breaker is open
// no request reaches the provider.
func TestOutageFailsFast(t *testing.T) {
	e := newEnv(t)
	e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultAway})
	first := e.pay(aliceToken, "o-1", 1000, "pm_card_visa")
	// The connection is closed without an answer: the request was sent,
	// the outcome is unknown, the order is pending.
	if first.status != http.StatusAccepted || first.order(t).Status != StatusPending {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	sent := e.fp.Snapshot().Requests["POST /v1/payment_intents"]
	for i := range 5 {
		r := e.pay(aliceToken, "", 1000+int64(i), "pm_card_visa")
		if r.status != http.StatusServiceUnavailable || r.code() != "provider_unavailable" {
			t.Fatalf("checkout %d during outage: %d %s", i, r.status, r.body)
		}
	}
	if got := e.fp.Snapshot().Requests["POST /v1/payment_intents"]; got != sent {
		t.Fatalf("the open breaker let %d requests through", got-sent)
	}
	orders, _ := listOrders(context.Background(), e.shop.st.db, "")
	if len(orders) != 1 {
		t.Fatalf("%d orders: a 503 left an order behind", len(orders))
	}
	if h := e.do(req{method: "GET", path: "/healthz"}); !strings.Contains(string(h.body), `"breaker":"open"`) {
		t.Fatalf("healthz: %s", h.body)
	}
}

// TestConnectionRefusedLeavesNoOrder: a provider that refuses connections
// provably got nothing: 503, and the key can be used again.
func TestConnectionRefusedLeavesNoOrder(t *testing.T) {
	e := newEnv(t)
	e.fps.Close() // nothing listens there any more
	r := e.pay(aliceToken, "refused", 1000, "pm_card_visa")
	if r.status != http.StatusServiceUnavailable || r.code() != "provider_unavailable" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if s := e.dbState(); s != "" {
		t.Fatalf("state left behind:\n%s", s)
	}
}

package attack_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/attack"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/sut/refshop"
	"github.com/paychaos/paychaos/harness/traffic"
)

// After a 413 the HTTP server lingers up to 500 ms on the closed
// connection (net/http's closeWriteAndWait), past the server's Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"))
}

// bench is the reference shop wired to the fake provider, with the orders
// the attacks aim at: one paid, one declined, one pending (a card that
// waits for 3-D Secure forever, so no real payment moves it).
type bench struct {
	env    *harness.Env
	d      sut.Driver
	rec    *history.Recorder
	orders []history.Order
}

func newBench(t *testing.T, ctx context.Context, flaws string) *bench {
	t.Helper()
	env, err := harness.New(ctx, harness.WithSeed(11), harness.WithSUT(refshop.Launcher{Flaws: flaws}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("close env: %v", err)
		}
	})
	b := &bench{env: env, d: env.SUT().Driver, rec: history.NewRecorder()}
	alice := refshop.Customers[0]
	for i, c := range []struct {
		method string
		want   history.Status
	}{
		{"pm_card_visa", history.StatusPaid},
		{"pm_card_chargeDeclined", history.StatusFailed},
		{"pm_card_authenticationRequired", history.StatusPending},
	} {
		op := traffic.Checkout(ctx, b.d, b.rec, 0, sut.PayRequest{
			Customer: alice, Amount: 2500 + int64(i), Currency: "usd", PaymentMethod: c.method, Key: fmt.Sprintf("setup-%d", i),
		})
		if op.Status != c.want || op.Order == "" {
			t.Fatalf("setup checkout with %s: got %+v, want a %s order", c.method, op, c.want)
		}
		b.orders = append(b.orders, history.Order{ID: op.Order, Customer: alice.ID, Status: op.Status})
	}
	return b
}

// attack runs the catalogue (or the named attacks) at the shop.
func (b *bench) attack(t *testing.T, ctx context.Context, names ...string) attack.Result {
	t.Helper()
	ledger, err := b.env.Provider().Ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opts := attack.Options{
		Customers: refshop.Customers, Orders: b.orders, Rand: rand.New(rand.NewPCG(7, 7)),
		Items: &attack.ShopItems, WebhookSecret: harness.WebhookSecret, Ledger: &ledger, Client: 99,
	}
	if len(names) > 0 {
		if opts.Attacks, err = attack.Named(names...); err != nil {
			t.Fatal(err)
		}
	}
	res, err := attack.Run(ctx, b.d, b.rec, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stopped != "" {
		t.Fatalf("run stopped: %s", res.Stopped)
	}
	return res
}

// verdicts reconciles the shop, reads every order and the ledger, and
// checks invs.
func (b *bench) verdicts(t *testing.T, ctx context.Context, invs ...check.Invariant) map[string]check.Verdict {
	t.Helper()
	if err := b.d.(sut.Reconciler).Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	var orders []history.Order
	for _, c := range refshop.Customers {
		os, err := b.d.(sut.Lister).Orders(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, os...)
	}
	ledger, err := b.env.Provider().Ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in := &check.Input{History: b.rec.Ops(), Orders: orders, Ledger: ledger, Secrets: []string{harness.SecretKey, harness.WebhookSecret}}
	out := map[string]check.Verdict{}
	for _, v := range check.Run(in, invs...) {
		out[v.Invariant] = v
	}
	return out
}

// judged are the invariants the attacks give evidence for.
var judged = []check.Invariant{
	check.InputSafety, check.WebhookAuthenticity, check.NoDoubleCharge, check.AmountIntegrity,
	check.NoFalsePaid, check.RefundSafety, check.NoSecretLeak,
}

func TestSafeShopAnswersEveryAttackSafely(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := newBench(t, ctx, "")
	res := b.attack(t, ctx)

	for _, sk := range res.Skipped {
		t.Logf("skipped %s: %s", sk.Attack, sk.Reason)
	}
	sent := map[string]bool{}
	for _, op := range res.Ops {
		name, _, _ := strings.Cut(op.Name, "/")
		sent[name] = true
		if op.Kind == history.Attack || op.Kind == history.Webhook {
			if op.HTTPStatus < 400 || op.HTTPStatus >= 500 {
				if !(op.Kind == history.Webhook && strings.HasPrefix(op.Name, "webhook-replay") && op.HTTPStatus == 200) {
					t.Errorf("op %d %s: HTTP %d %s, want a 4xx", op.ID, op.Name, op.HTTPStatus, op.Body)
				}
			}
			if op.Before != op.After {
				t.Errorf("op %d %s moved %s from %q to %q", op.ID, op.Name, op.Order, op.Before, op.After)
			}
		}
	}
	for _, a := range attack.All() {
		if !sent[a.Name] && a.Name != "refund-other-currency" {
			t.Errorf("attack %s sent nothing at the reference shop", a.Name)
		}
	}
	for name, v := range b.verdicts(t, ctx, judged...) {
		if v.Result != check.Pass {
			t.Errorf("%s: %s %s (ops %v)", name, v.Result, v.Message, v.Ops)
		}
	}
}

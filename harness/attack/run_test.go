package attack_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/attack"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/traffic"
	"github.com/paychaos/paychaos/scenarios/refshop"
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
	logs   *syncBuffer
	runs   int
}

// syncBuffer collects the shop's logs, which its goroutines write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newBench(t *testing.T, ctx context.Context, flaws string) *bench {
	t.Helper()
	logs := &syncBuffer{}
	shop := refshop.Launcher{Flaws: flaws, Logger: slog.New(slog.NewJSONHandler(logs, nil))}
	env, err := harness.New(ctx, harness.WithSeed(11), harness.WithSUT(shop))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("close env: %v", err)
		}
	})
	b := &bench{env: env, d: env.SUT().Driver, rec: history.NewRecorder(), logs: logs}
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
func (b *bench) attack(t *testing.T, ctx context.Context, names ...string) attack.Report {
	t.Helper()
	ledger, err := b.env.Provider().Ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b.runs++ // a fresh seed per run, or the keys of two runs would meet
	opts := attack.Options{
		Customers: refshop.Customers, Orders: b.orders, Rand: rand.New(rand.NewPCG(7, uint64(b.runs))),
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
	in := &check.Input{
		History: b.rec.Ops(), Orders: orders, Ledger: ledger,
		Secrets: []string{harness.SecretKey, harness.WebhookSecret}, Texts: map[string]string{"shop logs": b.logs.String()},
	}
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

// Each flaw of the reference shop that a malicious client can reach is
// caught by the invariant that names it, with the attacks measured to
// make it act, each attack on a fresh shop of its own.
func TestFlawsAreCaught(t *testing.T) {
	for _, c := range []struct {
		flaw      string
		invariant check.Invariant
		attacks   []string
	}{
		{"trust-webhooks", check.WebhookAuthenticity, []string{
			"webhook-unsigned", "webhook-bad-signature", "webhook-foreign-account", "webhook-stale", "webhook-api-version"}},
		{"no-webhook-tolerance", check.WebhookAuthenticity, []string{"webhook-stale"}},
		{"no-input-validation", check.InputSafety, []string{
			"amount-tampered", "amount-zero", "amount-negative", "amount-int64-max",
			"currency-unknown", "currency-uppercase", "currency-padded", "currency-empty",
			"body-malformed", "body-invalid-utf8", "body-unknown-fields",
			"injection-sql", "injection-script", "injection-path-traversal", "injection-crlf", "injection-nul"}},
		{"no-ownership-check", check.InputSafety, []string{"other-customer-read", "other-customer-refund", "other-customer-cancel"}},
		{"client-amount", check.AmountIntegrity, []string{"amount-tampered"}},
		{"log-card-data", check.NoSecretLeak, []string{"card-number"}},
	} {
		for _, name := range c.attacks {
			t.Run(c.flaw+"/"+name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				b := newBench(t, ctx, c.flaw)
				b.attack(t, ctx, name)
				v := b.verdicts(t, ctx, c.invariant)[c.invariant.Name()]
				if v.Result != check.Fail {
					t.Fatalf("%s against the %s shop: %s %s, want fail", name, c.flaw, v.Result, v.Message)
				}
				t.Logf("%s", v.Message)
			})
		}
	}
}

// The double submit makes a shop without the order lock pay one order
// twice: the ledger shows two succeeded PaymentIntents for it, where the
// safe shop never makes more than one. no-double-charge does not fail for
// it, because the shop's refund-due net refunds the second capture on its
// next reconciler pass and the rule excuses a duplicate refunded in full;
// so this test reads the ledger itself.
func TestDoubleSubmitPaysTwiceWithoutTheOrderLock(t *testing.T) {
	for _, c := range []struct {
		name, flaws string
		twice       bool
	}{{"safe", "", false}, {"no-order-lock", "no-order-lock", true}} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			b := newBench(t, ctx, c.flaws)
			most := 0
			// The flaw acts when two requests of a round overlap, which
			// they do about nine times in ten (measured: 91 and 93 of 100
			// single pairs, without and with -race): three runs of three
			// rounds make a miss all but impossible.
			for try := 0; try < 3 && most < 2; try++ {
				b.attack(t, ctx, "double-submit")
				ledger, err := b.env.Provider().Ledger(ctx)
				if err != nil {
					t.Fatal(err)
				}
				per := map[string]int{}
				for _, p := range ledger.PaymentIntents {
					if p.Status == "succeeded" {
						per[p.OrderID()]++
						most = max(most, per[p.OrderID()])
					}
				}
			}
			if got := most >= 2; got != c.twice {
				t.Fatalf("an order paid by %d PaymentIntents, want paid twice: %v", most, c.twice)
			}
		})
	}
}

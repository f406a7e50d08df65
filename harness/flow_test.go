package harness_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paychaos/paychaos/examples/shop/checkout"
	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/traffic"
	"github.com/paychaos/paychaos/scenarios/refshop"
)

var flows = []checkout.Flow{checkout.FlowServerConfirm, checkout.FlowClientConfirm, checkout.FlowCheckoutSession}

func flowEnv(t *testing.T, seed int64, flow checkout.Flow, flaws string) *harness.Env {
	t.Helper()
	env, err := harness.New(context.Background(), harness.WithSeed(seed),
		harness.WithSUT(refshop.Launcher{Flaws: flaws, Flow: flow}), harness.WithOutDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("close env: %v", err)
		}
	})
	return env
}

// cheap is a short run: enough checkouts to pay, decline, wait on 3-D
// Secure, settle later and abandon, in a second or two.
func cheap(name string, f fault.Fault) harness.Scenario {
	p := traffic.Cards
	p.Rate, p.Max = 40, 60
	return harness.Scenario{
		Name: name, Fault: f, Traffic: p,
		Warmup: 300 * time.Millisecond, Hold: 400 * time.Millisecond, Cooldown: 300 * time.Millisecond, Settle: 8 * time.Second,
	}
}

func count(ops []history.Op, k history.Kind, o history.Outcome) int {
	n := 0
	for _, op := range ops {
		if op.Kind == k && (o == "" || op.Outcome == o) {
			n++
		}
	}
	return n
}

// A correct shop in every flow: no fault, no finding, seed after seed
// (20, or 3 with -short); and in the browser flows the browser paid, and
// was recorded doing so.
func TestBaselineInEveryFlow(t *testing.T) {
	seeds := 20
	if testing.Short() {
		seeds = 3
	}
	for _, flow := range flows {
		t.Run(string(flow), func(t *testing.T) {
			t.Parallel() // the runs mostly wait: settling, the customers' polls
			for seed := int64(1); seed <= int64(seeds); seed++ {
				env := flowEnv(t, seed, flow, "")
				res, err := env.Run(context.Background(), cheap("baseline-"+string(flow), fault.None))
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if !res.Passed() {
					t.Fatalf("seed %d: inconclusive %q, findings %+v (run saved in %s)", seed, res.Inconclusive, res.Failed(), res.Dir)
				}
				run, err := history.Load(res.Dir)
				if err != nil {
					t.Fatal(err)
				}
				paid := 0
				for _, o := range run.Orders {
					if o.Status == history.StatusPaid {
						paid++
					}
				}
				if paid == 0 {
					t.Fatalf("seed %d: no order ended paid: a run where nobody could pay proves nothing; ops %v, %d orders (run saved in %s)", seed, kinds(run.Ops), len(run.Orders), res.Dir)
				}
				step := map[checkout.Flow]history.Kind{checkout.FlowClientConfirm: history.Confirm, checkout.FlowCheckoutSession: history.CheckoutPage}[flow]
				if step != "" && count(run.Ops, step, history.OK) == 0 {
					t.Fatalf("seed %d: no %s op succeeded", seed, step)
				}
				if step == "" && count(run.Ops, history.Confirm, "")+count(run.Ops, history.CheckoutPage, "") > 0 {
					t.Fatalf("seed %d: a browser step in the server flow", seed)
				}
				env.Close()
			}
		})
	}
}

func failedVerdict(t *testing.T, res harness.Result, names ...string) check.Verdict {
	t.Helper()
	for _, v := range res.Failed() {
		for _, n := range names {
			if v.Invariant == n {
				return v
			}
		}
	}
	t.Fatalf("none of %v failed; verdicts %+v", names, res.Verdicts)
	return check.Verdict{}
}

// The checker bites in the browser flows too: a shop that calls an order
// paid when its provider call failed is caught under an outage.
func TestBrowserFlowsCatchMarkPaidOnError(t *testing.T) {
	for _, flow := range flows[1:] {
		t.Run(string(flow), func(t *testing.T) {
			env := flowEnv(t, 3, flow, "mark-paid-on-error")
			s := cheap("outage-"+string(flow), fault.ProviderDown)
			s.Hold = time.Second
			res, err := env.Run(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			if v := failedVerdict(t, res, "no-false-paid"); len(v.Orders) == 0 {
				t.Fatal("the violation names no order")
			}
		})
	}
}

// Money the browser paid is the SUT's to account for: a shop that never
// reconciles, whose webhooks are dropped, leaves paid money on orders it
// never marks paid.
func TestBrowserPaidOrdersTheSUTNeverMarksAreFound(t *testing.T) {
	for _, flow := range flows[1:] {
		t.Run(string(flow), func(t *testing.T) {
			env := flowEnv(t, 4, flow, "no-reconciler")
			s := cheap("webhook-drop-"+string(flow), fault.WebhookDrop)
			s.Hold = time.Second
			res, err := env.Run(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			v := failedVerdict(t, res, "no-lost-money", "eventual-resolution")
			if v.MoneyAtRisk == 0 {
				t.Fatalf("%s names no money at risk: %s", v.Invariant, v.Message)
			}
		})
	}
}

// The customer's path to the provider fails too: with the browser link
// down the safe shop stays safe (and the fault acted); a flow with no
// browser step skips the fault with the reason, never passes it.
func TestBrowserLinkDown(t *testing.T) {
	for _, flow := range flows[1:] {
		t.Run(string(flow), func(t *testing.T) {
			env := flowEnv(t, 5, flow, "")
			res, err := env.Run(context.Background(), cheap("browser-down-"+string(flow), fault.BrowserDown))
			if err != nil {
				t.Fatal(err)
			}
			if !res.Passed() {
				t.Fatalf("inconclusive %q, findings %+v", res.Inconclusive, res.Failed())
			}
			if res.Faults[0].Hits == 0 {
				t.Fatal("the browser link outage never acted")
			}
			run, err := history.Load(res.Dir)
			if err != nil {
				t.Fatal(err)
			}
			lost := 0
			for _, op := range run.Ops {
				if (op.Kind == history.Confirm || op.Kind == history.CheckoutPage) && op.Phase == history.During && op.Outcome != history.OK {
					lost++
				}
			}
			if lost == 0 {
				t.Fatal("no browser step failed while the browser's link was down")
			}
		})
	}
	t.Run("server_confirm", func(t *testing.T) {
		env := flowEnv(t, 5, checkout.FlowServerConfirm, "")
		_, err := env.Run(context.Background(), cheap("browser-down", fault.BrowserDown))
		if !errors.Is(err, fault.ErrUnsupported) {
			t.Fatalf("err = %v, want ErrUnsupported", err)
		}
	})
}

// kinds counts ops by kind and outcome, for a failure's message.
func kinds(ops []history.Op) map[string]int {
	n := map[string]int{}
	for _, op := range ops {
		n[string(op.Kind)+"/"+string(op.Outcome)]++
	}
	return n
}

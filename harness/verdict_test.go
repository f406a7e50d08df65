package harness_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/scenarios/refshop"
)

// An order list that leaks other customers' orders shows every order
// twice: that is evidence for the ownership check, and the run is saved
// and re-checked like any other, never "save run: duplicate id".
func TestListLeakIsAFinding(t *testing.T) {
	env := newEnv(t, "list-all-orders")
	res, err := env.Run(context.Background(), scenario("baseline", fault.None))
	if err != nil {
		t.Fatalf("the harness failed on the SUT's wrong answer: %v", err)
	}
	v := verdict(t, res, "ownership")
	if v.Result != check.Fail || len(v.Orders) == 0 || len(v.Ops) == 0 || !strings.Contains(v.Message, "list of") {
		t.Fatalf("ownership = %s (%s)", v.Result, v.Message)
	}
	run, err := history.Load(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	again := harness.Check(run, nil, check.Ownership)[0]
	if again.Result != check.Fail || len(again.Orders) != len(v.Orders) {
		t.Fatalf("re-checked offline: %s (%s)", again.Result, again.Message)
	}
	for _, other := range res.Verdicts {
		if other.Invariant != "ownership" && other.Result == check.Fail {
			t.Errorf("%s also failed: %s", other.Invariant, other.Message)
		}
	}
}

// Settle gives the shop's own reconciler the first half of its budget. A
// reconciler that stopped during the outage leaves orders pending until
// the harness asks: the run says which, and as the shop declares a
// background reconciler that is an eventual-resolution finding. The safe
// shop resolves them by itself.
func TestSettleSaysWhichOrdersNeededAsking(t *testing.T) {
	for _, tc := range []struct {
		flaws string
		fail  bool
	}{{"", false}, {"reconciler-gives-up", true}} {
		t.Run("flaws="+tc.flaws, func(t *testing.T) {
			env := newEnv(t, tc.flaws)
			res, err := env.Run(context.Background(), scenario("provider-blackhole", fault.ProviderBlackhole))
			if err != nil {
				t.Fatal(err)
			}
			v := verdict(t, res, "eventual-resolution")
			if !tc.fail {
				if v.Result != check.Pass || len(res.Reconciled) != 0 {
					t.Fatalf("safe shop: %s (%s), reconciled %v", v.Result, v.Message, res.Reconciled)
				}
				return
			}
			if v.Result != check.Fail || len(res.Reconciled) == 0 || !strings.Contains(v.Message, "only when the harness called reconcile") {
				t.Fatalf("%s: %s (%s), reconciled %v", tc.flaws, v.Result, v.Message, res.Reconciled)
			}
			for _, id := range v.Orders {
				if !strings.HasPrefix(id, "ord_") {
					t.Errorf("evidence names %q", id)
				}
			}
		})
	}
}

// getOnly is a SUT that can pay and read one order, nothing more: no
// list, no reconcile.
type getOnly struct{ sut.Driver }

type getOnlyLauncher struct{ refshop.Launcher }

func (l getOnlyLauncher) Launch(ctx context.Context, w sut.Wiring) (*sut.Instance, error) {
	in, err := l.Launcher.Launch(ctx, w)
	if in != nil {
		in.Driver = getOnly{in.Driver}
	}
	return in, err
}

// Without a list, settle reads back every order the history names, by its
// owner; the checks still judge them.
func TestSettleWithoutAList(t *testing.T) {
	env, err := harness.New(context.Background(), harness.WithSeed(7), harness.WithSUT(getOnlyLauncher{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("close env: %v", err)
		}
	})
	res, err := env.Run(context.Background(), scenario("baseline", fault.None))
	if err != nil || res.Inconclusive != "" {
		t.Fatalf("%v, inconclusive %q", err, res.Inconclusive)
	}
	if bad := res.Failed(); len(bad) > 0 {
		t.Fatalf("violated: %+v", bad)
	}
	if v := verdict(t, res, "eventual-resolution"); v.Result != check.Pass || strings.HasPrefix(v.Message, "0 orders") {
		t.Fatalf("eventual-resolution: %s (%s)", v.Result, v.Message)
	}
}

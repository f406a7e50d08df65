package harness_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/history"
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

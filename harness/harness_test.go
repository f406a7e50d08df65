package harness_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/traffic"
	"github.com/paychaos/paychaos/scenarios/refshop"
)

func TestMain(m *testing.M) {
	refshop.RunIfChild() // the test binary is also the shop's process
	runProbeIfChild()    // and a SUT that tries to reach the control API
	goleak.VerifyTestMain(m)
}

func newEnv(t *testing.T, flaws string) *harness.Env {
	t.Helper()
	env, err := harness.New(context.Background(), harness.WithSeed(7), harness.WithSUT(refshop.Launcher{Flaws: flaws}), harness.WithOutDir(t.TempDir()))
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

var quick = harness.Scenario{
	Warmup: 600 * time.Millisecond, Hold: time.Second, Cooldown: 800 * time.Millisecond, Settle: 5 * time.Second,
}

func scenario(name string, f fault.Fault) harness.Scenario {
	s := quick
	s.Name, s.Fault, s.Traffic = name, f, traffic.Steady
	s.FailFastBudget = 2 * time.Second
	return s
}

func verdict(t *testing.T, r harness.Result, name string) check.Verdict {
	t.Helper()
	for _, v := range r.Verdicts {
		if v.Invariant == name {
			return v
		}
	}
	t.Fatalf("no verdict for %s in %+v", name, r.Verdicts)
	return check.Verdict{}
}

func TestBaselineHolds(t *testing.T) {
	env := newEnv(t, "")
	res, err := env.Run(context.Background(), scenario("baseline", fault.None))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inconclusive != "" {
		t.Fatalf("inconclusive: %s", res.Inconclusive)
	}
	if bad := res.Failed(); len(bad) > 0 {
		t.Fatalf("baseline violated invariants: %+v", bad)
	}
	if res.Phases[0].OK == 0 || res.Phases[1].Total() != 0 {
		t.Fatalf("with no fault every checkout is before the (empty) window: %+v", res.Phases)
	}
}

func TestOutageHoldsForTheSafeShop(t *testing.T) {
	env := newEnv(t, "")
	res, err := env.Run(context.Background(), scenario("provider-outage", fault.ProviderDown))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inconclusive != "" {
		t.Fatalf("inconclusive: %s", res.Inconclusive)
	}
	if res.Faults[0].Hits == 0 {
		t.Fatal("the outage never acted")
	}
	if bad := res.Failed(); len(bad) > 0 {
		t.Fatalf("safe shop violated invariants under outage: %+v", bad)
	}
}

// The proof that the checker bites: a shop that marks an order paid when
// the provider call errors must fail no-false-paid under an outage.
func TestOutageCatchesMarkPaidOnError(t *testing.T) {
	env := newEnv(t, "mark-paid-on-error")
	res, err := env.Run(context.Background(), scenario("provider-outage", fault.ProviderDown))
	if err != nil {
		t.Fatal(err)
	}
	v := verdict(t, res, "no-false-paid")
	if v.Result != check.Fail {
		t.Fatalf("no-false-paid = %s (%s), want fail", v.Result, v.Message)
	}
	if len(v.Orders) == 0 {
		t.Fatal("the violation names no order")
	}
}

// The YAML path: the reference shop described by its target file, started
// as a process (this test binary re-executed as the shop), catches the same
// flaw as the built-in target.
func TestYAMLTargetAsAProcess(t *testing.T) {
	tg, err := sut.LoadTarget("../examples/shop/target.yaml")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tg.Process.Command = self
	tg.Process.Env["PAYCHAOS_REFSHOP_CHILD"] = "1"
	tg.Process.Env["SHOP_FLAWS"] = "mark-paid-on-error"
	env, err := harness.New(context.Background(), harness.WithSeed(5), harness.WithSUT(sut.Subprocess{Target: tg}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	res, err := env.Run(context.Background(), scenario("provider-outage", fault.ProviderDown))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inconclusive != "" || res.Target != "reference-shop-yaml" {
		t.Fatalf("inconclusive %q, target %q", res.Inconclusive, res.Target)
	}
	if v := verdict(t, res, "no-false-paid"); v.Result != check.Fail {
		t.Fatalf("the YAML target missed the flaw: %s (%s)", v.Result, v.Message)
	}
}

// A fault that never acts makes the run inconclusive, never a pass.
func TestFaultThatNeverActsIsInconclusive(t *testing.T) {
	env := newEnv(t, "")
	s := scenario("idle-outage", fault.ProviderDown)
	s.Traffic.Max = 3 // traffic is over before the fault window opens
	s.Traffic.Rate = 50
	res, err := env.Run(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Inconclusive, "never acted") {
		t.Fatalf("a run whose fault never met traffic: inconclusive %q, want the fault named as never acting", res.Inconclusive)
	}
	if res.Passed() {
		t.Fatal("an inconclusive run passed")
	}
}

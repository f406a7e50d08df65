package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// PaymentResilience registers every scenario family against the SUT that
// cfg wires. Call it at the top level of a suite:
//
//	var _ = scenarios.PaymentResilience(scenarios.Config{NewEnv: myEnv})
func PaymentResilience(cfg Config) bool {
	return Describe("payment resilience", func() {
		baseline(cfg)
		outage(cfg)
		latency(cfg)
		ambiguous(cfg)
		webhooks(cfg)
		crash(cfg)
		partition(cfg)
		load(cfg)
		loadOpenLoop(cfg)
		doubleSubmit(cfg)
		malicious(cfg)
		browserPath(cfg)
	})
}

// run takes one scenario through the harness and asserts that it proved
// something and that every invariant held.
func run(ctx SpecContext, cfg Config, s harness.Scenario) harness.Result {
	if err := cfg.playable(s); err != nil {
		Skip(fmt.Sprintf("skipped before the SUT started: %v", err))
	}
	seed := GinkgoRandomSeed()
	env, err := cfg.NewEnv(ctx, seed)
	DeferCleanup(func() error {
		if env == nil {
			return nil
		}
		return env.Close()
	})
	Expect(err).NotTo(HaveOccurred(), "wire the environment")
	if err := fault.Available(s.Fault, env.Targets()); err != nil {
		Skip(fmt.Sprintf("%s mode cannot play this scenario: %v", env.Mode(), err))
	}

	By(fmt.Sprintf("running %s: %s under %s traffic", s.Name, faultName(s), s.Traffic.Name))
	res, err := env.Run(ctx, s)
	if errors.Is(err, fault.ErrUnsupported) {
		Skip(fmt.Sprintf("%s cannot be played in %s mode: %v", faultName(s), env.Mode(), err))
	}
	if cfg.Reproduce != nil {
		res.Reproduce = cfg.Reproduce(CurrentSpecReport().FullText(), seed)
	}
	AddReportEntry(harness.ReportEntryName, res, ReportEntryVisibilityNever)
	Expect(err).NotTo(HaveOccurred(), "the harness could not do its job")
	Expect(res).To(BeConclusive())
	Expect(res).To(HoldEveryInvariant())
	return res
}

// quick is the timing of most scenarios: long enough for the fault to meet
// traffic and for the SUT to recover, short enough for the suite's budget.
func quick(name string, f fault.Fault, t traffic.Profile) harness.Scenario {
	return harness.Scenario{
		Name: name, Fault: f, Traffic: t,
		Warmup: 500 * time.Millisecond, Hold: 1500 * time.Millisecond, Cooldown: time.Second,
		Settle: 8 * time.Second,
	}
}

// providerOut is quick for faults that put the provider out of reach:
// checkout must then fail fast, within failFastBudget, with a clear error,
// once the SUT has had failFastGrace to notice. The fault holds long
// enough that a checkout sent after the grace can overrun its budget while
// the provider is still out: a SUT that keeps waiting on a dead provider
// (no circuit breaker) is seen waiting, not rescued by the recovery.
func providerOut(name string, f fault.Fault, t traffic.Profile) harness.Scenario {
	s := quick(name, f, t)
	s.FailFastBudget, s.FailFastGrace = failFastBudget, failFastGrace
	s.Hold = max(s.Hold, failFastGrace+2*failFastBudget)
	return s
}

// slowProvider is quick for faults that slow or confuse the provider
// without taking it away: checkout must still answer within the SUT's
// own budget, and may take all of it.
func slowProvider(name string, f fault.Fault, t traffic.Profile) harness.Scenario {
	s := quick(name, f, t)
	s.FailFastBudget = responseBudget + time.Second
	return s
}

// Timing of the reference shop as the scenarios configure it: one provider
// call may take clientTimeout, a whole checkout responseBudget. While the
// provider is out, a checkout must answer within failFastBudget once the
// SUT has had failFastGrace to notice: well under the time its retries
// would take, so only a SUT that stops calling a dead provider passes.
const (
	clientTimeout  = 400 * time.Millisecond
	responseBudget = 5 * clientTimeout
	failFastBudget = time.Second
	failFastGrace  = 750 * time.Millisecond
)

func faultName(s harness.Scenario) string {
	if s.Fault == nil {
		return "no fault"
	}
	return s.Fault.Name()
}

// BeConclusive fails a run that proved nothing, e.g. because its fault
// never acted.
func BeConclusive() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(r harness.Result) (bool, error) {
		return r.Inconclusive == "", nil
	}).WithTemplate("Scenario {{.Actual.Scenario}} is inconclusive: {{.Actual.Inconclusive}}")
}

// HoldEveryInvariant fails a run with a violated invariant and says what a
// person needs: the invariant, the orders, the evidence, the seed and the
// command to reproduce.
func HoldEveryInvariant() types.GomegaMatcher { return holdEvery{} }

type holdEvery struct{}

func (holdEvery) Match(actual any) (bool, error) {
	r, ok := actual.(harness.Result)
	if !ok {
		return false, fmt.Errorf("HoldEveryInvariant expects a harness.Result, got %T", actual)
	}
	return len(r.Failed()) == 0, nil
}

func (holdEvery) FailureMessage(actual any) string {
	return describeViolations(actual.(harness.Result))
}

func (holdEvery) NegatedFailureMessage(any) string {
	return "expected at least one invariant to be violated, but every invariant held"
}

// describeViolations is the failure message of HoldEveryInvariant.
func describeViolations(r harness.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s (seed %d) violated %d invariant(s):\n", r.Scenario, r.Seed, len(r.Failed()))
	for _, v := range r.Failed() {
		fmt.Fprintf(&b, "  ✗ %s: %s\n", v.Invariant, v.Message)
		if len(v.Orders) > 0 {
			fmt.Fprintf(&b, "    orders: %s\n", list(v.Orders, 10))
		}
		if len(v.Ledger) > 0 {
			fmt.Fprintf(&b, "    ledger: %s\n", list(v.Ledger, 10))
		}
		if len(v.Ops) > 0 {
			ops := make([]string, len(v.Ops))
			for i, id := range v.Ops {
				ops[i] = fmt.Sprint(id)
			}
			fmt.Fprintf(&b, "    operations: %s\n", list(ops, 10))
		}
		if v.MoneyAtRisk > 0 {
			fmt.Fprintf(&b, "    money at risk: %d (minor units)\n", v.MoneyAtRisk)
		}
	}
	if r.Dir != "" {
		fmt.Fprintf(&b, "history and ledger saved in %s\n", r.Dir)
	}
	if r.Reproduce != "" {
		fmt.Fprintf(&b, "reproduce: %s\n", r.Reproduce)
	}
	return b.String()
}

func list(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return fmt.Sprintf("%s … and %d more", strings.Join(xs[:n], ", "), len(xs)-n)
}

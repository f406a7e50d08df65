package harness

import (
	"testing"
	"time"
)

func TestBudgetsApplyToTheScenariosTheyConcern(t *testing.T) {
	out := Scenario{Name: "out", FailFastBudget: time.Second, FailFastGrace: 750 * time.Millisecond, Warmup: time.Second, Hold: 2 * time.Second, Cooldown: time.Second, Settle: 8 * time.Second}
	slow := Scenario{Name: "slow", FailFastBudget: 3 * time.Second, Settle: 8 * time.Second}
	calm := Scenario{Name: "calm", Settle: 8 * time.Second}
	b := Budgets{FailFast: 2 * time.Second, FailFastGrace: time.Second, Response: 5 * time.Second, Settle: 20 * time.Second, Scale: 1.5}

	if got := underBudgets(out, b); got.FailFastBudget != 2*time.Second || got.FailFastGrace != time.Second ||
		got.Settle != 20*time.Second || got.Warmup != 1500*time.Millisecond || got.Hold != 3*time.Second || got.Cooldown != 1500*time.Millisecond {
		t.Errorf("provider out: %+v", got)
	}
	if got := underBudgets(slow, b); got.FailFastBudget != 5*time.Second || got.FailFastGrace != 0 {
		t.Errorf("provider slow: the response budget applies, no grace appears: %+v", got)
	}
	if got := underBudgets(calm, b); got.FailFastBudget != 0 || got.FailFastGrace != 0 || got.Settle != 20*time.Second {
		t.Errorf("a scenario that does not judge fail-fast must not start to: %+v", got)
	}
	if got := underBudgets(out, Budgets{}); got.FailFastBudget != out.FailFastBudget || got.FailFastGrace != out.FailFastGrace ||
		got.Settle != out.Settle || got.Warmup != out.Warmup || got.Hold != out.Hold || got.Cooldown != out.Cooldown {
		t.Errorf("no budgets changed %+v into %+v", out, got)
	}
}

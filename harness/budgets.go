package harness

import (
	"time"

	"github.com/paychaos/paychaos/harness/sut"
)

// Budgets are a target's time budgets (sut.Budgets, from its target
// file): a service whose client retries with a backoff, or that needs
// longer to settle, is judged by the budgets its team sets, in every
// scenario. A zero field keeps the scenario's own value.
type Budgets = sut.Budgets

// WithBudgets has every scenario Run judged by b.
func WithBudgets(b Budgets) Option { return func(o *options) { o.budgets = b } }

// underBudgets returns s judged by b. Only scenarios that judge fail-fast
// (a nonzero FailFastBudget) get b's answer budgets: those with a grace
// put the provider out (FailFast, FailFastGrace), the others slow it down
// (Response).
func underBudgets(s Scenario, b Budgets) Scenario {
	switch {
	case s.FailFastBudget > 0 && s.FailFastGrace > 0:
		if b.FailFast > 0 {
			s.FailFastBudget = b.FailFast
		}
		if b.FailFastGrace > 0 {
			s.FailFastGrace = b.FailFastGrace
		}
	case s.FailFastBudget > 0 && b.Response > 0:
		s.FailFastBudget = b.Response
	}
	if b.Settle > 0 {
		s.Settle = b.Settle
	}
	if b.Scale > 0 && b.Scale != 1 {
		for _, d := range []*time.Duration{&s.Warmup, &s.Hold, &s.Cooldown} {
			*d = time.Duration(float64(*d) * b.Scale)
		}
	}
	return s
}

package harness

import (
	"fmt"
	"time"

	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// Scenario is one experiment: traffic runs, a fault is injected for a
// window, recovered, and the invariants are checked once the SUT settles.
type Scenario struct {
	Name    string
	Fault   fault.Fault
	Traffic traffic.Profile
	// Warmup is traffic before the fault; Hold how long the fault stays
	// on; Cooldown traffic after recovery.
	Warmup, Hold, Cooldown time.Duration
	// Settle bounds how long the SUT may take to resolve every pending
	// payment after traffic stops.
	Settle time.Duration
	// FailFastBudget is how long checkout may take while the provider is
	// out (the fail-fast invariant); zero when the fault does not put the
	// provider out of reach, and fail-fast is then not judged.
	FailFastBudget time.Duration
	// FailFastGrace is how long after the fault starts the SUT may take to
	// notice it (its circuit breaker learning) before fail-fast judges.
	FailFastGrace time.Duration
	// Attacks, when set, are sent at the SUT during the fault window.
	Attacks *Attacks
	// Invariants to check; nil means the whole catalogue.
	Invariants []check.Invariant
}

// withDefaults fills what is unset: no fault (the baseline), steady
// traffic, and durations that suit a quick run.
func (s Scenario) withDefaults() Scenario {
	if s.Fault == nil {
		s.Fault = fault.None
	}
	if s.Traffic.Name == "" {
		s.Traffic = traffic.Steady
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&s.Warmup, time.Second)
	def(&s.Hold, 2*time.Second)
	def(&s.Cooldown, 1500*time.Millisecond)
	def(&s.Settle, 10*time.Second)
	return s
}

func (s Scenario) validate() error {
	if s.Name == "" {
		return fmt.Errorf("scenario has no name")
	}
	return s.Traffic.Validate()
}

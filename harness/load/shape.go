package load

import (
	"fmt"
	"math"
	"time"
)

// Kind names how a Shape's rate moves over time.
type Kind string

const (
	Constant Kind = "constant" // Rate throughout
	Ramp     Kind = "ramp"     // Rate rising linearly to Peak over For, then Peak
	Step     Kind = "step"     // Rate until At, Peak from then on
	Spike    Kind = "spike"    // Rate, Peak during [At, At+For), Rate again
)

// Shape is an arrival rate over time, in checkouts per second, on the
// traffic's own clock (zero when the traffic starts). Arrivals are evenly
// spaced at the rate in force: the same shape always asks for the same
// requests at the same offsets.
type Shape struct {
	Kind       Kind
	Rate, Peak float64
	At, For    time.Duration
}

// MaxRate bounds a Shape: beyond it the schedule's spacing is below what
// the clock can tell apart on a busy machine.
const MaxRate = 100_000

// Validate reports a shape that cannot run.
func (s Shape) Validate() error {
	bad := func(r float64) bool { return !(r > 0) || r > MaxRate || math.IsInf(r, 0) }
	switch {
	case bad(s.Rate):
		return fmt.Errorf("load %s: rate %v must be in (0, %d]", s.Kind, s.Rate, MaxRate)
	case s.Kind == Constant:
		return nil
	case s.Kind != Ramp && s.Kind != Step && s.Kind != Spike:
		return fmt.Errorf("load: unknown shape %q (constant, ramp, step or spike)", s.Kind)
	case bad(s.Peak):
		return fmt.Errorf("load %s: peak %v must be in (0, %d]", s.Kind, s.Peak, MaxRate)
	case s.At < 0 || s.For < 0:
		return fmt.Errorf("load %s: at and for must not be negative", s.Kind)
	case (s.Kind == Ramp || s.Kind == Spike) && s.For == 0:
		return fmt.Errorf("load %s: for must be positive", s.Kind)
	}
	return nil
}

// RateAt is the rate asked at offset t.
func (s Shape) RateAt(t time.Duration) float64 {
	switch s.Kind {
	case Ramp:
		if t >= s.For {
			return s.Peak
		}
		return s.Rate + (s.Peak-s.Rate)*float64(t)/float64(s.For)
	case Step:
		if t >= s.At {
			return s.Peak
		}
	case Spike:
		if t >= s.At && t < s.At+s.For {
			return s.Peak
		}
	}
	return s.Rate
}

// Next is the offset of the arrival after the one due at t.
func (s Shape) Next(t time.Duration) time.Duration {
	return t + max(time.Duration(float64(time.Second)/s.RateAt(t)), 1)
}

// Asked is how many arrivals the shape schedules in [0, d).
func (s Shape) Asked(d time.Duration) int {
	n := 0
	for t := time.Duration(0); t < d; t = s.Next(t) {
		n++
	}
	return n
}

// String names the shape for reports: "constant 500/s", "spike 200/s→2000/s at 5s for 2s".
func (s Shape) String() string {
	switch s.Kind {
	case Ramp:
		return fmt.Sprintf("ramp %g/s→%g/s over %s", s.Rate, s.Peak, s.For)
	case Step:
		return fmt.Sprintf("step %g/s→%g/s at %s", s.Rate, s.Peak, s.At)
	case Spike:
		return fmt.Sprintf("spike %g/s→%g/s at %s for %s", s.Rate, s.Peak, s.At, s.For)
	}
	return fmt.Sprintf("constant %g/s", s.Rate)
}

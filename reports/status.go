package reports

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/onsi/ginkgo/v2/types"
)

// noVerdictReason is why a scenario whose result judged no invariant is
// inconclusive: every verdict was a skip, or there was none.
const noVerdictReason = "no invariant was judged: the result holds no pass or fail verdict"

// ginkgoStates maps the spec states the model writes (Ginkgo's names) to
// Ginkgo's values; "" is a scenario that carries no state.
var ginkgoStates = func() map[string]types.SpecState {
	m := map[string]types.SpecState{"": types.SpecStateInvalid}
	for _, st := range []types.SpecState{
		types.SpecStateInvalid, types.SpecStatePending, types.SpecStateSkipped, types.SpecStatePassed,
		types.SpecStateFailed, types.SpecStateAborted, types.SpecStatePanicked, types.SpecStateInterrupted,
		types.SpecStateTimedout,
	} {
		m[st.String()] = st
	}
	return m
}()

func specState(name string) types.SpecState { return ginkgoStates[name] }

// judged reports whether the scenario's result passed or failed at least
// one invariant.
func judged(s Scenario) bool {
	return slices.ContainsFunc(s.Verdicts, func(c Check) bool { return c.Result == ResultPass || c.Result == ResultFail })
}

// deriveStatus is a scenario's status from what it proved, never from a
// status field it carries: a violation is evidence whatever else happened;
// then a skipped or pending spec counts for nothing; then an inconclusive
// reason, a failed spec (Ginkgo's state), a result that judged nothing, or
// a spec with neither result nor state each prove nothing. Only a spec
// whose result held every judged invariant, or that passed without
// attaching a result, passes.
func deriveStatus(s Scenario) Status {
	st := specState(s.State)
	switch {
	case len(s.Violations()) > 0:
		return StatusFail
	case st.Is(types.SpecStateSkipped | types.SpecStatePending):
		return StatusSkipped
	case s.Inconclusive != "":
		return StatusInconclusive
	case st.Is(types.SpecStateFailureStates):
		return StatusError
	case s.HasResult && !judged(s):
		return StatusInconclusive
	case !s.HasResult && st != types.SpecStatePassed:
		return StatusError
	}
	return StatusPass
}

var knownStatuses = []Status{StatusPass, StatusFail, StatusInconclusive, StatusError, StatusSkipped}

// validate refuses a model the gate cannot judge: an unknown status, spec
// state or verdict result, or negative money. The status itself is then
// derived, so a known but wrong one changes nothing.
func validate(r Report) error {
	var errs []error
	for i, s := range r.Scenarios {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("scenario %d (%q): %s", i+1, clipID(s.ID), fmt.Sprintf(format, args...)))
		}
		if s.Status != "" && !slices.Contains(knownStatuses, s.Status) {
			bad("unknown status %q (want pass, fail, inconclusive, error or skipped)", clipID(string(s.Status)))
		}
		if _, ok := ginkgoStates[s.State]; !ok {
			bad("unknown Ginkgo state %q (want passed, failed, skipped, pending, panicked, timedout, interrupted or aborted)", clipID(s.State))
		}
		if s.MoneyAtRisk < 0 {
			bad("money_at_risk %d is negative", s.MoneyAtRisk)
		}
		if err := scenarioClock(s); err != nil {
			bad("%v", err)
		}
		for _, c := range s.Verdicts {
			if c.Result != ResultPass && c.Result != ResultFail && c.Result != ResultSkip {
				bad("verdict of %q has unknown result %q (want pass, fail or skip)", clipID(c.Invariant), clipID(c.Result))
			}
			if c.MoneyAtRisk < 0 {
				bad("verdict of %q: money_at_risk %d is negative", clipID(c.Invariant), c.MoneyAtRisk)
			}
		}
		if len(errs) >= 5 {
			errs = append(errs, errors.New("… and maybe more"))
			break
		}
	}
	return errors.Join(errs...)
}

// MaxClock bounds every duration of a scenario: its clock starts at 0, and
// no scenario runs for a year. Beyond it a time axis would overflow.
const MaxClock = Duration(366 * 24 * time.Hour)

// scenarioClock checks that every duration of a scenario lies in [0,
// MaxClock].
func scenarioClock(s Scenario) error {
	check := func(what string, d Duration) error {
		if d < 0 || d > MaxClock {
			return fmt.Errorf("%s %s is out of range (0 to a year)", what, fmtDur(d.D()))
		}
		return nil
	}
	errs := []error{
		check("duration_ms", s.Duration), check("recovery_time_ms", s.RecoveryTime),
		check("window.fault_start_ms", s.Window.FaultStart), check("window.fault_end_ms", s.Window.FaultEnd),
		check("window.settle_end_ms", s.Window.SettleEnd),
	}
	if s.Lag != nil {
		errs = append(errs, check("harness_lag.worst_ms", s.Lag.Worst), check("harness_lag.lost_ms", s.Lag.Lost),
			check("harness_lag.recovery_lost_ms", s.Lag.RecoveryLost))
	}
	for i, f := range s.Faults {
		errs = append(errs, check(fmt.Sprintf("faults[%d].start_ms", i), f.Start), check(fmt.Sprintf("faults[%d].end_ms", i), f.End))
	}
	for i, p := range s.Phases {
		errs = append(errs, check(fmt.Sprintf("phases[%d].p50_ms", i), p.P50), check(fmt.Sprintf("phases[%d].p95_ms", i), p.P95),
			check(fmt.Sprintf("phases[%d].p99_ms", i), p.P99))
		for _, d := range p.Sample {
			if err := check(fmt.Sprintf("phases[%d].latency_sample_ms", i), d); err != nil {
				errs = append(errs, err)
				break
			}
		}
	}
	for i, p := range s.Timeline {
		if err := errors.Join(check(fmt.Sprintf("timeline[%d].at_ms", i), p.At), check(fmt.Sprintf("timeline[%d].latency_ms", i), p.Latency)); err != nil {
			errs = append(errs, err)
			break
		}
	}
	return errors.Join(errs...)
}

// clipID keeps an echoed input value short in an error message.
func clipID(s string) string {
	if len(s) <= 80 {
		return s
	}
	cut := 80
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// addMoney adds minor units without overflow: past math.MaxInt64 the sum
// stays there and saturated is set, so a total is never wrapped into a
// small or negative number. Negative amounts are refused by validate
// before they get here.
func addMoney(sum, n int64, saturated bool) (int64, bool) {
	if saturated || n > math.MaxInt64-sum {
		return math.MaxInt64, true
	}
	return sum + n, false
}

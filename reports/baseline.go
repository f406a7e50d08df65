package reports

import (
	"fmt"
	"time"
)

// Margins are how much worse than the baseline a figure may get before it
// is a regression. The zero value tolerates nothing.
type Margins struct {
	// RecoveryTime and P99 are relative: 0.25 lets a scenario recover or
	// answer (p99 during the fault) up to 25% slower than the baseline.
	RecoveryTime float64 `json:"recovery_time"`
	P99          float64 `json:"p99"`
	// SuccessRate is absolute: 0.05 lets the success rate during the fault
	// drop by up to 5 percentage points.
	SuccessRate float64 `json:"success_rate"`
	// Noise is a floor under the time margins: a difference smaller than
	// this is never a regression, however large relatively.
	Noise time.Duration `json:"noise_ns"`
}

// DefaultMargins are the margins `paychaos report --baseline` uses unless
// told otherwise.
var DefaultMargins = Margins{RecoveryTime: 0.25, P99: 0.25, SuccessRate: 0.05, Noise: 50 * time.Millisecond}

// RegressionKind names what got worse.
type RegressionKind string

const (
	// NewlyViolated: an invariant that did not fail in the baseline fails
	// now (or the scenario is new and violates it).
	NewlyViolated RegressionKind = "newly-violated"
	// NewlyInconclusive: a scenario that proved something in the baseline
	// now proves nothing (inconclusive or errored).
	NewlyInconclusive RegressionKind = "newly-inconclusive"
	// SlowerRecovery: the recovery time grew past the margin, or the
	// scenario no longer recovers.
	SlowerRecovery RegressionKind = "recovery-time"
	// SlowerP99: the p99 latency during the fault grew past the margin.
	SlowerP99 RegressionKind = "p99-during-fault"
	// LowerSuccessRate: the success rate during the fault dropped past the
	// margin.
	LowerSuccessRate RegressionKind = "success-rate-during-fault"
)

// Regression is one way the current run is worse than its baseline.
type Regression struct {
	Kind RegressionKind `json:"kind"`
	// ID and Scenario identify the current scenario.
	ID        string `json:"id"`
	Scenario  string `json:"scenario"`
	Invariant string `json:"invariant,omitempty"`
	Baseline  string `json:"baseline"`
	Current   string `json:"current"`
	Message   string `json:"message"`
}

// Compare lists the regressions of current against baseline. Scenarios are
// matched by ID; a scenario absent from the baseline can only regress by
// violating an invariant. Figures are compared only between scenarios that
// proved something in both runs.
func Compare(baseline, current Report, m Margins) []Regression {
	base := make(map[string]Scenario, len(baseline.Scenarios))
	for _, s := range baseline.Scenarios {
		base[s.ID] = s
	}
	var out []Regression
	for _, cur := range current.Scenarios {
		old, known := base[cur.ID]
		reg := func(kind RegressionKind, inv, was, now, msg string) {
			out = append(out, Regression{Kind: kind, ID: cur.ID, Scenario: cur.Name, Invariant: inv, Baseline: was, Current: now, Message: msg})
		}
		for _, c := range cur.Violations() {
			was := "absent"
			if known {
				if oc, ok := old.Check(c.Invariant); ok {
					if oc.Result == ResultFail {
						continue
					}
					was = oc.Result
				} else if old.Status == StatusSkipped {
					was = "skipped"
				}
			}
			reg(NewlyViolated, c.Invariant, was, ResultFail,
				fmt.Sprintf("%s is violated in %s (baseline: %s)", c.Invariant, cur.Name, was))
		}
		if !known {
			continue
		}
		if (cur.Status == StatusInconclusive || cur.Status == StatusError) && old.conclusive() {
			why := cur.Inconclusive
			if why == "" {
				why = firstLine(cur.Message)
			}
			reg(NewlyInconclusive, "", string(old.Status), string(cur.Status),
				fmt.Sprintf("%s proved something in the baseline and is now %s: %s", cur.Name, cur.Status, why))
		}
		if !old.conclusive() || !cur.conclusive() {
			continue
		}
		switch {
		case old.Recovered && !cur.Recovered:
			reg(SlowerRecovery, "", fmtDur(old.RecoveryTime.D()), "never",
				fmt.Sprintf("%s no longer recovers after the fault (baseline: %s)", cur.Name, fmtDur(old.RecoveryTime.D())))
		case old.Recovered && cur.Recovered && worse(old.RecoveryTime.D(), cur.RecoveryTime.D(), m.RecoveryTime, m.Noise):
			reg(SlowerRecovery, "", fmtDur(old.RecoveryTime.D()), fmtDur(cur.RecoveryTime.D()),
				fmt.Sprintf("%s recovers in %s, baseline %s (margin %.0f%%)", cur.Name,
					fmtDur(cur.RecoveryTime.D()), fmtDur(old.RecoveryTime.D()), m.RecoveryTime*100))
		}
		op, okOld := old.Phase("during")
		cp, okCur := cur.Phase("during")
		if !okOld || !okCur || op.Total == 0 || cp.Total == 0 {
			continue
		}
		if worse(op.P99.D(), cp.P99.D(), m.P99, m.Noise) {
			reg(SlowerP99, "", fmtDur(op.P99.D()), fmtDur(cp.P99.D()),
				fmt.Sprintf("%s p99 during the fault is %s, baseline %s (margin %.0f%%)", cur.Name,
					fmtDur(cp.P99.D()), fmtDur(op.P99.D()), m.P99*100))
		}
		if op.SuccessRate-cp.SuccessRate > m.SuccessRate+1e-9 {
			reg(LowerSuccessRate, "", pct(op.SuccessRate), pct(cp.SuccessRate),
				fmt.Sprintf("%s success rate during the fault is %s, baseline %s (margin %.0f points)", cur.Name,
					pct(cp.SuccessRate), pct(op.SuccessRate), m.SuccessRate*100))
		}
	}
	return out
}

// worse reports whether cur exceeds old by more than the relative margin
// and by more than the noise floor.
func worse(old, cur time.Duration, margin float64, noise time.Duration) bool {
	d := cur - old
	if d <= 0 || d <= noise {
		return false
	}
	return float64(cur) > float64(old)*(1+margin)
}

// WithBaseline returns current compared with baseline: its regressions, a
// reference to the baseline and its exit code set.
func WithBaseline(current, baseline Report, m Margins) Report {
	current.Regressions = Compare(baseline, current, m)
	current.Baseline = &BaselineRef{
		Started: baseline.Run.Started, Seed: baseline.Run.Seed,
		Verdict: baseline.Verdict, Score: baseline.Score, Margins: m,
	}
	current = masked(current)
	current.refresh()
	return current
}

// Exit codes of the gate.
const (
	ExitOK       = 0 // every invariant held, every scenario proved something, no regression
	ExitFindings = 1 // an invariant was violated, or a regression against the baseline
	ExitHarness  = 2 // the harness could not do its job: inconclusive, errored, interrupted, bad input
)

// ExitCode is the gate's answer for a report and its regressions. A
// violation is evidence whatever else happened, so it wins: 1. Otherwise a
// run that did not prove everything (see VerdictInconclusive) is 2, even
// with regressions, because its figures cannot be trusted. Otherwise
// regressions make it 1, and a clean run is 0. Bad input never gets this
// far: callers map ErrBadInput to ExitHarness.
func ExitCode(r Report, regs []Regression) int {
	switch verdict(r) {
	case VerdictFail:
		return ExitFindings
	case VerdictInconclusive:
		return ExitHarness
	}
	if len(regs) > 0 {
		return ExitFindings
	}
	return ExitOK
}

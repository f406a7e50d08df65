package reports

import (
	"fmt"
	"slices"
	"time"
)

// Margins say how much worse than the baseline a figure may get before it
// is a regression. Timing is judged against the noise of runs, never by a
// single-run difference: the latencies under fault by a Mann-Whitney U
// test over the phases' latency samples, the success rate under fault by
// a two-proportion test, the recovery time against the spread of several
// baseline runs.
type Margins struct {
	// Alpha is the significance level of the tests: a shift whose p-value
	// is not below it is noise. Zero means DefaultAlpha.
	Alpha float64 `json:"alpha"`
	// Latency is relative: the estimated shift of the checkout latencies
	// during the fault (Hodges-Lehmann) must also exceed this share of the
	// baseline's median.
	Latency float64 `json:"latency"`
	// SuccessRate is absolute: 0.05 lets the success rate during the fault
	// drop by up to 5 percentage points, however significant the drop.
	SuccessRate float64 `json:"success_rate"`
	// RecoveryTime is relative to the slowest baseline run. The recovery
	// time is judged only against MinRecoveryRuns baseline runs or more.
	RecoveryTime float64 `json:"recovery_time"`
	// Noise is a floor under the latency margin: a shift smaller than this
	// is never a regression, however significant.
	Noise time.Duration `json:"noise_ns"`
	// RecoveryNoise is the floor under the recovery margin: a recovery
	// time is found to the spacing of checkouts, and a few runs show too
	// little of its spread.
	RecoveryNoise time.Duration `json:"recovery_noise_ns"`
}

// DefaultAlpha is the significance level when Margins.Alpha is zero: one
// false alarm in a thousand scenario comparisons, before the effect floors.
const DefaultAlpha = 0.001

// MinRecoveryRuns is how many baseline runs the recovery time needs: a
// scenario gives one recovery time per run, and its noise shows only in
// the spread of several runs.
const MinRecoveryRuns = 3

// minSample is the smallest latency sample a shift is tested on.
const minSample = 8

// DefaultMargins are the margins `paychaos report --baseline` uses unless
// told otherwise.
var DefaultMargins = Margins{Alpha: DefaultAlpha, Latency: 0.05, SuccessRate: 0.05, RecoveryTime: 0.25,
	Noise: 100 * time.Millisecond, RecoveryNoise: time.Second}

// RegressionKind names what got worse.
type RegressionKind string

const (
	// NewlyViolated: an invariant that failed in no baseline run fails now
	// (or the scenario is new and violates it).
	NewlyViolated RegressionKind = "newly-violated"
	// NewlyInconclusive: a scenario that proved something in every
	// baseline run now proves nothing (inconclusive or errored).
	NewlyInconclusive RegressionKind = "newly-inconclusive"
	// SlowerRecovery: the recovery time grew past the baseline runs'
	// spread and margin, or the scenario no longer recovers.
	SlowerRecovery RegressionKind = "recovery-time"
	// SlowerLatency: checkouts during the fault got slower: a significant
	// shift of their latencies, larger than the margins.
	SlowerLatency RegressionKind = "latency-during-fault"
	// LowerSuccessRate: the success rate during the fault dropped past the
	// margin, significantly.
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

// Compare lists the regressions of current against one baseline run (see
// CompareRuns).
func Compare(baseline, current Report, m Margins) []Regression {
	return CompareRuns([]Report{baseline}, current, m)
}

// CompareRuns lists the regressions of current against one or more
// baseline runs. Scenarios are matched by ID; a scenario absent from every
// baseline can only regress by violating an invariant. Figures are
// compared only with the baseline runs in which the scenario proved
// something, and only when it proved something now.
func CompareRuns(baselines []Report, current Report, m Margins) []Regression {
	if m.Alpha <= 0 {
		m.Alpha = DefaultAlpha
	}
	base := map[string][]Scenario{}
	for _, b := range baselines {
		for _, s := range b.Scenarios {
			s.Status = deriveStatus(s)
			base[s.ID] = append(base[s.ID], s)
		}
	}
	var out []Regression
	for _, cur := range current.Scenarios {
		cur.Status = deriveStatus(cur)
		olds := base[cur.ID]
		add := func(g Regression) {
			g.ID, g.Scenario = cur.ID, cur.Name
			out = append(out, g)
		}
		for _, c := range cur.Violations() {
			if was, isNew := newlyViolated(olds, c.Invariant); isNew {
				add(Regression{Kind: NewlyViolated, Invariant: c.Invariant, Baseline: was, Current: ResultFail,
					Message: fmt.Sprintf("%s is violated in %s (baseline: %s)", c.Invariant, cur.Name, was)})
			}
		}
		if len(olds) == 0 {
			continue
		}
		ran := slices.DeleteFunc(slices.Clone(olds), func(o Scenario) bool { return o.Status == StatusSkipped })
		if (cur.Status == StatusInconclusive || cur.Status == StatusError) && len(ran) > 0 && !slices.ContainsFunc(ran, notConclusive) {
			why := cur.Inconclusive
			if why == "" {
				why = firstLine(cur.Message)
			}
			add(Regression{Kind: NewlyInconclusive, Baseline: string(ran[0].Status), Current: string(cur.Status),
				Message: fmt.Sprintf("%s proved something in the baseline and is now %s: %s", cur.Name, cur.Status, why)})
		}
		proved := slices.DeleteFunc(ran, notConclusive)
		if len(proved) == 0 || !cur.conclusive() {
			continue
		}
		for _, judge := range []func([]Scenario, Scenario, Margins) (Regression, bool){slowerRecovery, slowerLatency, lowerSuccessRate} {
			if g, ok := judge(proved, cur, m); ok {
				add(g)
			}
		}
	}
	return out
}

func notConclusive(s Scenario) bool { return !s.conclusive() }

// newlyViolated reports whether a violation of inv is new: no baseline run
// violated it. was says what the baseline had instead.
func newlyViolated(olds []Scenario, inv string) (was string, isNew bool) {
	was = "absent"
	for _, o := range olds {
		if oc, ok := o.Check(inv); ok {
			if oc.Result == ResultFail {
				return "", false
			}
			was = oc.Result
		} else if o.Status == StatusSkipped && was == "absent" {
			was = "skipped"
		}
	}
	return was, true
}

// slowerRecovery judges the recovery time against the spread of the
// baseline runs: slower than the slowest of them by the relative margin
// plus the spread (never less than the noise floor). With fewer than
// MinRecoveryRuns runs there is no spread to judge by, and nothing is
// said; nor when a baseline run itself never recovered.
func slowerRecovery(olds []Scenario, cur Scenario, m Margins) (Regression, bool) {
	if len(olds) < MinRecoveryRuns {
		return Regression{}, false
	}
	var times []time.Duration
	for _, o := range olds {
		if !o.Recovered {
			return Regression{}, false
		}
		times = append(times, o.RecoveryTime.D())
	}
	lo, hi := slices.Min(times), slices.Max(times)
	was := fmt.Sprintf("%s–%s over %d runs", fmtDur(lo), fmtDur(hi), len(times))
	if !cur.Recovered {
		return Regression{Kind: SlowerRecovery, Baseline: was, Current: "never",
			Message: fmt.Sprintf("%s no longer recovers after the fault (baseline: %s)", cur.Name, was)}, true
	}
	limit := time.Duration(float64(hi)*(1+m.RecoveryTime)) + max(hi-lo, m.RecoveryNoise, m.Noise)
	if cur.RecoveryTime.D() <= limit {
		return Regression{}, false
	}
	return Regression{Kind: SlowerRecovery, Baseline: was, Current: fmtDur(cur.RecoveryTime.D()),
		Message: fmt.Sprintf("%s recovers in %s, past the baseline's %s by more than its spread and %.0f%% (limit %s)",
			cur.Name, fmtDur(cur.RecoveryTime.D()), was, m.RecoveryTime*100, fmtDur(limit))}, true
}

// slowerLatency tests whether checkouts during the fault got slower: a
// one-sided Mann-Whitney U test of the current latency sample against the
// baseline runs' pooled samples, significant at Alpha, with an estimated
// shift (Hodges-Lehmann: the median of the pairwise differences) above
// the noise floor and the relative margin. The shift is taken net of the
// one the same scenario shows before the fault: a machine that is busier
// than when the baseline ran slows every phase, a service that handles
// the fault worse slows the fault's.
func slowerLatency(olds []Scenario, cur Scenario, m Margins) (Regression, bool) {
	pooled := func(phase string) []Duration {
		var out []Duration
		for _, o := range olds {
			if op, ok := o.Phase(phase); ok {
				out = append(out, op.Sample...)
			}
		}
		return out
	}
	cp, ok := cur.Phase(phaseDuring)
	base := pooled(phaseDuring)
	if !ok || len(cp.Sample) < minSample || len(base) < minSample {
		return Regression{}, false
	}
	p := mannWhitneyGreater(cp.Sample, base)
	shift := hodgesLehmann(cp.Sample, base)
	var pace time.Duration
	if cb, bb := cur.phaseSample(phaseBefore), pooled(phaseBefore); len(cb) >= minSample && len(bb) >= minSample {
		pace = max(hodgesLehmann(cb, bb), 0)
	}
	floor := max(m.Noise, time.Duration(m.Latency*float64(median(base))))
	if p >= m.Alpha || shift-pace <= floor {
		return Regression{}, false
	}
	net := ""
	if pace > 0 {
		net = fmt.Sprintf(", %s more than the run's pace before the fault", fmtDur(shift-pace))
	}
	return Regression{Kind: SlowerLatency,
		Baseline: fmt.Sprintf("median %s (n=%d)", fmtDur(median(base).D()), len(base)),
		Current:  fmt.Sprintf("median %s (n=%d)", fmtDur(median(cp.Sample).D()), len(cp.Sample)),
		Message: fmt.Sprintf("%s checkouts during the fault are slower by about %s%s (Mann-Whitney %s < %g; floor %s)",
			cur.Name, fmtDur(shift), net, pText(p), m.Alpha, fmtDur(floor))}, true
}

// phaseSample is the latency sample of the named phase, if any.
func (s Scenario) phaseSample(name string) []Duration {
	p, _ := s.Phase(name)
	return p.Sample
}

// lowerSuccessRate tests whether fewer checkouts succeeded during the
// fault: a drop larger than the margin that a one-sided two-proportion z
// test finds significant at Alpha against the baseline runs' pooled
// counts.
func lowerSuccessRate(olds []Scenario, cur Scenario, m Margins) (Regression, bool) {
	cp, ok := cur.Phase(phaseDuring)
	if !ok || cp.Total == 0 {
		return Regression{}, false
	}
	var okN, total int
	for _, o := range olds {
		if op, ok := o.Phase(phaseDuring); ok {
			okN += op.OK
			total += op.Total
		}
	}
	if total == 0 {
		return Regression{}, false
	}
	was, now := float64(okN)/float64(total), float64(cp.OK)/float64(cp.Total)
	if was-now <= m.SuccessRate+1e-9 {
		return Regression{}, false
	}
	p := proportionLower(okN, total, cp.OK, cp.Total)
	if p >= m.Alpha {
		return Regression{}, false
	}
	return Regression{Kind: LowerSuccessRate, Baseline: pct(was), Current: pct(now),
		Message: fmt.Sprintf("%s success rate during the fault is %s, baseline %s (margin %.0f points; two-proportion %s < %g)",
			cur.Name, pct(now), pct(was), m.SuccessRate*100, pText(p), m.Alpha)}, true
}

// baselineText says what the run was compared with and how, in a
// sentence.
func baselineText(bl BaselineRef) string {
	runs := "1 run"
	if bl.Runs != 1 {
		runs = fmt.Sprintf("%d runs", bl.Runs)
	}
	started := ""
	if !bl.Started.IsZero() {
		started = ", started " + bl.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	m := bl.Margins
	recovery := fmt.Sprintf("recovery time past the slowest run +%.0f%% plus the runs' spread (at least %s)", m.RecoveryTime*100, fmtDur(max(m.RecoveryNoise, m.Noise)))
	if bl.Runs < MinRecoveryRuns {
		recovery = fmt.Sprintf("recovery time not judged (it needs %d baseline runs or more)", MinRecoveryRuns)
	}
	return fmt.Sprintf("Baseline: %s (first: seed %d%s, verdict %s, score %d/100). "+
		"Regressions judged against the noise of runs at significance %g: checkout latency during the fault shifted (Mann-Whitney) by more than %s or %.0f%% of the median, net of the run's pace before the fault; "+
		"success rate during the fault down more than %.0f points (two-proportion test); %s.",
		runs, bl.Seed, started, bl.Verdict, bl.Score, m.Alpha, fmtDur(m.Noise), m.Latency*100, m.SuccessRate*100, recovery)
}

// The phases the comparison reads, as the model names them.
const (
	phaseBefore = "before"
	phaseDuring = "during"
)

// WithBaseline returns current compared with one baseline run (see
// WithBaselines).
func WithBaseline(current, baseline Report, m Margins) Report {
	return WithBaselines(current, []Report{baseline}, m)
}

// WithBaselines returns current compared with one or more baseline runs:
// its regressions, a reference to the baseline and its exit code set.
func WithBaselines(current Report, baselines []Report, m Margins) Report {
	if m.Alpha <= 0 {
		m.Alpha = DefaultAlpha
	}
	current.Regressions = CompareRuns(baselines, current, m)
	current.Baseline = &BaselineRef{Margins: m, Runs: len(baselines)}
	if len(baselines) > 0 {
		b := baselines[0]
		current.Baseline.Started, current.Baseline.Seed = b.Run.Started, b.Run.Seed
		current.Baseline.Verdict, current.Baseline.Score = b.Verdict, b.Score
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

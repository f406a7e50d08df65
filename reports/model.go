package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// SchemaVersion is the version of the JSON model written by WriteJSON. It
// changes only when a field changes meaning or disappears; new fields may be
// added within a version. Load refuses a report with a newer version.
const SchemaVersion = 2

// Report is the versioned model of one run. Writers render it; Compare reads
// two of them. Verdict, Score, Totals, Invariants and ExitCode are derived
// from the scenarios and recomputed whenever a Report is built or loaded.
type Report struct {
	SchemaVersion int `json:"schema_version"`
	Run           Run `json:"run"`
	// Verdict is the run's verdict, without the baseline: pass, fail or
	// inconclusive (see Verdict's constants).
	Verdict Verdict `json:"verdict"`
	// Headline is the run's first line for a reader: how bad it was, money
	// at risk and the worst violated invariant first (see headlineText).
	Headline string `json:"headline"`
	// Violated counts, per violated invariant, the scenarios that violate
	// it and the money they put at risk, worst first.
	Violated []InvariantCount `json:"violated,omitempty"`
	// Score is the resilience score, 0 to 100: the share of invariant checks
	// that held, capped low by any violation (see capScore).
	Score int `json:"score"`
	// ExitCode is what ExitCode returns for this report and its regressions.
	ExitCode   int        `json:"exit_code"`
	Totals     Totals     `json:"totals"`
	Invariants []string   `json:"invariants"`
	Scenarios  []Scenario `json:"scenarios"`
	// Baseline and Regressions are set by WithBaseline.
	Baseline    *BaselineRef `json:"baseline,omitempty"`
	Regressions []Regression `json:"regressions,omitempty"`
}

// Run is the metadata of the whole run.
type Run struct {
	Suite       string            `json:"suite"`
	SuitePath   string            `json:"suite_path,omitempty"`
	Seed        int64             `json:"seed"`
	Mode        string            `json:"mode,omitempty"`
	Target      string            `json:"target,omitempty"`
	LabelFilter string            `json:"label_filter,omitempty"`
	Versions    map[string]string `json:"versions,omitempty"`
	Started     time.Time         `json:"started"`
	Duration    Duration          `json:"duration_ms"`
	// Interrupted is set when the run did not finish: a signal, a suite
	// timeout or an interrupted spec.
	Interrupted bool `json:"interrupted"`
	// SuiteFailures are failures outside any scenario: Ginkgo's special
	// failure reasons and failed suite-level nodes (BeforeSuite…).
	SuiteFailures []string `json:"suite_failures,omitempty"`
}

// Totals counts scenarios by status and sums what they put at risk.
type Totals struct {
	Scenarios    int `json:"scenarios"`
	Passed       int `json:"passed"`
	Failed       int `json:"failed"`
	Inconclusive int `json:"inconclusive"`
	Errored      int `json:"errored"`
	Skipped      int `json:"skipped"`
	// TimingInconclusive counts the scenarios whose timing the machine was
	// too busy to judge (a verdict marked Inconclusive).
	TimingInconclusive int   `json:"timing_inconclusive,omitempty"`
	Violations         int   `json:"violations"`
	Checks             int   `json:"checks"`
	ChecksHeld         int   `json:"checks_held"`
	MoneyAtRisk        int64 `json:"money_at_risk"`
	// MoneySaturated is set when the sum of money at risk passed the
	// largest int64: MoneyAtRisk is then a floor, not the sum.
	MoneySaturated bool `json:"money_at_risk_saturated,omitempty"`
}

// Verdict is the verdict of a whole run.
type Verdict string

const (
	VerdictPass Verdict = "pass"
	// VerdictFail: at least one invariant was violated.
	VerdictFail Verdict = "fail"
	// VerdictInconclusive: nothing was violated, but the run did not prove
	// everything it set out to (a scenario inconclusive or errored, the run
	// interrupted, a suite-level failure, or no scenario ran).
	VerdictInconclusive Verdict = "inconclusive"
)

// Status is the outcome of one scenario.
type Status string

const (
	// StatusPass: the scenario ran, its faults fired and every invariant held.
	StatusPass Status = "pass"
	// StatusFail: at least one invariant was violated. A violation is
	// evidence even when the scenario is also inconclusive.
	StatusFail Status = "fail"
	// StatusInconclusive: the scenario proved nothing, e.g. its fault never
	// fired.
	StatusInconclusive Status = "inconclusive"
	// StatusError: the spec failed without a violation: the harness could
	// not do its job (setup failure, timeout, panic, missing result).
	StatusError Status = "error"
	// StatusSkipped: skipped or pending; it proves nothing and counts for
	// nothing.
	StatusSkipped Status = "skipped"
)

// Scenario is one Ginkgo spec and, when it ran, what it proved.
type Scenario struct {
	// ID is the spec's full text (containers and leaf); it is how a
	// scenario is matched with its baseline.
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Labels   []string `json:"labels,omitempty"`
	Location string   `json:"location,omitempty"`
	// State is Ginkgo's spec state: passed, failed, skipped, pending,
	// panicked, timedout, interrupted, aborted.
	State  string `json:"state"`
	Status Status `json:"status"`
	// Message is Ginkgo's failure or skip message, masked.
	Message string `json:"message,omitempty"`
	// HasResult is false when the spec attached no harness result.
	HasResult bool `json:"has_result"`
	// Inconclusive says why the scenario proved nothing, if it did not.
	Inconclusive string    `json:"inconclusive,omitempty"`
	Seed         int64     `json:"seed"`
	Mode         string    `json:"mode,omitempty"`
	Target       string    `json:"target,omitempty"`
	Traffic      string    `json:"traffic,omitempty"`
	Started      time.Time `json:"started"`
	Duration     Duration  `json:"duration_ms"`
	Faults       []Fault   `json:"faults,omitempty"`
	Window       Window    `json:"window"`
	Phases       []Phase   `json:"phases,omitempty"`
	// Recovered is false when the success rate never came back to its
	// baseline after the fault; RecoveryTime is then meaningless (0).
	Recovered    bool     `json:"recovered"`
	RecoveryTime Duration `json:"recovery_time_ms"`
	// Lag is the harness's own scheduling delay while the scenario ran,
	// which its timing verdicts allowed for; nil when none was measured.
	Lag         *Lag    `json:"harness_lag,omitempty"`
	MoneyAtRisk int64   `json:"money_at_risk"`
	Verdicts    []Check `json:"verdicts,omitempty"`
	Timeline    []Point `json:"timeline,omitempty"`
	Dir         string  `json:"dir,omitempty"`
	Reproduce   string  `json:"reproduce"`
}

// Lag is how much the harness itself was kept from running (a starved
// machine): the budgets of timing verdicts were widened by it, and the
// recovery time is net of it. A reader needs it to tell a slow service
// from a busy machine.
type Lag struct {
	// Worst is the longest pause; Lost the time lost in all.
	Worst Duration `json:"worst_ms"`
	Lost  Duration `json:"lost_ms"`
	// RecoveryLost is the part of Lost taken out of the recovery time.
	RecoveryLost Duration `json:"recovery_lost_ms,omitempty"`
}

// Fault is one fault of a scenario, its window and whether it acted.
type Fault struct {
	Name   string            `json:"name"`
	Kind   string            `json:"kind"`
	Params map[string]string `json:"params,omitempty"`
	Start  Duration          `json:"start_ms"`
	End    Duration          `json:"end_ms"`
	Hits   int64             `json:"hits"`
	Fired  bool              `json:"fired"`
}

// Window places the fault and the settle period on the scenario's clock.
type Window struct {
	FaultStart Duration `json:"fault_start_ms"`
	FaultEnd   Duration `json:"fault_end_ms"`
	SettleEnd  Duration `json:"settle_end_ms"`
}

// Phase holds the figures of one phase: before, during or after the fault.
type Phase struct {
	Phase   string `json:"phase"`
	OK      int    `json:"ok"`
	Fail    int    `json:"fail"`
	Unknown int    `json:"unknown"`
	Total   int    `json:"total"`
	// SuccessRate is OK / Total (unknown outcomes are not successes); 0
	// when the phase saw no operation.
	SuccessRate float64  `json:"success_rate"`
	P50         Duration `json:"p50_ms"`
	P95         Duration `json:"p95_ms"`
	P99         Duration `json:"p99_ms"`
	// Sample is up to SampleSize checkout latencies of the phase, evenly
	// spaced through its sorted latencies: what the baseline comparison
	// tests for a shift (see Compare).
	Sample []Duration `json:"latency_sample_ms,omitempty"`
}

// Check is one invariant's verdict with its evidence.
type Check struct {
	Invariant   string   `json:"invariant"`
	Result      string   `json:"result"` // pass, fail, skip
	Message     string   `json:"message,omitempty"`
	Orders      []string `json:"orders,omitempty"`
	Ops         []int    `json:"ops,omitempty"`
	Ledger      []string `json:"ledger,omitempty"`
	MoneyAtRisk int64    `json:"money_at_risk,omitempty"`
	// Inconclusive marks a skip because the machine was too busy to judge
	// the invariant's timing: the scenario is inconclusive, not failed.
	Inconclusive bool `json:"inconclusive,omitempty"`
}

// Check results, as the checker writes them.
const (
	ResultPass = "pass"
	ResultFail = "fail"
	ResultSkip = "skip"
)

// Point is one customer-facing operation on the timeline.
type Point struct {
	At      Duration `json:"at_ms"`
	Latency Duration `json:"latency_ms"`
	Outcome string   `json:"outcome"` // ok, fail, unknown
	Kind    string   `json:"kind"`
}

// BaselineRef identifies the run a report was compared with.
type BaselineRef struct {
	Started time.Time `json:"started"`
	Seed    int64     `json:"seed"`
	Verdict Verdict   `json:"verdict"`
	Score   int       `json:"score"`
	Margins Margins   `json:"margins"`
	// Runs is how many baseline runs the figures were judged against; the
	// fields above are the first one's.
	Runs int `json:"runs"`
}

// Duration is a time.Duration written in JSON as milliseconds (a number
// with up to six decimals), so the model reads well in jq and spreadsheets.
type Duration time.Duration

// MarshalJSON writes the duration in milliseconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(d)/1e6, 'f', -1, 64)), nil
}

// UnmarshalJSON reads milliseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("duration in milliseconds: %w", err)
	}
	if math.IsNaN(ms) || math.Abs(ms) > float64(math.MaxInt64)/1e6 {
		return fmt.Errorf("duration %v ms out of range", ms)
	}
	*d = Duration(math.Round(ms * 1e6))
	return nil
}

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Phase returns the scenario's figures for the named phase, if recorded.
func (s Scenario) Phase(name string) (Phase, bool) {
	for _, p := range s.Phases {
		if p.Phase == name {
			return p, true
		}
	}
	return Phase{}, false
}

// Check returns the scenario's verdict for an invariant, if it has one.
func (s Scenario) Check(invariant string) (Check, bool) {
	for _, c := range s.Verdicts {
		if c.Invariant == invariant {
			return c, true
		}
	}
	return Check{}, false
}

// Violations lists the checks that failed.
func (s Scenario) Violations() []Check {
	var out []Check
	for _, c := range s.Verdicts {
		if c.Result == ResultFail {
			out = append(out, c)
		}
	}
	return out
}

// conclusive reports whether the scenario's figures mean something: it ran
// to the end with a result and was neither inconclusive nor errored.
func (s Scenario) conclusive() bool {
	return s.HasResult && provedSomething(s)
}

// provedSomething reports whether a scenario's passing verdicts mean the
// invariants held: not when it was inconclusive or errored.
func provedSomething(s Scenario) bool {
	return s.Inconclusive == "" && (s.Status == StatusPass || s.Status == StatusFail)
}

// canonicalInvariants orders the matrix's columns as DESIGN.md lists the
// invariants; others follow in alphabetical order.
var canonicalInvariants = []string{
	"no-double-charge", "no-false-paid", "no-lost-money", "amount-integrity",
	"eventual-resolution", "refund-safety", "fail-fast", "webhook-authenticity",
	"input-safety", "no-secret-leak",
}

// refresh recomputes every derived field from the scenarios: each
// scenario's status from its verdicts (see deriveStatus), the totals with
// money summed without overflow, the headline and the capped score.
func (r *Report) refresh() {
	r.SchemaVersion = SchemaVersion
	for i := range r.Scenarios {
		s := &r.Scenarios[i]
		s.Status = deriveStatus(*s)
		if s.Status == StatusInconclusive && s.Inconclusive == "" {
			s.Inconclusive = noVerdictReason
		}
	}
	seen := map[string]bool{}
	var others []string
	for _, s := range r.Scenarios {
		for _, c := range s.Verdicts {
			if !seen[c.Invariant] {
				seen[c.Invariant] = true
				if !slices.Contains(canonicalInvariants, c.Invariant) {
					others = append(others, c.Invariant)
				}
			}
		}
	}
	slices.Sort(others)
	r.Invariants = r.Invariants[:0:0]
	for _, name := range canonicalInvariants {
		if seen[name] {
			r.Invariants = append(r.Invariants, name)
		}
	}
	r.Invariants = append(r.Invariants, others...)

	t := Totals{Scenarios: len(r.Scenarios)}
	for _, s := range r.Scenarios {
		switch s.Status {
		case StatusPass:
			t.Passed++
		case StatusFail:
			t.Failed++
		case StatusInconclusive:
			t.Inconclusive++
		case StatusError:
			t.Errored++
		case StatusSkipped:
			t.Skipped++
		}
		if s.TimingInconclusive() {
			t.TimingInconclusive++
		}
		t.Violations += len(s.Violations())
		t.MoneyAtRisk, t.MoneySaturated = addMoney(t.MoneyAtRisk, s.MoneyAtRisk, t.MoneySaturated)
	}
	t.Checks, t.ChecksHeld = checks(r.Scenarios)
	r.Totals = t
	r.Violated = violatedCounts(r.Scenarios)
	r.Score = capScore(score(t.Checks, t.ChecksHeld), r.Violated)
	r.Verdict = verdict(*r)
	r.ExitCode = ExitCode(*r, r.Regressions)
	r.Headline = headlineText(*r)
}

// checks counts the invariant checks behind the score. Every pass or fail
// verdict of a scenario that ran is one check; it held if it passed in a
// scenario that proved something. A pass in an inconclusive or errored
// scenario did not hold (it proved nothing), and such a scenario with no
// verdict at all counts as one check that did not hold. Skipped scenarios
// and "skip" verdicts count for nothing.
func checks(ss []Scenario) (total, held int) {
	for _, s := range ss {
		if s.Status == StatusSkipped {
			continue
		}
		proved := provedSomething(s)
		n := 0
		for _, c := range s.Verdicts {
			if c.Result != ResultPass && c.Result != ResultFail {
				continue
			}
			n++
			if c.Result == ResultPass && proved {
				held++
			}
		}
		if n == 0 && !proved {
			n = 1
		}
		total += n
	}
	return total, held
}

// score is the resilience score: the percentage of checks that held,
// rounded down so that 100 means every single check held. A run with no
// check scores 0.
func score(total, held int) int {
	if total == 0 {
		return 0
	}
	return held * 100 / total
}

// verdict derives the run's verdict from its scenarios' verdicts, never
// from their stored status fields.
func verdict(r Report) Verdict {
	ran := 0
	for _, s := range r.Scenarios {
		s.Status = deriveStatus(s)
		if s.Status == StatusFail {
			return VerdictFail
		}
		if s.Status != StatusSkipped {
			ran++
		}
	}
	if ran == 0 || r.Run.Interrupted || len(r.Run.SuiteFailures) > 0 {
		return VerdictInconclusive
	}
	for _, s := range r.Scenarios {
		if st := deriveStatus(s); st == StatusInconclusive || st == StatusError {
			return VerdictInconclusive
		}
	}
	return VerdictPass
}

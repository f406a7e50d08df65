package harness

import (
	"time"

	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/load"
)

// ReportEntryName is the name under which a scenario attaches its Result
// to Ginkgo's report; reports/ looks for it.
const ReportEntryName = "paychaos.result"

// Result is what one scenario run proved. It is plain data: attached to
// Ginkgo's report, saved as JSON and read back by reports/.
type Result struct {
	Scenario string        `json:"scenario"`
	Seed     int64         `json:"seed"`
	Mode     string        `json:"mode"`
	Target   string        `json:"target"`
	Traffic  string        `json:"traffic"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration"`

	Faults []FaultReport `json:"faults"`
	// Window is the fault window and settle deadline on the history clock.
	Window check.Window `json:"window"`
	Phases []PhaseStats `json:"phases"`
	// RecoveryTime is the time from the fault's recovery until the success
	// rate was back at its baseline, less RecoveryLost, the time the
	// harness itself lost meanwhile; -1 when it never came back.
	RecoveryTime time.Duration   `json:"recovery_time"`
	MoneyAtRisk  int64           `json:"money_at_risk"`
	Verdicts     []check.Verdict `json:"verdicts"`

	// HarnessLag is the longest the harness itself was kept from running
	// (a starved machine), and HarnessLost the time it lost in all; timing
	// verdicts allow for it (history.Lag).
	HarnessLag   time.Duration `json:"harness_lag,omitempty"`
	HarnessLost  time.Duration `json:"harness_lost,omitempty"`
	RecoveryLost time.Duration `json:"recovery_lost,omitempty"`

	// Inconclusive is set when the run proved nothing, e.g. because the
	// fault never acted. An inconclusive scenario is a failure.
	Inconclusive string `json:"inconclusive,omitempty"`
	// Reconciled are the orders the SUT resolved only once the harness
	// called its reconcile, after its own mechanisms had had their share
	// of the settle window.
	Reconciled []string `json:"reconciled,omitempty"`
	// Load is the open-loop traffic measured like a load tool (asked
	// against achieved, latency from due time per phase); nil for a
	// closed-loop profile.
	Load *load.Stats `json:"load,omitempty"`
	// Timeline is every customer-facing operation, for charts.
	Timeline []Point `json:"timeline"`
	// Dir is where the run's history and ledger were saved, if anywhere.
	Dir string `json:"dir,omitempty"`
	// Reproduce is the command that re-runs this scenario with its seed.
	Reproduce string `json:"reproduce,omitempty"`
}

// FaultReport says what a fault was, when it was on, and whether it
// acted: what fault.Play reports.
type FaultReport = fault.Report

// PhaseStats are the figures of one phase (before, during, after the fault).
type PhaseStats struct {
	Phase   history.Phase `json:"phase"`
	OK      int           `json:"ok"`
	Fail    int           `json:"fail"`
	Unknown int           `json:"unknown"`
	P50     time.Duration `json:"p50"`
	P95     time.Duration `json:"p95"`
	P99     time.Duration `json:"p99"`
}

// Total is the number of operations in the phase.
func (p PhaseStats) Total() int { return p.OK + p.Fail + p.Unknown }

// Point is one operation on the timeline chart.
type Point struct {
	At      time.Duration   `json:"at"`
	Latency time.Duration   `json:"latency"`
	Outcome history.Outcome `json:"outcome"`
	Kind    history.Kind    `json:"kind"`
}

// Failed lists the invariants that failed.
func (r Result) Failed() []check.Verdict {
	var out []check.Verdict
	for _, v := range r.Verdicts {
		if v.Result == check.Fail {
			out = append(out, v)
		}
	}
	return out
}

// Passed reports whether every invariant held and the run was conclusive.
func (r Result) Passed() bool { return r.Inconclusive == "" && len(r.Failed()) == 0 }

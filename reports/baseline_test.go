package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func kinds(regs []Regression) []string {
	var out []string
	for _, g := range regs {
		k := string(g.Kind) + ":" + g.Scenario
		if g.Invariant != "" {
			k += ":" + g.Invariant
		}
		out = append(out, k)
	}
	return out
}

// A run compared with itself has no regression, and its exit code is its
// verdict's.
func TestCompareSameRun(t *testing.T) {
	r := fixtureReport(t)
	if regs := Compare(r, r, Margins{}); len(regs) != 0 {
		t.Fatalf("a run regressed against itself: %v", kinds(regs))
	}
	if got := WithBaseline(r, r, DefaultMargins); got.ExitCode != ExitFindings || got.Baseline == nil || got.Baseline.Seed != 1234 {
		t.Fatalf("exit %d baseline %+v", got.ExitCode, got.Baseline)
	}
}

// The gate's proof: a clean baseline, then a run with an injected
// regression of each kind, is flagged in every writer and exits 1.
func TestCompareFlagsInjectedRegressions(t *testing.T) {
	clean := func() Report {
		r := fixtureReport(t)
		// Keep the conclusive scenarios only and make the outage pass: a
		// baseline that exits 0.
		r.Scenarios = slices.DeleteFunc(r.Scenarios, func(s Scenario) bool {
			return s.Status != StatusPass && s.Status != StatusFail
		})
		out := &r.Scenarios[1]
		out.Verdicts[1] = Check{Invariant: "no-false-paid", Result: ResultPass}
		out.State, out.MoneyAtRisk = "passed", 0
		r.refresh()
		return r
	}
	base := clean()
	if base.ExitCode != ExitOK {
		t.Fatalf("baseline exits %d, want 0", base.ExitCode)
	}

	// Within the margins: nothing.
	cur := clean()
	out := &cur.Scenarios[1]
	out.RecoveryTime = Duration(time.Duration(float64(out.RecoveryTime) * 1.2))
	during := slices.IndexFunc(out.Phases, func(p Phase) bool { return p.Phase == "during" })
	out.Phases[during].P99 = Duration(time.Duration(float64(out.Phases[during].P99) * 1.2))
	out.Phases[during].SuccessRate -= 0.04
	cur.refresh()
	if regs := Compare(base, cur, DefaultMargins); len(regs) != 0 {
		t.Fatalf("changes within the margins flagged: %v", kinds(regs))
	}
	// Past the margins: every figure, and the recovery.
	cur = clean()
	out = &cur.Scenarios[1]
	out.RecoveryTime = Duration(3 * time.Second) // 1.3s → 3s
	out.Phases[during].P99 = Duration(4 * time.Second)
	out.Phases[during].SuccessRate = 0.10 // 21% → 10%
	// And the baseline scenario now double charges.
	cur.Scenarios[0].Verdicts[0] = Check{Invariant: "no-double-charge", Result: ResultFail, Orders: []string{"ord_0003"}}
	cur.Scenarios[0].Status = StatusFail
	cur.refresh()
	regs := Compare(base, cur, DefaultMargins)
	want := []string{
		"newly-violated:baseline, no fault:no-double-charge",
		"recovery-time:provider outage",
		"p99-during-fault:provider outage",
		"success-rate-during-fault:provider outage",
	}
	if !slices.Equal(kinds(regs), want) {
		t.Fatalf("regressions\n got %v\nwant %v", kinds(regs), want)
	}
	if ExitCode(cur, regs) != ExitFindings {
		t.Errorf("exit %d, want 1", ExitCode(cur, regs))
	}

	// Figures alone (no violation) still fail the gate.
	cur.Scenarios[0] = base.Scenarios[0]
	cur.refresh()
	withBase := WithBaseline(cur, base, DefaultMargins)
	if len(withBase.Regressions) != 3 || withBase.Verdict != VerdictPass || withBase.ExitCode != ExitFindings {
		t.Fatalf("regressions %v verdict %s exit %d", kinds(withBase.Regressions), withBase.Verdict, withBase.ExitCode)
	}
	// Every writer lists them.
	for name, w := range map[string]func(*bytes.Buffer, Report) error{"md": md, "junit": junit, "json": js, "html": page_} {
		text := string(render(t, withBase, w))
		for _, kind := range []string{"recovery-time", "p99-during-fault", "success-rate-during-fault"} {
			if !strings.Contains(text, kind) {
				t.Errorf("%s output does not list %s", name, kind)
			}
		}
	}
	if md := string(render(t, withBase, md)); !strings.Contains(md, "REGRESSED") || !strings.Contains(md, "| provider outage | recovery-time | 1.30s | 3.00s |") {
		t.Errorf("summary:\n%s", md)
	}
}

func TestCompareNewlyInconclusive(t *testing.T) {
	base := fixtureReport(t)
	cur := fixtureReport(t)
	// The baseline scenario's fault... never fired this time; the crash
	// scenario was an error in both runs, so it is not new.
	cur.Scenarios[0].Inconclusive = "fault never fired"
	cur.Scenarios[0].Status = StatusInconclusive
	cur.refresh()
	regs := Compare(base, cur, DefaultMargins)
	if want := []string{"newly-inconclusive:baseline, no fault"}; !slices.Equal(kinds(regs), want) {
		t.Fatalf("got %v, want %v", kinds(regs), want)
	}
	// An inconclusive run is the harness's failure: 2 when nothing is
	// violated.
	cur.Scenarios = slices.DeleteFunc(cur.Scenarios, func(s Scenario) bool { return s.Status == StatusFail })
	cur.refresh()
	if got := ExitCode(cur, Compare(base, cur, DefaultMargins)); got != ExitHarness {
		t.Errorf("exit %d, want 2", got)
	}
}

// A scenario that stops recovering regresses; one that is new is only
// judged by its violations; one that disappeared is not a regression.
func TestCompareEdges(t *testing.T) {
	base := fixtureReport(t)
	cur := fixtureReport(t)
	cur.Scenarios[1].Recovered = false
	cur.Scenarios[1].RecoveryTime = 0
	newOne := cur.Scenarios[1]
	newOne.ID, newOne.Name = "brand new scenario", "brand new"
	cur.Scenarios = append(cur.Scenarios[:1], cur.Scenarios[1], newOne) // drops the rest
	cur.refresh()
	regs := Compare(base, cur, DefaultMargins)
	want := []string{"recovery-time:provider outage", "newly-violated:brand new:no-false-paid"}
	if !slices.Equal(kinds(regs), want) {
		t.Fatalf("got %v, want %v", kinds(regs), want)
	}
	if regs[0].Current != "never" || regs[1].Baseline != "absent" {
		t.Errorf("values: %+v", regs)
	}
	// The noise floor: a p99 that doubles from 10ms to 20ms is noise.
	b := Scenario{ID: "s", Name: "s", Status: StatusPass, HasResult: true, Recovered: true,
		Phases: []Phase{{Phase: "during", OK: 10, Total: 10, SuccessRate: 1, P99: Duration(10 * time.Millisecond)}}}
	c := b
	c.Phases = []Phase{{Phase: "during", OK: 10, Total: 10, SuccessRate: 1, P99: Duration(20 * time.Millisecond)}}
	if regs := Compare(Report{Scenarios: []Scenario{b}}, Report{Scenarios: []Scenario{c}}, DefaultMargins); len(regs) != 0 {
		t.Errorf("noise flagged: %v", kinds(regs))
	}
	if regs := Compare(Report{Scenarios: []Scenario{b}}, Report{Scenarios: []Scenario{c}}, Margins{}); len(regs) != 1 {
		t.Errorf("zero margins tolerate nothing, got %v", kinds(regs))
	}
}

// The baseline is read from the report.json an earlier run left.
func TestBaselineFromFile(t *testing.T) {
	dir := t.TempDir()
	base := fixtureReport(t)
	if err := WriteAll(dir, base); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(filepath.Join(dir, JSONName))
	if err != nil {
		t.Fatal(err)
	}
	cur := fixtureReport(t)
	cur.Scenarios[0].Phases[1].SuccessRate = 0.5
	cur.refresh()
	r := WithBaseline(cur, loaded, DefaultMargins)
	if want := []string{"success-rate-during-fault:baseline, no fault"}; !slices.Equal(kinds(r.Regressions), want) {
		t.Fatalf("got %v", kinds(r.Regressions))
	}
	if err := WriteAll(dir, r); err != nil {
		t.Fatal(err)
	}
	again, err := Load(filepath.Join(dir, JSONName))
	if err != nil || len(again.Regressions) != 1 || again.Baseline == nil || again.ExitCode != ExitFindings {
		t.Fatalf("reloaded: %v %+v", err, again.Regressions)
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.md")); err != nil {
		t.Fatal(err)
	}
}

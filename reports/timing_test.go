package reports

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

// A scenario the machine was too busy to time is inconclusive, not
// failed, and every format says so; one whose budgets were widened by the
// harness's lag says by how much.
func TestReportsShowTheHarnessLag(t *testing.T) {
	r := Report{Scenarios: []Scenario{
		{
			ID: "busy", Name: "busy", State: "failed", HasResult: true, Recovered: true,
			Inconclusive: "fail-fast: inconclusive for timing: the machine was too busy",
			Lag:          &Lag{Worst: Duration(1500 * time.Millisecond), Lost: Duration(4 * time.Second)},
			Verdicts: []Check{
				{Invariant: "no-double-charge", Result: ResultPass},
				{Invariant: "fail-fast", Result: ResultSkip, Inconclusive: true, Message: "inconclusive for timing"},
			},
		},
		{
			ID: "widened", Name: "widened", State: "passed", HasResult: true, Recovered: true,
			Lag:      &Lag{Worst: Duration(40 * time.Millisecond), Lost: Duration(90 * time.Millisecond), RecoveryLost: Duration(30 * time.Millisecond)},
			Verdicts: []Check{{Invariant: "fail-fast", Result: ResultPass}},
		},
	}}
	r.refresh()
	if r.Scenarios[0].Status != StatusInconclusive || r.Totals.Failed != 0 || r.Totals.TimingInconclusive != 1 {
		t.Fatalf("status %s, totals %+v: want the busy scenario inconclusive, none failed", r.Scenarios[0].Status, r.Totals)
	}
	if want := "the machine was too busy to judge the timing of 1 scenario (not failed)"; !strings.Contains(r.Headline, want) {
		t.Errorf("headline %q does not say %q", r.Headline, want)
	}
	busy := "inconclusive for timing, not failed: the machine was too busy to judge fail-fast; the harness lost 4.00s itself (longest pause 1.50s)"
	widened := "timing budgets widened by the harness's own lag: the harness lost 90ms itself (longest pause 40ms); the recovery time is net of 30ms of it"

	md := string(render(t, r, md))
	for _, want := range []string{"Harness timing: " + busy, "Harness timing: " + widened, "`fail-fast` (too busy to judge: inconclusive, not failed)"} {
		if !strings.Contains(md, mdText(want)) {
			t.Errorf("markdown does not say %q:\n%s", want, md)
		}
	}
	page := string(render(t, r, page_))
	for _, want := range []string{`class="alert warn timing"`, `class="note timing"`, "inconclusive for timing, not failed", "the recovery time is net of 30ms"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML does not say %q", want)
		}
	}
	var doc junitDoc
	out := render(t, r, junit)
	if err := validateJUnit(out); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	props := map[string]string{}
	for _, p := range doc.Suites[0].Properties {
		props[p.Name] = p.Value
	}
	if props["timing_inconclusive"] != "1" || props["timing_widened"] != "1" || props["harness_lag_worst_ms"] != "1500" {
		t.Errorf("junit properties %v", props)
	}
	if c := doc.Suites[0].Cases[0]; len(c.Failures) != 0 || !strings.Contains(c.SystemOut, "harness timing: "+busy) {
		t.Errorf("junit case of the busy scenario: %+v", c)
	}
	var back Report
	if err := json.Unmarshal(render(t, r, js), &back); err != nil {
		t.Fatal(err)
	}
	if l := back.Scenarios[1].Lag; l == nil || l.RecoveryLost.D() != 30*time.Millisecond || !back.Scenarios[0].Verdicts[1].Inconclusive {
		t.Errorf("JSON lost the lag or the inconclusive verdict: %+v", back.Scenarios)
	}
}

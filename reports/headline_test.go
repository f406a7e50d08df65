package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// falsePaidRun is a shop that calls orders paid on provider errors: one
// money invariant violated in each outage scenario, every other check of
// a large suite held. The old share-of-checks score gave it 96/100.
func falsePaidRun() Report {
	var ss []Scenario
	for i := range 25 {
		s := Scenario{ID: fmt.Sprintf("s%02d", i), Name: fmt.Sprintf("scenario %d", i), State: "passed", HasResult: true}
		for _, inv := range canonicalInvariants {
			s.Verdicts = append(s.Verdicts, Check{Invariant: inv, Result: ResultPass})
		}
		if i < 4 {
			s.State = "failed"
			s.Verdicts[1] = Check{Invariant: "no-false-paid", Result: ResultFail, Orders: []string{"ord_1"}, MoneyAtRisk: 2500}
			s.MoneyAtRisk = 2500
		}
		if i == 5 {
			s.State = "failed"
			s.Verdicts[6] = Check{Invariant: "fail-fast", Result: ResultFail}
		}
		ss = append(ss, s)
	}
	r := Report{Scenarios: ss}
	r.refresh()
	return r
}

func TestHeadlineLeadsWithMoneyLost(t *testing.T) {
	r := falsePaidRun()
	if r.Totals.Checks != 250 || r.Totals.ChecksHeld != 245 {
		t.Fatalf("checks %d held %d", r.Totals.Checks, r.Totals.ChecksHeld) // 98% held
	}
	if r.Score > MoneyScoreCap {
		t.Errorf("score %d: a run that lost money scores above %d", r.Score, MoneyScoreCap)
	}
	want := "FAIL — money at risk 10,000 (minor units) — worst: no-false-paid (a money invariant), violated in 4 of 25 scenarios — scenarios violated per invariant: no-false-paid 4, fail-fast 1"
	if r.Headline != want {
		t.Errorf("headline\n got %s\nwant %s", r.Headline, want)
	}
	if len(r.Violated) != 2 || r.Violated[0] != (InvariantCount{Invariant: "no-false-paid", Money: true, Scenarios: 4, MoneyAtRisk: 10000}) ||
		r.Violated[1].Invariant != "fail-fast" || r.Violated[1].Money {
		t.Errorf("violated: %+v", r.Violated)
	}
	// Every writer leads with it.
	firstLine := func(b []byte) string { return string(bytes.SplitN(b, []byte("\n"), 2)[0]) }
	if got := firstLine(render(t, r, md)); got != "# paychaos: ❌ "+want {
		t.Errorf("summary.md starts with %q", got)
	}
	page := string(render(t, r, page_))
	if !strings.Contains(page, "<title>paychaos: "+strings.ReplaceAll(want, "(a money", "(a money")) ||
		!strings.Contains(page, `id="violated"`) {
		t.Errorf("index.html lacks the headline or the violated table")
	}
	if x := string(render(t, r, junit)); !strings.Contains(x, `<property name="headline" value="`+want+`">`) {
		t.Errorf("junit.xml lacks the headline")
	}
	var back struct {
		Headline string           `json:"headline"`
		Violated []InvariantCount `json:"violated"`
	}
	if err := json.Unmarshal(render(t, r, js), &back); err != nil || back.Headline != want || len(back.Violated) != 2 {
		t.Errorf("report.json: %v %+v", err, back)
	}

	// A non-money violation alone caps the score less low.
	r.Scenarios = r.Scenarios[4:]
	r.refresh()
	if r.Score != ViolationScoreCap || !strings.HasPrefix(r.Headline, "FAIL — no money recorded at risk — worst: fail-fast, violated in 1 of 21") {
		t.Errorf("score %d headline %s", r.Score, r.Headline)
	}
	r.Scenarios = r.Scenarios[2:]
	r.refresh()
	if r.Score != 100 || r.Headline != "PASS — every invariant held in 19 scenarios; no money at risk" {
		t.Errorf("score %d headline %s", r.Score, r.Headline)
	}
}

// report.json's status field is never trusted: a status that says pass
// over a violation still fails, and a status the model does not know is
// bad input, not a pass.
func TestStatusFromVerdicts(t *testing.T) {
	base := fixtureReport(t)
	b := render(t, base, js)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, bogus := range []string{"FAIL", "failed", "bogus", "PASS"} {
		edited := bytes.ReplaceAll(b, []byte(`"status": "fail"`), []byte(`"status": "`+bogus+`"`))
		_, err := Load(write(bogus+".json", edited))
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), `unknown status "`+bogus+`"`) {
			t.Errorf("status %q: %v", bogus, err)
		}
	}
	// Every scenario called "pass": the verdicts still decide.
	lie := bytes.ReplaceAll(b, []byte(`"status": "fail"`), []byte(`"status": "pass"`))
	lie = bytes.ReplaceAll(lie, []byte(`"status": "inconclusive"`), []byte(`"status": "pass"`))
	lie = bytes.ReplaceAll(lie, []byte(`"status": "error"`), []byte(`"status": "pass"`))
	r, err := Load(write("lie.json", lie))
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != VerdictFail || r.ExitCode != ExitFindings || r.Scenarios[1].Status != StatusFail ||
		r.Scenarios[2].Status != StatusInconclusive || r.Scenarios[3].Status != StatusError {
		t.Errorf("verdict %s exit %d statuses %s %s %s", r.Verdict, r.ExitCode, r.Scenarios[1].Status, r.Scenarios[2].Status, r.Scenarios[3].Status)
	}
	for name, edit := range map[string][2]string{
		"state":  {`"state": "passed"`, `"state": "fine"`},
		"result": {`"result": "fail"`, `"result": "FAIL"`},
		"money":  {`"money_at_risk": 7500,`, `"money_at_risk": -7500,`},
	} {
		_, err := Load(write(name+".json", bytes.Replace(b, []byte(edit[0]), []byte(edit[1]), 1)))
		if !errors.Is(err, ErrBadInput) {
			t.Errorf("%s %s: %v", name, edit[1], err)
		}
	}
}

func TestDeriveStatus(t *testing.T) {
	pass := Check{Invariant: "a", Result: ResultPass}
	fail := Check{Invariant: "a", Result: ResultFail}
	for _, c := range []struct {
		name string
		s    Scenario
		want Status
	}{
		{"held", Scenario{State: "passed", HasResult: true, Verdicts: []Check{pass}}, StatusPass},
		{"violated, whatever Ginkgo says", Scenario{State: "skipped", HasResult: true, Verdicts: []Check{fail}}, StatusFail},
		{"inconclusive", Scenario{State: "failed", HasResult: true, Inconclusive: "x", Verdicts: []Check{pass}}, StatusInconclusive},
		{"judged nothing", Scenario{State: "passed", HasResult: true, Verdicts: []Check{{Invariant: "a", Result: ResultSkip}}}, StatusInconclusive},
		{"spec failed after its result", Scenario{State: "panicked", HasResult: true, Verdicts: []Check{pass}}, StatusError},
		{"no result, timed out", Scenario{State: "timedout"}, StatusError},
		{"no result, no state", Scenario{Status: StatusPass}, StatusError},
		{"no result, passed", Scenario{State: "passed"}, StatusPass},
		{"pending", Scenario{State: "pending", Status: StatusPass}, StatusSkipped},
	} {
		if got := deriveStatus(c.s); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	r := Report{Scenarios: []Scenario{{State: "passed", HasResult: true}}}
	r.refresh()
	if r.Verdict != VerdictInconclusive || r.Scenarios[0].Inconclusive != noVerdictReason {
		t.Errorf("a result with no verdict: %s %q", r.Verdict, r.Scenarios[0].Inconclusive)
	}
}

// Money at risk saturates instead of wrapping: two MaxInt64 gave -2.
func TestMoneySaturates(t *testing.T) {
	big := func(id string) Scenario {
		return Scenario{ID: id, State: "failed", HasResult: true, MoneyAtRisk: math.MaxInt64,
			Verdicts: []Check{{Invariant: "no-double-charge", Result: ResultFail, MoneyAtRisk: math.MaxInt64}}}
	}
	r := Report{Scenarios: []Scenario{big("a"), big("b")}}
	r.refresh()
	if r.Totals.MoneyAtRisk != math.MaxInt64 || !r.Totals.MoneySaturated || !r.Violated[0].MoneySaturated {
		t.Fatalf("totals %+v violated %+v", r.Totals, r.Violated)
	}
	if !strings.Contains(r.Headline, "money at risk more than 9,223,372,036,854,775,807") {
		t.Errorf("headline %s", r.Headline)
	}
	if x := string(render(t, r, js)); !strings.Contains(x, `"money_at_risk_saturated": true`) {
		t.Errorf("report.json does not say the sum saturated")
	}
	if sum, sat := addMoney(1, 2, false); sum != 3 || sat {
		t.Errorf("1+2 = %d %v", sum, sat)
	}
}

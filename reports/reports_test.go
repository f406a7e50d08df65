package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/paychaos/paychaos/harness"
)

func render(t *testing.T, r Report, write func(w *bytes.Buffer, r Report) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func md(w *bytes.Buffer, r Report) error    { return WriteMarkdown(w, r) }
func junit(w *bytes.Buffer, r Report) error { return WriteJUnit(w, r) }
func js(w *bytes.Buffer, r Report) error    { return WriteJSON(w, r) }
func page_(w *bytes.Buffer, r Report) error { return WriteHTML(w, r) }

func TestGolden(t *testing.T) {
	r := fixtureReport(t)
	golden(t, "summary.golden.md", render(t, r, md))
	golden(t, "junit.golden.xml", render(t, r, junit))
	golden(t, "report.golden.json", render(t, r, js))
}

// The same run read in process (entries hold Go values, one of them a
// pointer) and back from Ginkgo's JSON (entries are maps) gives the same
// report.
func TestInProcessAndJSONAgree(t *testing.T) {
	inProc, err := FromGinkgo(fixtureReports(), fixtureMeta)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON := fixtureReport(t)
	a, b := render(t, inProc, js), render(t, fromJSON, js)
	if !bytes.Equal(a, b) {
		t.Errorf("in-process and JSON reports differ:\n%s", firstDiff(string(a), string(b)))
	}
}

func TestFromGinkgoScenarios(t *testing.T) {
	r := fixtureReport(t)
	type row struct {
		name, state string
		status      Status
		hasResult   bool
	}
	var got []row
	for _, s := range r.Scenarios {
		got = append(got, row{s.Name, s.State, s.Status, s.HasResult})
	}
	want := []row{ // source order, suite nodes left out
		{"baseline, no fault", "passed", StatusPass, true},
		{"provider outage", "failed", StatusFail, true},
		{"provider latency 3s", "failed", StatusInconclusive, true},
		{"SUT killed mid-payment", "timedout", StatusError, false},
		{"SUT cut off from the provider", "skipped", StatusSkipped, false},
		{"webhooks delivered out of order", "pending", StatusSkipped, false},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("scenarios:\n got %v\nwant %v", got, want)
	}
	if r.Verdict != VerdictFail || r.ExitCode != ExitFindings {
		t.Errorf("verdict %s exit %d, want fail 1", r.Verdict, r.ExitCode)
	}
	if r.Run.Seed != 1234 || r.Run.Mode != "embedded" || r.Run.Target != "shop" || r.Run.Duration.D() != 97*time.Second ||
		!r.Run.Started.Equal(fixtureStart) || r.Run.Versions["paychaos"] != "v0.1.0-test" || r.Run.LabelFilter != "!load" {
		t.Errorf("run metadata: %+v", r.Run)
	}
	if base := r.Scenarios[0]; len(base.Faults) != 0 || firedText(base) != "no fault" {
		t.Errorf("the baseline's fault \"none\" should read as no fault: %+v", base.Faults)
	}
	skipped := r.Scenarios[4]
	if !strings.Contains(skipped.Message, "containers mode") {
		t.Errorf("skipped scenario lost its reason: %q", skipped.Message)
	}
	crashed := r.Scenarios[3]
	if !strings.Contains(crashed.Message, "spec timeout") || !strings.Contains(crashed.Reproduce, "--seed=1234") ||
		!strings.Contains(crashed.Reproduce, `--focus='^process faults SUT killed mid-payment$'`) {
		t.Errorf("errored scenario: message %q reproduce %q", crashed.Message, crashed.Reproduce)
	}
	out := r.Scenarios[1]
	if len(out.Faults) != 1 || !out.Faults[0].Fired || out.Faults[0].Hits != 37 || out.RecoveryTime.D() != 1300*time.Millisecond ||
		!out.Recovered || out.MoneyAtRisk != 7500 || len(out.Timeline) != 220 || !slices.Equal(out.Labels, []string{"outage"}) {
		t.Errorf("outage scenario: %+v", out)
	}
	if p, ok := out.Phase("during"); !ok || p.Total != 100 || p.SuccessRate != 0.21 || p.P99.D() != 2190*time.Millisecond {
		t.Errorf("during phase: %+v", p)
	}
	if lat := r.Scenarios[2]; lat.Faults[0].Fired || !strings.Contains(lat.Inconclusive, "never fired") {
		t.Errorf("latency scenario: %+v", lat.Faults)
	}
	// Checks: baseline 3 held (its skip counts for nothing); outage 7 held
	// + 1 violated (2 skips); latency 3 not held (inconclusive); crash 1 not
	// held (no verdict). 10 of 15 would be 66, but no-false-paid is a
	// money invariant: the score is capped at 10.
	if r.Totals.Checks != 15 || r.Totals.ChecksHeld != 10 || r.Score != MoneyScoreCap {
		t.Errorf("checks %d held %d score %d, want 15 10 %d", r.Totals.Checks, r.Totals.ChecksHeld, r.Score, MoneyScoreCap)
	}
	if !slices.Equal(r.Invariants, canonicalInvariants) {
		t.Errorf("invariants: %v", r.Invariants)
	}
}

// No writer may carry the secret key or the card number the fixture
// planted in a verdict and in a failure message.
func TestOutputsMaskSecrets(t *testing.T) {
	r := fixtureReport(t)
	for name, w := range map[string]func(*bytes.Buffer, Report) error{"md": md, "junit": junit, "json": js, "html": page_} {
		out := string(render(t, r, w))
		if strings.Contains(out, plantedKey) || strings.Contains(out, "51HxYz") || strings.Contains(out, plantedPAN) {
			t.Errorf("%s output leaks a secret", name)
		}
		if !strings.Contains(out, "sk_test_****") || !strings.Contains(out, "****4242") {
			t.Errorf("%s output lost the masked forms", name)
		}
	}
}

// The spine's proof: against a flawed shop, the summary names the violated
// invariant and the orders involved.
func TestSummaryNamesViolationAndOrders(t *testing.T) {
	out := string(render(t, fixtureReport(t), md))
	for _, want := range []string{"FAIL", "no-false-paid", "`ord_0007`", "`ord_0012`", "`ord_0019`", "provider outage",
		"seed `1234`", "| during | 21 | 49 | 30 |", "provider-outage 5.00s → 15.00s (fired 37×)", "Exit code 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"key sk_test_51HxYzAbC and rk_live_abc9": "key sk_test_**** and rk_live_****",
		"whsec_abcDEF123 signed":                 "whsec_**** signed",
		"pk_test_public stays":                   "pk_test_public stays",
		"card 4242424242424242.":                 "card ****4242.",
		"card 4000 0000 0000 0002 declined":      "card ****0002 declined",
		"card 4242-4242-4242-4242":               "card ****4242",
		"order 1234567890123 is no card":         "order 1234567890123 is no card", // fails Luhn
		// A card number after an underscore is a leak to the checker, so
		// the report hides it too (secret.Find is both's definition).
		"id pi_4242424242424242 is no id":          "id pi_****4242 is no id",
		"already masked sk_test_**** and ****4242": "already masked sk_test_**** and ****4242",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	b, err := json.Marshal(struct{ D Duration }{Duration(1500*time.Microsecond + 7)})
	if err != nil || string(b) != `{"D":1.500007}` {
		t.Fatalf("marshal: %s %v", b, err)
	}
	var back struct{ D Duration }
	if err := json.Unmarshal(b, &back); err != nil || back.D.D() != 1500*time.Microsecond+7 {
		t.Fatalf("unmarshal: %v %v", back.D.D(), err)
	}
	if err := json.Unmarshal([]byte(`{"D":"soon"}`), &back); err == nil {
		t.Fatal("a string duration was accepted")
	}
}

func TestLoadRoundTrip(t *testing.T) {
	r := fixtureReport(t)
	path := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(path, render(t, r, js), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := render(t, r, js), render(t, back, js); !bytes.Equal(a, b) {
		t.Errorf("round trip changed the report:\n%s", firstDiff(string(a), string(b)))
	}
	// Load also takes a Ginkgo report directly.
	g, err := Load(fixtureJSON)
	if err != nil || len(g.Scenarios) != 6 || g.Verdict != VerdictFail {
		t.Fatalf("load ginkgo report: %v, %d scenarios, %s", err, len(g.Scenarios), g.Verdict)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	valid, err := os.ReadFile(fixtureJSON)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badEntry := strings.Replace(string(valid), `\"scenario\":\"provider outage\"`, `\"scenario\":5`, 1)
	if badEntry == string(valid) {
		t.Fatal("fixture has no entry to corrupt")
	}
	cases := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.json"), "no such file"},
		{"empty", write("empty.json", "  \n"), "empty"},
		{"truncated", write("trunc.json", string(valid[:len(valid)/2])), "truncated JSON"},
		{"object", write("object.json", `{"hello": "world"}`), "expected an array"},
		{"numbers", write("numbers.json", `[1, 2]`), "unexpected JSON shape"},
		{"foreign array", write("foreign.json", `[{"name": "x", "ok": true}]`), "not a Ginkgo JSON report"},
		{"no suite", write("none.json", `[]`), "no suite"},
		{"bad entry", write("entry.json", badEntry), "decode entry paychaos.result"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := ReadGinkgo(c.path)
			if err == nil {
				_, err = FromGinkgo(rs, Meta{})
			}
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrBadInput mentioning %q", err, c.want)
			}
		})
	}
	if _, err := ReadGinkgo(filepath.Join(dir, "nope.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file error does not wrap os.ErrNotExist: %v", err)
	}

	// Load: a missing baseline, a foreign object, a newer schema.
	for name, c := range map[string]struct{ content, want string }{
		"foreign": {`{"hello": 1}`, "no schema_version"},
		"newer":   {`{"schema_version": 99}`, "schema_version 99"},
		"garbage": {`hello`, "not a paychaos report.json"},
		"cut":     {`{"schema_version": 1, "run": {`, "truncated"},
	} {
		_, err := Load(write(name+".json", c.content))
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load %s: got %v, want ErrBadInput mentioning %q", name, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "baseline.json")); !errors.Is(err, ErrBadInput) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing baseline: %v", err)
	}
}

// An entry holding nothing decodable is bad input, not a silent pass.
func TestNullEntryIsBadInput(t *testing.T) {
	rs := fixtureReports()
	rs[0].SpecReports[2].ReportEntries = types.ReportEntries{{Name: harness.ReportEntryName}}
	if _, err := FromGinkgo(rs, Meta{}); !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "no value") {
		t.Fatalf("got %v", err)
	}
}

func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := WriteAll(dir, fixtureReport(t)); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if info, _ := e.Info(); info.Size() == 0 {
			t.Errorf("%s is empty", e.Name())
		}
	}
	if want := []string{"index.html", "junit.xml", "report.json", "summary.md"}; !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	// A directory that cannot be created changes nothing and says why.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteAll(filepath.Join(blocker, "out"), fixtureReport(t)); err == nil || !strings.Contains(err.Error(), "create report dir") {
		t.Fatalf("got %v", err)
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	out := string(render(t, fixtureReport(t), page_))
	for _, bad := range []string{"<script", "<link", "<img", "@import", "url(", "src=", `href="http`, "//fonts."} {
		if strings.Contains(out, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{`id="verdict"`, "Content-Security-Policy", `<svg class="timeline"`, `class="fault"`,
		"no-false-paid", "ord_0007", "@media print", "fault latency-3s never fired"} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestScore(t *testing.T) {
	pass := Check{Invariant: "a", Result: ResultPass}
	fail := Check{Invariant: "b", Result: ResultFail}
	skip := Check{Invariant: "c", Result: ResultSkip}
	for _, c := range []struct {
		name string
		ss   []Scenario
		want int
	}{
		{"all held", []Scenario{{Status: StatusPass, HasResult: true, Verdicts: []Check{pass, pass, skip}}}, 100},
		{"one of three violated, capped", []Scenario{{Status: StatusFail, HasResult: true, Verdicts: []Check{pass, pass, fail}}}, ViolationScoreCap},
		{"a money invariant violated, capped low", []Scenario{{HasResult: true, Verdicts: append(slices.Repeat([]Check{pass}, 99),
			Check{Invariant: "no-false-paid", Result: ResultFail})}}, MoneyScoreCap},
		{"inconclusive proves nothing", []Scenario{
			{Status: StatusPass, HasResult: true, Verdicts: []Check{pass}},
			{Status: StatusInconclusive, HasResult: true, Inconclusive: "x", Verdicts: []Check{pass}},
		}, 50},
		{"errored counts as one", []Scenario{
			{Status: StatusPass, HasResult: true, Verdicts: []Check{pass, pass, pass}},
			{Status: StatusError},
		}, 75},
		{"skipped counts for nothing", []Scenario{
			{Status: StatusPass, HasResult: true, Verdicts: []Check{pass}},
			{State: "skipped"},
		}, 100},
		{"nothing ran", []Scenario{{State: "pending"}}, 0},
		{"99.9 is not 100", []Scenario{
			{HasResult: true, Verdicts: slices.Repeat([]Check{pass}, 999)},
			{HasResult: true, Inconclusive: "x"},
		}, 99},
	} {
		r := Report{Scenarios: c.ss}
		r.refresh()
		if r.Score != c.want {
			t.Errorf("%s: score %d, want %d", c.name, r.Score, c.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	pass := Scenario{ID: "p", Status: StatusPass, HasResult: true, Verdicts: []Check{{Invariant: "a", Result: ResultPass}}}
	fail := Scenario{ID: "f", Status: StatusFail, HasResult: true, Verdicts: []Check{{Invariant: "a", Result: ResultFail}}}
	inc := Scenario{ID: "i", Status: StatusInconclusive, HasResult: true, Inconclusive: "no hit"}
	errd := Scenario{ID: "e", Status: StatusError}
	skip := Scenario{ID: "s", State: "skipped"}
	reg := []Regression{{Kind: SlowerLatency}}
	for _, c := range []struct {
		name string
		r    Report
		regs []Regression
		want int
	}{
		{"all hold", Report{Scenarios: []Scenario{pass, skip}}, nil, ExitOK},
		{"violation", Report{Scenarios: []Scenario{pass, fail}}, nil, ExitFindings},
		{"regression", Report{Scenarios: []Scenario{pass}}, reg, ExitFindings},
		{"inconclusive", Report{Scenarios: []Scenario{pass, inc}}, nil, ExitHarness},
		{"inconclusive beats regression", Report{Scenarios: []Scenario{pass, inc}}, reg, ExitHarness},
		{"violation beats inconclusive", Report{Scenarios: []Scenario{fail, inc}}, nil, ExitFindings},
		{"harness error", Report{Scenarios: []Scenario{pass, errd}}, nil, ExitHarness},
		{"interrupted", Report{Run: Run{Interrupted: true}, Scenarios: []Scenario{pass}}, nil, ExitHarness},
		{"suite failure", Report{Run: Run{SuiteFailures: []string{"BeforeSuite failed"}}, Scenarios: []Scenario{pass}}, nil, ExitHarness},
		{"nothing ran", Report{Scenarios: []Scenario{skip}}, nil, ExitHarness},
		{"empty", Report{}, nil, ExitHarness},
	} {
		if got := ExitCode(c.r, c.regs); got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
	}
}

// Interruption and suite-level failures are read from Ginkgo's report.
func TestInterruptedRun(t *testing.T) {
	rs := fixtureReports()
	rs[0].SpecialSuiteFailureReasons = []string{"Interrupted by User"}
	rs[0].SpecReports[0].State = types.SpecStateFailed
	rs[0].SpecReports[0].Failure.Message = "could not start toxiproxy"
	// Only the violation-free scenarios: the run must be inconclusive.
	rs[0].SpecReports = slices.Delete(rs[0].SpecReports, 3, 4)
	r, err := FromGinkgo(rs, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Run.Interrupted || len(r.Run.SuiteFailures) != 2 || r.Verdict != VerdictInconclusive || r.ExitCode != ExitHarness {
		t.Fatalf("interrupted %v failures %q verdict %s exit %d", r.Run.Interrupted, r.Run.SuiteFailures, r.Verdict, r.ExitCode)
	}
	x := string(render(t, r, junit))
	if !strings.Contains(x, "suite failure 2: BeforeSuite failed: could not start toxiproxy") {
		t.Errorf("junit lacks the suite failure:\n%s", x)
	}
}

package reports

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness/history"
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
	if got := WithBaseline(r, r, DefaultMargins); got.ExitCode != ExitFindings || got.Baseline == nil || got.Baseline.Seed != 1234 || got.Baseline.Runs != 1 {
		t.Fatalf("exit %d baseline %+v", got.ExitCode, got.Baseline)
	}
}

// drawn is one run of a scenario whose checkouts come from a fixed
// distribution, as a re-run of an unchanged service gives: before and
// after the fault 20–80 ms, during it half fail fast, a third time out
// near 2 s, the rest succeed slowly. slow is added to every latency under
// fault; okShare replaces the share of successes under fault when set.
func drawn(seed uint64, name string, slow time.Duration, okShare float64) Scenario {
	r := rand.New(rand.NewPCG(seed, 99))
	from, to, total := 5*time.Second, 15*time.Second, 20*time.Second
	s := Scenario{ID: "outage " + name, Name: name, State: "passed", HasResult: true, Recovered: true,
		Window:   Window{FaultStart: Duration(from), FaultEnd: Duration(to), SettleEnd: Duration(total)},
		Verdicts: []Check{{Invariant: "no-double-charge", Result: ResultPass}},
		// The recovery time jitters from run to run.
		RecoveryTime: Duration(time.Duration(300+r.IntN(900)) * time.Millisecond),
	}
	phases := map[string]*Phase{"before": {Phase: "before"}, "during": {Phase: "during"}, "after": {Phase: "after"}}
	for i := range 400 {
		at := total * time.Duration(i) / 400
		out, lat := history.OK, time.Duration(20+r.IntN(60))*time.Millisecond
		ph := string(history.PhaseAt(at, from, to))
		if ph == "during" {
			switch x := r.Float64(); {
			case okShare > 0 && x < okShare, okShare == 0 && x < 0.2:
				out, lat = history.OK, time.Duration(40+r.IntN(200))*time.Millisecond
			case x < 0.6:
				out, lat = history.Fail, time.Duration(2+r.IntN(8))*time.Millisecond
			default:
				out, lat = history.Unknown, 2*time.Second+time.Duration(r.IntN(300))*time.Millisecond
			}
			lat += slow
		}
		s.Timeline = append(s.Timeline, Point{At: Duration(at), Latency: Duration(lat), Outcome: string(out), Kind: string(history.Pay)})
		p := phases[ph]
		p.Total++
		switch out {
		case history.OK:
			p.OK++
		case history.Fail:
			p.Fail++
		default:
			p.Unknown++
		}
	}
	for _, name := range []string{"before", "during", "after"} {
		p := phases[name]
		p.SuccessRate = float64(p.OK) / float64(p.Total)
		s.Phases = append(s.Phases, *p)
	}
	fillSamples(&s)
	return s
}

func drawnRun(seed uint64, slow time.Duration, okShare float64) Report {
	var r Report
	for i, name := range []string{"provider outage", "provider reset", "webhook reorder", "webhook bad signature"} {
		r.Scenarios = append(r.Scenarios, drawn(seed*10+uint64(i), name, slow, okShare))
	}
	r.refresh()
	return r
}

// Re-runs of an unchanged service differ by chance alone: none of 200
// pairs of them, nor a run against five earlier ones, is a regression.
func TestCompareRerunsOfTheSameService(t *testing.T) {
	for seed := range uint64(200) {
		base, cur := drawnRun(2*seed+1, 0, 0), drawnRun(2*seed+2, 0, 0)
		if regs := Compare(base, cur, DefaultMargins); len(regs) != 0 {
			t.Fatalf("seed %d: a re-run regressed: %v\n%v", seed, kinds(regs), regs[0].Message)
		}
	}
	var bases []Report
	for seed := range uint64(5) {
		bases = append(bases, drawnRun(1000+seed, 0, 0))
	}
	for seed := range uint64(50) {
		if regs := CompareRuns(bases, drawnRun(2000+seed, 0, 0), DefaultMargins); len(regs) != 0 {
			t.Fatalf("seed %d: a re-run regressed against 5 runs: %v\n%v", seed, kinds(regs), regs[0].Message)
		}
	}
}

// A real change is flagged: 200 ms more on every checkout under fault,
// and a success rate under fault that falls from 20% to 5%.
func TestCompareFlagsRealChange(t *testing.T) {
	base := drawnRun(1, 0, 0)
	for seed := range uint64(20) {
		cur := drawnRun(100+seed, 200*time.Millisecond, 0)
		regs := Compare(base, cur, DefaultMargins)
		if got := kinds(regs); len(got) != 4 || !slices.ContainsFunc(got, func(k string) bool { return strings.HasPrefix(k, "latency-during-fault:") }) {
			t.Fatalf("seed %d: +200ms flagged as %v", seed, got)
		}
		if !regexp.MustCompile(`slower by about (19\d|20\d)ms`).MatchString(regs[0].Message) || !strings.Contains(regs[0].Message, "Mann-Whitney p") {
			t.Errorf("message: %s", regs[0].Message)
		}
	}
	regs := Compare(base, drawnRun(7, 0, 0.05), DefaultMargins)
	if got := kinds(regs); len(got) != 4 || !strings.HasPrefix(got[0], "success-rate-during-fault:") {
		t.Fatalf("success rate 20%% → 5%% flagged as %v", got)
	}
	// Below the noise floor, however significant: +30 ms.
	if regs := Compare(base, drawnRun(8, 30*time.Millisecond, 0), DefaultMargins); len(regs) != 0 {
		t.Errorf("+30ms flagged: %v", kinds(regs))
	}
}

// One run gives one recovery time: it is judged only against the spread
// of several baseline runs.
func TestCompareRecoveryTime(t *testing.T) {
	one := drawnRun(1, 0, 0)
	cur := drawnRun(2, 0, 0)
	cur.Scenarios[0].RecoveryTime = Duration(4 * time.Second)
	cur.Scenarios[1].Recovered, cur.Scenarios[1].RecoveryTime = false, 0
	cur.refresh()
	if regs := Compare(one, cur, DefaultMargins); len(regs) != 0 {
		t.Fatalf("a single baseline run judged the recovery time: %v", kinds(regs))
	}
	three := []Report{drawnRun(3, 0, 0), drawnRun(4, 0, 0), drawnRun(5, 0, 0)}
	regs := CompareRuns(three, cur, DefaultMargins)
	if got := kinds(regs); !slices.Equal(got, []string{"recovery-time:provider outage", "recovery-time:provider reset"}) {
		t.Fatalf("got %v", got)
	}
	if regs[1].Current != "never" || !strings.Contains(regs[0].Baseline, "over 3 runs") {
		t.Errorf("values: %+v", regs)
	}
	// Within the runs' spread: nothing.
	again := drawnRun(6, 0, 0)
	if regs := CompareRuns(three, again, DefaultMargins); len(regs) != 0 {
		t.Errorf("a re-run's recovery flagged: %v", kinds(regs))
	}
}

// Newly violated invariants and newly inconclusive scenarios gate as
// before, whatever the statistics say.
func TestCompareNewlyInconclusive(t *testing.T) {
	base := fixtureReport(t)
	cur := fixtureReport(t)
	// The baseline scenario's fault... never fired this time; the crash
	// scenario was an error in both runs, so it is not new.
	cur.Scenarios[0].Inconclusive = "fault never fired"
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

// A new violation gates; one that is new is only judged by its
// violations; one that disappeared is not a regression; a violation some
// baseline run already had is not new.
func TestCompareNewlyViolated(t *testing.T) {
	base := drawnRun(1, 0, 0)
	cur := drawnRun(2, 0, 0)
	cur.Scenarios[0].Verdicts[0] = Check{Invariant: "no-double-charge", Result: ResultFail, Orders: []string{"ord_3"}}
	newOne := cur.Scenarios[0]
	newOne.ID, newOne.Name = "brand new scenario", "brand new"
	cur.Scenarios = append(cur.Scenarios[:1], newOne) // drops the rest
	cur.refresh()
	regs := Compare(base, cur, DefaultMargins)
	want := []string{"newly-violated:provider outage:no-double-charge", "newly-violated:brand new:no-double-charge"}
	if !slices.Equal(kinds(regs), want) {
		t.Fatalf("got %v, want %v", kinds(regs), want)
	}
	if regs[0].Baseline != "pass" || regs[1].Baseline != "absent" || ExitCode(cur, regs) != ExitFindings {
		t.Errorf("values: %+v", regs)
	}
	flaky := drawnRun(3, 0, 0)
	flaky.Scenarios[0].Verdicts[0].Result = ResultFail
	flaky.refresh()
	if regs := CompareRuns([]Report{base, flaky}, cur, DefaultMargins); !slices.Equal(kinds(regs), want[1:]) {
		t.Errorf("a violation a baseline run had is new: %v", kinds(regs))
	}
}

// Every writer lists the regressions.
func TestRegressionsInEveryWriter(t *testing.T) {
	base := drawnRun(1, 0, 0)
	withBase := WithBaseline(drawnRun(2, 200*time.Millisecond, 0.05), base, DefaultMargins)
	if withBase.Verdict != VerdictPass || withBase.ExitCode != ExitFindings || len(withBase.Regressions) != 8 {
		t.Fatalf("regressions %v verdict %s exit %d", kinds(withBase.Regressions), withBase.Verdict, withBase.ExitCode)
	}
	for name, w := range map[string]func(*bytes.Buffer, Report) error{"md": md, "junit": junit, "json": js, "html": page_} {
		text := string(render(t, withBase, w))
		for _, want := range []string{"latency-during-fault", "success-rate-during-fault", "Mann-Whitney"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s output does not say %s", name, want)
			}
		}
	}
	if md := string(render(t, withBase, md)); !strings.Contains(md, "REGRESSED") || !strings.Contains(md, "Baseline: 1 run") {
		t.Errorf("summary:\n%s", md)
	}
}

// The baseline is read from the report.json an earlier run left, with its
// latency samples.
func TestBaselineFromFile(t *testing.T) {
	dir := t.TempDir()
	base := drawnRun(1, 0, 0)
	if err := WriteAll(dir, base); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(filepath.Join(dir, JSONName))
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := loaded.Scenarios[0].Phase("during"); len(p.Sample) != SampleSize {
		t.Fatalf("loaded sample of %d latencies", len(p.Sample))
	}
	r := WithBaseline(drawnRun(2, 300*time.Millisecond, 0), loaded, DefaultMargins)
	if len(r.Regressions) != 4 {
		t.Fatalf("got %v", kinds(r.Regressions))
	}
	if err := WriteAll(dir, r); err != nil {
		t.Fatal(err)
	}
	again, err := Load(filepath.Join(dir, JSONName))
	if err != nil || len(again.Regressions) != 4 || again.Baseline == nil || again.ExitCode != ExitFindings {
		t.Fatalf("reloaded: %v %+v", err, again.Regressions)
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.md")); err != nil {
		t.Fatal(err)
	}
}

// A schema 1 report kept no samples: they are drawn from its timeline.
func TestSchemaOneSamplesFromTimeline(t *testing.T) {
	r := drawnRun(1, 0, 0)
	for i := range r.Scenarios {
		for j := range r.Scenarios[i].Phases {
			r.Scenarios[i].Phases[j].Sample = nil
		}
	}
	b := render(t, r, js)
	b = bytes.Replace(b, []byte(fmt.Sprintf(`"schema_version": %d`, SchemaVersion)), []byte(`"schema_version": 1`), 1)
	path := filepath.Join(t.TempDir(), "v1.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := back.Scenarios[0].Phase("during"); len(p.Sample) < minSample {
		t.Fatalf("no sample drawn from the timeline: %d", len(p.Sample))
	}
}

func TestLatencySample(t *testing.T) {
	var lat []Duration
	for i := range 1000 {
		lat = append(lat, Duration(999-i))
	}
	s := latencySample(lat)
	if len(s) != SampleSize || !slices.IsSorted(s) || s[0] > 10 || s[len(s)-1] < 990 || median(s) < 490 || median(s) > 510 {
		t.Fatalf("sample: %d values from %d to %d, median %d", len(s), s[0], s[len(s)-1], median(s))
	}
	if got := latencySample([]Duration{3, 1, 2}); !slices.Equal(got, []Duration{1, 2, 3}) {
		t.Errorf("a short phase is kept whole: %v", got)
	}
}

// A busier machine slows every phase of a run: the shift under fault is
// judged net of the one before it, so it is not a regression; the same
// shift under fault alone is.
func TestCompareDiscountsTheRunsOwnPace(t *testing.T) {
	base := drawnRun(1, 0, 0)
	slower := func(r Report, before, during time.Duration) Report {
		for i := range r.Scenarios {
			s := &r.Scenarios[i]
			for j, p := range s.Timeline {
				add := before
				if history.PhaseAt(p.At.D(), s.Window.FaultStart.D(), s.Window.FaultEnd.D()) == history.During {
					add = during
				}
				s.Timeline[j].Latency += Duration(add)
			}
			fillSamples(s)
		}
		r.refresh()
		return r
	}
	if regs := Compare(base, slower(drawnRun(2, 0, 0), 150*time.Millisecond, 150*time.Millisecond), DefaultMargins); len(regs) != 0 {
		t.Errorf("a run slower in every phase flagged: %v", kinds(regs))
	}
	regs := Compare(base, slower(drawnRun(3, 0, 0), 150*time.Millisecond, 400*time.Millisecond), DefaultMargins)
	if len(regs) != 4 || regs[0].Kind != SlowerLatency || !strings.Contains(regs[0].Message, "more than the run's pace before the fault") {
		t.Fatalf("250ms more under fault than before: %v", kinds(regs))
	}
}

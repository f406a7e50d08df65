package reports

import (
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/history"
)

var update = flag.Bool("update", false, "rewrite the golden files and the JSON fixture under testdata/")

// fixtureJSON is the Ginkgo JSON report written from fixtureReports by
// -update with Ginkgo's own reporter, so reading it exercises the decode
// path a real run takes (entries come back as maps).
const fixtureJSON = "testdata/ginkgo-report.json"

var fixtureStart = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// Secrets planted in the fixture; no output may contain them.
const (
	plantedKey = "sk_test_51HxYzAbCdEf0123456789"
	plantedPAN = "4242424242424242"
)

// timeline makes a deterministic run of n operations over total, with the
// fault window [from, to) hurting as hurt says.
func timeline(seed uint64, n int, total, from, to time.Duration, hurt func(r *rand.Rand) (history.Outcome, time.Duration)) []harness.Point {
	r := rand.New(rand.NewPCG(seed, 7))
	pts := make([]harness.Point, 0, n)
	for i := range n {
		at := total * time.Duration(i) / time.Duration(n)
		out, lat := history.OK, time.Duration(20+r.IntN(60))*time.Millisecond
		if at >= from && at < to && hurt != nil {
			out, lat = hurt(r)
		}
		kind := history.Pay
		if i%5 == 4 {
			kind = history.Get
			lat /= 3
		}
		pts = append(pts, harness.Point{At: at, Latency: lat, Outcome: out, Kind: kind})
	}
	return pts
}

func phases(before, during, after harness.PhaseStats) []harness.PhaseStats {
	before.Phase, during.Phase, after.Phase = history.Before, history.During, history.After
	return []harness.PhaseStats{before, during, after}
}

func baselineResult() harness.Result {
	return harness.Result{
		Scenario: "baseline, no fault", Seed: 1234, Mode: "embedded", Target: "shop", Traffic: "steady",
		Started: fixtureStart.Add(2 * time.Second), Duration: 21 * time.Second,
		// The harness reports its baseline as the fault "none".
		Faults: []harness.FaultReport{{Name: "none", Kind: "none", Start: 6 * time.Second, End: 12 * time.Second}},
		Window: check.Window{FaultStart: 6 * time.Second, FaultEnd: 12 * time.Second, SettleEnd: 18 * time.Second},
		Phases: phases(
			harness.PhaseStats{OK: 60, P50: 45 * time.Millisecond, P95: 74 * time.Millisecond, P99: 78 * time.Millisecond},
			harness.PhaseStats{OK: 60, P50: 46 * time.Millisecond, P95: 75 * time.Millisecond, P99: 79 * time.Millisecond},
			harness.PhaseStats{OK: 60, P50: 44 * time.Millisecond, P95: 73 * time.Millisecond, P99: 77 * time.Millisecond},
		),
		RecoveryTime: 0,
		// A little lag, as on any machine: the budgets widen by it.
		HarnessLag: 35 * time.Millisecond, HarnessLost: 120 * time.Millisecond,
		Verdicts: []check.Verdict{
			{Invariant: "no-double-charge", Result: check.Pass},
			{Invariant: "no-false-paid", Result: check.Pass},
			{Invariant: "eventual-resolution", Result: check.Pass},
			{Invariant: "fail-fast", Result: check.Skip, Message: "no fault: nothing to fail fast for"},
		},
		Timeline:  timeline(1, 180, 18*time.Second, 0, 0, nil),
		Reproduce: "go run ./cmd/paychaos run --seed 1234 --label-filter smoke",
	}
}

func outageResult() harness.Result {
	hurt := func(r *rand.Rand) (history.Outcome, time.Duration) {
		switch x := r.IntN(10); {
		case x < 5:
			return history.Fail, time.Duration(2+r.IntN(5)) * time.Millisecond
		case x < 8:
			return history.Unknown, 2*time.Second + time.Duration(r.IntN(200))*time.Millisecond
		}
		return history.OK, time.Duration(30+r.IntN(40)) * time.Millisecond
	}
	return harness.Result{
		Scenario: "provider outage", Seed: 1234, Mode: "embedded", Target: "shop", Traffic: "steady",
		Started: fixtureStart.Add(25 * time.Second), Duration: 27 * time.Second,
		Faults: []harness.FaultReport{{
			Name: "provider-outage", Kind: "network", Params: map[string]string{"link": "provider", "mode": "refuse"},
			Start: 5 * time.Second, End: 15 * time.Second, Hits: 37,
		}},
		Window: check.Window{FaultStart: 5 * time.Second, FaultEnd: 15 * time.Second, SettleEnd: 22 * time.Second},
		Phases: phases(
			harness.PhaseStats{OK: 50, P50: 44 * time.Millisecond, P95: 72 * time.Millisecond, P99: 79 * time.Millisecond},
			harness.PhaseStats{OK: 21, Fail: 49, Unknown: 30, P50: 5 * time.Millisecond, P95: 2150 * time.Millisecond, P99: 2190 * time.Millisecond},
			harness.PhaseStats{OK: 68, Fail: 2, P50: 47 * time.Millisecond, P95: 76 * time.Millisecond, P99: 90 * time.Millisecond},
		),
		RecoveryTime: 1300 * time.Millisecond,
		HarnessLag:   60 * time.Millisecond, HarnessLost: 400 * time.Millisecond, RecoveryLost: 200 * time.Millisecond,
		MoneyAtRisk: 7500,
		Verdicts: []check.Verdict{
			{Invariant: "no-double-charge", Result: check.Pass},
			{
				Invariant: "no-false-paid", Result: check.Fail,
				Message: "3 orders are paid in the shop with no successful capture at the provider (card " + plantedPAN + ", key " + plantedKey + ")",
				Orders:  []string{"ord_0007", "ord_0012", "ord_0019"},
				Ops:     []int{41, 57, 88},
				Ledger:  []string{"pi_3Qa1", "pi_3Qa4"},
				// The amounts of the three orders.
				MoneyAtRisk: 7500,
			},
			{Invariant: "eventual-resolution", Result: check.Pass},
			{Invariant: "fail-fast", Result: check.Pass},
			// The rest of the catalogue, so the table has its full width.
			{Invariant: "no-lost-money", Result: check.Pass},
			{Invariant: "amount-integrity", Result: check.Pass},
			{Invariant: "refund-safety", Result: check.Pass},
			{Invariant: "webhook-authenticity", Result: check.Skip, Message: "no webhook sent"},
			{Invariant: "input-safety", Result: check.Skip, Message: "no attack sent"},
			{Invariant: "no-secret-leak", Result: check.Pass},
		},
		Timeline:  timeline(2, 220, 22*time.Second, 5*time.Second, 15*time.Second, hurt),
		Dir:       "runs/1234/provider-outage",
		Reproduce: "go run ./cmd/paychaos run --seed 1234 --label-filter outage",
	}
}

func latencyResult() harness.Result {
	return harness.Result{
		Scenario: "provider latency 3s", Seed: 1234, Mode: "embedded", Target: "shop", Traffic: "steady",
		Started: fixtureStart.Add(55 * time.Second), Duration: 20 * time.Second,
		Faults: []harness.FaultReport{{
			Name: "latency-3s", Kind: "network", Params: map[string]string{"latency": "3s", "jitter": "200ms"},
			Start: 4 * time.Second, End: 12 * time.Second, Hits: 0,
		}},
		Window: check.Window{FaultStart: 4 * time.Second, FaultEnd: 12 * time.Second, SettleEnd: 16 * time.Second},
		Phases: phases(
			harness.PhaseStats{OK: 40, P50: 45 * time.Millisecond, P95: 70 * time.Millisecond, P99: 75 * time.Millisecond},
			harness.PhaseStats{OK: 80, P50: 45 * time.Millisecond, P95: 71 * time.Millisecond, P99: 76 * time.Millisecond},
			harness.PhaseStats{OK: 40, P50: 44 * time.Millisecond, P95: 70 * time.Millisecond, P99: 74 * time.Millisecond},
		),
		RecoveryTime: 0,
		Verdicts: []check.Verdict{
			{Invariant: "no-double-charge", Result: check.Pass},
			{Invariant: "no-false-paid", Result: check.Pass},
			{Invariant: "eventual-resolution", Result: check.Pass},
			// A starved machine: too busy to judge the checkouts' timing.
			{
				Invariant: "fail-fast", Result: check.Skip, Inconclusive: true,
				Message: "inconclusive for timing: the machine was too busy to judge 4 checkouts against the 5s budget",
			},
		},
		HarnessLag: 1800 * time.Millisecond, HarnessLost: 6200 * time.Millisecond,
		Inconclusive: "fault latency-3s never fired: 0 toxic hits (keep-alive connections outlived the window)",
		Timeline:     timeline(3, 160, 16*time.Second, 0, 0, nil),
	}
}

func entry(v any) types.ReportEntries {
	return types.ReportEntries{{
		Name:       harness.ReportEntryName,
		Visibility: types.ReportEntryVisibilityNever,
		Time:       fixtureStart,
		Value:      types.WrapEntryValue(v),
	}}
}

func loc(line int) types.CodeLocation {
	return types.CodeLocation{FileName: "/src/paychaos/scenarios/scenarios_test.go", LineNumber: line}
}

// fixtureReports is a hand-made Ginkgo report of a run against a flawed
// shop: a passing baseline, an outage that catches no-false-paid, an
// inconclusive latency scenario, a spec that timed out before producing a
// result, a skipped and a pending spec, plus suite nodes that must not
// count as scenarios. The entries hold the Go values, as in process.
func fixtureReports() []types.Report {
	at := func(s int) time.Time { return fixtureStart.Add(time.Duration(s) * time.Second) }
	specs := types.SpecReports{
		{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePassed, StartTime: at(0), EndTime: at(2), RunTime: 2 * time.Second},
		// Run order is random; the report orders by source location.
		{
			ContainerHierarchyTexts: []string{"network faults"}, ContainerHierarchyLabels: [][]string{{"latency"}},
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "provider latency 3s", LeafNodeLocation: loc(61),
			State: types.SpecStateFailed, StartTime: at(55), EndTime: at(75), RunTime: 20 * time.Second,
			Failure:       types.Failure{Message: "scenario inconclusive: fault latency-3s never fired", Location: loc(66)},
			ReportEntries: entry(latencyResult()),
		},
		{
			ContainerHierarchyTexts: []string{"baseline"}, ContainerHierarchyLabels: [][]string{{"smoke"}},
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "holds every invariant with no fault", LeafNodeLocation: loc(20),
			State: types.SpecStatePassed, StartTime: at(2), EndTime: at(23), RunTime: 21 * time.Second,
			ReportEntries: entry(baselineResult()),
		},
		{
			ContainerHierarchyTexts: []string{"provider faults"}, ContainerHierarchyLabels: [][]string{{"outage"}},
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "provider outage during checkout", LeafNodeLocation: loc(40),
			State: types.SpecStateFailed, StartTime: at(25), EndTime: at(52), RunTime: 27 * time.Second,
			Failure: types.Failure{
				Message:  "invariants violated:\nno-false-paid: 3 orders are paid in the shop with no successful capture\nSUT said: Bearer " + plantedKey,
				Location: loc(47),
			},
			ReportEntries: entry(new(outageResult())),
		},
		{
			ContainerHierarchyTexts: []string{"process faults"}, ContainerHierarchyLabels: [][]string{{"crash"}},
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "SUT killed mid-payment", LeafNodeLocation: loc(80),
			State: types.SpecStateTimedout, StartTime: at(76), EndTime: at(96), RunTime: 20 * time.Second,
			Failure: types.Failure{
				Message:  "A spec timeout occurred\nwaiting for the shop to come back on 127.0.0.1:41733: connection refused",
				Location: loc(84),
			},
		},
		{
			ContainerHierarchyTexts: []string{"partition faults"}, ContainerHierarchyLabels: [][]string{{"partition"}},
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "SUT cut off from the provider", LeafNodeLocation: loc(100),
			State: types.SpecStateSkipped, StartTime: at(96), EndTime: at(96),
			Failure: types.Failure{Message: "partition needs the containers mode; this run is embedded", Location: loc(101)},
		},
		{
			ContainerHierarchyTexts: []string{"webhook faults"}, ContainerHierarchyLabels: [][]string{{"webhook"}},
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "webhooks delivered out of order", LeafNodeLocation: loc(120),
			State: types.SpecStatePending,
		},
		{LeafNodeType: types.NodeTypeAfterSuite, State: types.SpecStatePassed, StartTime: at(96), EndTime: at(97), RunTime: time.Second},
	}
	return []types.Report{{
		SuitePath:        "/src/paychaos/scenarios",
		SuiteDescription: "paychaos scenarios",
		SuiteSucceeded:   false,
		PreRunStats:      types.PreRunStats{TotalSpecs: 6, SpecsThatWillRun: 4},
		StartTime:        fixtureStart,
		EndTime:          fixtureStart.Add(97 * time.Second),
		RunTime:          97 * time.Second,
		SuiteConfig:      types.SuiteConfig{RandomSeed: 1234, LabelFilter: "!load", ParallelTotal: 1, ParallelProcess: 1},
		SpecReports:      specs,
	}}
}

var fixtureMeta = Meta{Versions: map[string]string{"paychaos": "v0.1.0-test", "go": "go1.26"}}

// readFixture reads the JSON fixture, rewriting it first under -update.
func readFixture(t *testing.T) []types.Report {
	t.Helper()
	if *update {
		if err := reporters.GenerateJSONReport(fixtureReports()[0], fixtureJSON); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := ReadGinkgo(fixtureJSON)
	if err != nil {
		t.Fatalf("read fixture (run go test ./reports -run TestGolden -update once): %v", err)
	}
	return rs
}

func fixtureReport(t *testing.T) Report {
	t.Helper()
	r, err := FromGinkgo(readFixture(t), fixtureMeta)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./reports -update and review the diff.\n%s", name, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	lo := max(i-120, 0)
	return "want …" + want[lo:min(i+120, len(want))] + "…\ngot  …" + got[lo:min(i+120, len(got))] + "…"
}

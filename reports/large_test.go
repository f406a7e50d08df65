package reports

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/history"
)

// largeGinkgo is a Ginkgo report of n scenarios of 80 checkouts each, as
// a long suite leaves: about 12.7 kB of JSON per scenario.
func largeGinkgo(n int) types.Report {
	r := rand.New(rand.NewPCG(1, 2))
	var specs types.SpecReports
	for i := range n {
		res := harness.Result{
			Scenario: fmt.Sprintf("scenario %d", i), Seed: 1, Mode: "embedded", Target: "shop", Traffic: "steady",
			Started: fixtureStart, Duration: 20 * time.Second,
			Faults: []harness.FaultReport{{Name: "provider-outage", Kind: "network", Start: 5 * time.Second, End: 15 * time.Second, Hits: 3}},
			Window: check.Window{FaultStart: 5 * time.Second, FaultEnd: 15 * time.Second, SettleEnd: 20 * time.Second},
			Phases: phases(harness.PhaseStats{OK: 20}, harness.PhaseStats{OK: 40}, harness.PhaseStats{OK: 20}),
			Verdicts: []check.Verdict{
				{Invariant: "no-double-charge", Result: check.Pass}, {Invariant: "no-false-paid", Result: check.Pass},
			},
		}
		for j := range 80 {
			res.Timeline = append(res.Timeline, harness.Point{At: time.Duration(j) * 250 * time.Millisecond,
				Latency: time.Duration(r.IntN(100e6)), Outcome: history.OK, Kind: history.Pay})
		}
		specs = append(specs, types.SpecReport{
			ContainerHierarchyTexts: []string{"family"}, LeafNodeType: types.NodeTypeIt, LeafNodeText: fmt.Sprintf("scenario %d", i),
			LeafNodeLocation: loc(i), State: types.SpecStatePassed,
			StartTime: fixtureStart, EndTime: fixtureStart.Add(time.Second), RunTime: time.Second,
			ReportEntries: entry(res),
		})
	}
	return types.Report{SuitePath: "/src/paychaos/scenarios", SuiteDescription: "large", StartTime: fixtureStart,
		EndTime: fixtureStart.Add(time.Hour), SpecReports: specs, SuiteConfig: types.SuiteConfig{RandomSeed: 1}}
}

// BenchmarkReportLarge is `paychaos report` on a large run: stream the
// Ginkgo JSON in, write the four files out.
func BenchmarkReportLarge(b *testing.B) {
	for _, n := range []int{2000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			in := filepath.Join(dir, "ginkgo.json")
			if err := reporters.GenerateJSONReport(largeGinkgo(n), in); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				r, err := Load(in)
				if err != nil {
					b.Fatal(err)
				}
				if err := WriteAll(filepath.Join(dir, "out"), r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

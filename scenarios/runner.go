package scenarios

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/paychaos/paychaos/harness"
)

// RunOptions configure RunSuite.
type RunOptions struct {
	Config      Config
	LabelFilter string
	Focus       []string
	Seed        int64
	// JSONReport is where Ginkgo's JSON report goes; reports/ reads it.
	JSONReport string
	// JUnitReport, when set, is where Ginkgo's own JUnit report goes.
	JUnitReport string
	// Progress receives one line per scenario as it finishes.
	Progress io.Writer
	// Color turns on Ginkgo's colours (a terminal).
	Color   bool
	Verbose bool
	// Shard, when Total > 1, runs only every Total-th selected scenario
	// starting at Index; the others are skipped with ShardSkip as the
	// reason. Shards of one seed and filter split the suite between
	// processes: run them side by side and merge their reports.
	Shard Shard
}

// Shard is one part of a suite split between processes.
type Shard struct{ Index, Total int }

// ShardSkip is the skip message of scenarios that belong to another shard.
const ShardSkip = "paychaos: scenario runs in another shard"

type failT struct{ failed bool }

func (t *failT) Fail() { t.failed = true }

// RunSuite registers PaymentResilience and runs it in this process,
// serially, so that a binary runs the suite without the Go toolchain. It
// reports whether every selected scenario passed. It may be called once
// per process (a Ginkgo rule).
func RunSuite(o RunOptions) bool {
	PaymentResilience(o.Config)
	gomega.RegisterFailHandler(Fail)
	if o.Shard.Total > 1 {
		// Every shard sees the same specs in the same order (one seed, one
		// filter), so counting them deals them out without coordination.
		seq := 0
		BeforeEach(func() {
			n := seq
			seq++
			if n%o.Shard.Total != o.Shard.Index {
				Skip(ShardSkip)
			}
		})
	}

	var (
		mu    sync.Mutex
		total int
		done  int
	)
	ReportBeforeSuite(func(r Report) {
		mu.Lock()
		total = r.PreRunStats.SpecsThatWillRun
		mu.Unlock()
		if o.Progress != nil && o.Shard.Total <= 1 {
			fmt.Fprintf(o.Progress, "paychaos: running %d scenario(s), seed %d\n", total, r.SuiteConfig.RandomSeed)
		}
	})
	ReportAfterEach(func(sr SpecReport) {
		if o.Progress == nil || sr.LeafNodeType != types.NodeTypeIt || sr.State.Is(types.SpecStateSkipped|types.SpecStatePending) {
			return
		}
		if o.Shard.Total > 1 {
			// The parent process numbers the lines of all its shards.
			fmt.Fprintf(o.Progress, "%s %s (%s)\n", sr.FullText(), verdict(sr), sr.RunTime.Round(100*time.Millisecond))
			printFailure(o.Progress, sr)
			return
		}
		mu.Lock()
		done++
		n := done
		mu.Unlock()
		fmt.Fprintf(o.Progress, "[%d/%d] %s %s (%s)\n", n, total, sr.FullText(), verdict(sr), sr.RunTime.Round(100*time.Millisecond))
		printFailure(o.Progress, sr)
	})

	sc, rc := GinkgoConfiguration()
	sc.LabelFilter = o.LabelFilter
	sc.FocusStrings = o.Focus
	if o.Seed != 0 {
		sc.RandomSeed = o.Seed
	}
	sc.FailOnEmpty = true
	rc.JSONReport = o.JSONReport
	rc.JUnitReport = o.JUnitReport
	rc.NoColor = !o.Color
	rc.Succinct = !o.Verbose
	rc.Verbose = o.Verbose
	t := &failT{}
	ok := RunSpecs(t, "paychaos scenarios", sc, rc)
	return ok && !t.failed
}

// printFailure prints a failed scenario's message as Ginkgo saw it: the
// invariant, the orders, the reproduce command.
func printFailure(w io.Writer, sr SpecReport) {
	if !sr.Failed() {
		return
	}
	for _, line := range strings.Split(strings.TrimSpace(sr.Failure.Message), "\n") {
		fmt.Fprintf(w, "      %s\n", line)
	}
}

// verdict is a scenario's one-word outcome for progress lines.
func verdict(sr SpecReport) string {
	if sr.State == types.SpecStatePassed {
		return "PASS"
	}
	for _, e := range sr.ReportEntries {
		if e.Name != harness.ReportEntryName {
			continue
		}
		if r, ok := e.GetRawValue().(harness.Result); ok {
			if len(r.Failed()) > 0 {
				names := make([]string, 0, len(r.Failed()))
				for _, v := range r.Failed() {
					names = append(names, v.Invariant)
				}
				return "FAIL " + strings.Join(names, ",")
			}
			if r.Inconclusive != "" {
				return "INCONCLUSIVE"
			}
		}
	}
	return strings.ToUpper(sr.State.String())
}

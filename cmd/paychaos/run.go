package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/spf13/cobra"

	"github.com/paychaos/paychaos/examples/shop/checkout"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/reports"
	"github.com/paychaos/paychaos/scenarios"
)

// defaultFilter leaves out the long scenarios; an empty filter runs all.
const defaultFilter = "!slow"

type runFlags struct {
	labelFilter string
	focus       []string
	seed        int64
	out         string
	flaws       string
	baselines   []string
	mode        string
	target      string
	toxiproxy   string
	provider    string
	// providerToken is the fake provider's control API token (remote).
	providerToken string
	tokenFile     string // a file holding providerToken
	parallel      int
	shard         string // i/n: run as one shard of a parallel run (internal)
	verbose       bool
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the scenario suite and write the reports",
		Long: `Run the scenario suite against the reference shop (embedded: the fake
provider, Toxiproxy and the shop run on loopback, no Docker needed), print a
line per scenario and a summary, and write index.html, summary.md, junit.xml
and report.json to --out.

Scenarios are split between --parallel processes, each with its own
provider, proxy and shop. The seed and the label filter select and order
the same scenarios whatever the parallelism.`,
		Example: `  paychaos run
  paychaos run --label-filter smoke
  paychaos run --label-filter 'outage || ambiguous' --parallel 2
  paychaos run --seed 42 --focus "provider outage"
  paychaos run --target examples/shop/target.yaml --label-filter smoke
  SHOP_FLAWS=mark-paid-on-error paychaos run   # must fail: proves the checks bite`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSuite(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.labelFilter, "label-filter", defaultFilter, "Ginkgo label filter, e.g. 'smoke' or 'outage && !slow'; '' runs every scenario")
	fl.StringSliceVar(&f.focus, "focus", nil, "run only scenarios whose full name matches this regular expression")
	fl.Int64Var(&f.seed, "seed", 0, "seed for every random choice (0: time-based; printed either way)")
	fl.StringVar(&f.out, "out", "reports/out", "directory for the reports and saved runs")
	fl.StringVar(&f.flaws, "flaws", os.Getenv("SHOP_FLAWS"), "reference shop flaws to switch on, comma-separated (env SHOP_FLAWS)")
	fl.StringArrayVar(&f.baselines, "baseline", nil, "a previous report.json to compare with, repeat it for several runs; regressions fail the run")
	fl.StringVar(&f.mode, "mode", modeEmbedded, "where the provider, Toxiproxy and the SUT run: embedded (this machine, no Docker), containers (Docker), remote (servers that run already)")
	fl.StringVar(&f.toxiproxy, "toxiproxy", "", "remote mode: the Toxiproxy server's API URL")
	fl.StringVar(&f.provider, "provider", "", "remote mode: the fake provider's URL (paychaos provider)")
	fl.StringVar(&f.providerToken, "provider-token", os.Getenv(tokenEnv), "remote mode: the provider's control token (shows in a process list: prefer env PAYCHAOS_PROVIDER_TOKEN or --token-file)")
	fl.StringVar(&f.tokenFile, "token-file", "", "remote mode: a file holding the provider's control token")
	fl.StringVar(&f.target, "target", "", "a target file describing your service (default: the built-in reference shop)")
	fl.IntVarP(&f.parallel, "parallel", "p", 4, "scenarios run at once, each in its own process")
	fl.StringVar(&f.shard, "shard", "", "")
	_ = fl.MarkHidden("shard")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print every step of every scenario (runs serially)")
	return cmd
}

func runSuite(cmd *cobra.Command, f runFlags) error {
	if f.parallel < 1 || f.parallel > 64 {
		return fmt.Errorf("--parallel %d: want 1 to 64", f.parallel)
	}
	var target sut.Target
	if f.target != "" {
		var err error
		if target, err = sut.LoadTarget(f.target); err != nil { // a bad file should not cost a run
			return err
		}
		if err := target.CheckCommands(f.mode == modeEmbedded); err != nil {
			return err
		}
		if f.flaws != "" && os.Getenv("SHOP_FLAWS") != f.flaws {
			return fmt.Errorf("--flaws switches flaws of the built-in reference shop; with --target, configure your service yourself")
		}
		f.flaws = ""
	}
	if _, err := checkout.ParseFlaws(f.flaws); err != nil {
		return fmt.Errorf("--flaws: %w", err)
	}
	if err := checkMode(&f); err != nil {
		return err
	}
	orphaned := watchParent()
	if f.shard != "" {
		return runShard(cmd, f, orphaned)
	}
	bases, err := loadBaselines(f.baselines) // first: a bad baseline should not cost a run
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", f.out, err)
	}
	if f.seed == 0 {
		f.seed = 1 + time.Now().UnixNano()%1_000_000 // never 0: Ginkgo reads 0 as "pick one"
	}
	// Setup runs once, here; the scenarios (and their shards) only tear down.
	if err := sut.Setup(cmd.Context(), target); err != nil {
		return fmt.Errorf("target %s: %w", f.target, err)
	}
	start := time.Now()
	w := cmd.OutOrStdout()
	removeTemp, err := runTemp()
	if err != nil {
		return err
	}
	defer removeTemp()
	var suite types.Report
	var interrupted bool
	if f.parallel == 1 || f.verbose {
		suite, err = runSerial(w, f)
	} else {
		suite, interrupted, err = runParallel(w, f)
	}
	if err != nil {
		return err
	}
	meta := reports.Meta{
		Mode: f.mode, Target: targetName(f), Seed: f.seed, Interrupted: interrupted,
		Versions: map[string]string{"paychaos": version, "go": runtime.Version()},
	}
	if !target.Budgets.IsZero() {
		meta.Versions["budgets"] = target.Budgets.String() // shown beside the run's versions
	}
	rep, err := reports.FromGinkgo([]types.Report{suite}, meta)
	if err != nil {
		return err
	}
	if len(bases) > 0 {
		rep = reports.WithBaselines(rep, bases, reports.DefaultMargins)
	}
	if err := reports.WriteAll(f.out, rep); err != nil {
		return fmt.Errorf("write reports: %w", err)
	}
	printSummary(w, rep, f.out, time.Since(start))
	if rep.ExitCode != 0 {
		return &exitError{code: rep.ExitCode}
	}
	return nil
}

// runSerial runs the suite in this process.
func runSerial(w io.Writer, f runFlags) (types.Report, error) {
	ginkgoJSON := filepath.Join(f.out, "ginkgo.json")
	_ = os.Remove(ginkgoJSON)
	progress := w
	if !f.verbose && w == os.Stdout {
		orig, restore, err := divertStdout(filepath.Join(f.out, "ginkgo.log"))
		if err != nil {
			return types.Report{}, err
		}
		defer restore()
		progress = orig
	}
	var onPhase func(string, string)
	if !f.verbose {
		st := newStatus(progress)
		defer st.Close()
		progress = &lineWriter{out: st.Line}
		onPhase = func(scenario, phase string) { st.Phase("", scenario, phase) }
	}
	o, release, err := options(f, ginkgoJSON, progress, scenarios.Shard{}, onPhase)
	if err != nil {
		return types.Report{}, err
	}
	scenarios.RunSuite(o)
	if err := release(); err != nil {
		fmt.Fprintf(os.Stderr, "paychaos: clean up: %v\n", err)
	}
	return readSuite(ginkgoJSON)
}

// runShard is one child of a parallel run.
func runShard(cmd *cobra.Command, f runFlags, orphaned func() bool) error {
	var sh scenarios.Shard
	if _, err := fmt.Sscanf(f.shard, "%d/%d", &sh.Index, &sh.Total); err != nil || sh.Total < 2 || sh.Index < 0 || sh.Index >= sh.Total {
		return fmt.Errorf("--shard %q: want i/n with 0 <= i < n", f.shard)
	}
	defer guardShard(orphaned)()
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return err
	}
	orig, restore, err := divertStdout(filepath.Join(f.out, "ginkgo.log"))
	if err != nil {
		return err
	}
	defer restore()
	var onPhase func(string, string)
	if os.Getenv("PAYCHAOS_PHASES") == "1" { // the parent draws a status line
		var mu sync.Mutex
		onPhase = func(scenario, phase string) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(orig, "%s%s\t%s\n", phaseMark, scenario, phase)
		}
	}
	o, release, err := options(f, filepath.Join(f.out, "ginkgo.json"), orig, sh, onPhase)
	if err != nil {
		return err
	}
	scenarios.RunSuite(o)
	return release()
}

func options(f runFlags, ginkgoJSON string, progress io.Writer, sh scenarios.Shard, onPhase func(string, string)) (scenarios.RunOptions, func() error, error) {
	runs := filepath.Join(f.out, "runs")
	if sh.Total > 1 {
		runs = filepath.Join(f.out, "..", "..", "runs") // shards write under the parent's out dir
	}
	cfg, release, err := config(f, runs, onPhase)
	if err != nil {
		return scenarios.RunOptions{}, nil, err
	}
	return scenarios.RunOptions{
		Config:      cfg,
		LabelFilter: f.labelFilter,
		Focus:       f.focus,
		Seed:        f.seed,
		JSONReport:  ginkgoJSON,
		Progress:    progress,
		Verbose:     f.verbose,
		Shard:       sh,
	}, release, nil
}

func readSuite(path string) (types.Report, error) {
	rs, err := reports.ReadGinkgo(path)
	if err != nil {
		return types.Report{}, fmt.Errorf("read the suite's results: %w", err)
	}
	if len(rs) != 1 {
		return types.Report{}, fmt.Errorf("read the suite's results: %d suites in %s, want 1", len(rs), path)
	}
	return rs[0], nil
}

func targetName(f runFlags) string {
	switch {
	case f.target != "":
		return f.target
	case f.flaws == "":
		return "reference-shop"
	}
	return "reference-shop[" + f.flaws + "]"
}

// printSummary writes the run's headline first (how bad it was: money at
// risk and the worst violated invariant), then one line per scenario.
func printSummary(w io.Writer, r reports.Report, out string, took time.Duration) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, r.Headline)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-36s %-13s %s\n", "SCENARIO", "STATUS", "VIOLATED")
	for _, s := range r.Scenarios {
		if s.Status == reports.StatusSkipped {
			continue
		}
		var bad []string
		for _, v := range s.Verdicts {
			if v.Result == "fail" {
				bad = append(bad, v.Invariant)
			}
		}
		fmt.Fprintf(w, "%-36s %-13s %s\n", trim(s.Name, 36), strings.ToUpper(string(s.Status)), strings.Join(bad, ", "))
	}
	money := strconv.FormatInt(r.Totals.MoneyAtRisk, 10)
	if r.Totals.MoneySaturated {
		money = "more than " + money
	}
	fmt.Fprintf(w, "\nverdict: %s   money at risk: %s   score: %d/100   (%s)\n",
		strings.ToUpper(string(r.Verdict)), money, r.Score, took.Round(100*time.Millisecond))
	fmt.Fprintf(w, "reports: %s\n", strings.Join([]string{
		filepath.Join(out, "index.html"), filepath.Join(out, "summary.md"),
		filepath.Join(out, "junit.xml"), filepath.Join(out, "report.json"),
	}, " "))
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

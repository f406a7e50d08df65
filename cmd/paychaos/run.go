package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/paychaos/paychaos/reports"
	"github.com/paychaos/paychaos/scenarios"
)

type runFlags struct {
	labelFilter string
	focus       []string
	seed        int64
	out         string
	flaws       string
	baseline    string
	mode        string
	verbose     bool
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the scenario suite and write the reports",
		Long: `Run the scenario suite against the reference shop (embedded: the fake
provider, Toxiproxy and the shop run in this process, no Docker needed),
print a line per scenario and a summary, and write index.html, summary.md,
junit.xml and report.json to --out.`,
		Example: `  paychaos run
  paychaos run --label-filter smoke
  paychaos run --seed 42 --focus "provider outage"
  SHOP_FLAWS=mark-paid-on-error paychaos run   # must fail: proves the checks bite`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSuite(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.labelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'smoke' or 'outage && !slow'")
	fl.StringSliceVar(&f.focus, "focus", nil, "run only scenarios whose full name matches this regular expression")
	fl.Int64Var(&f.seed, "seed", 0, "seed for every random choice (0: time-based; printed either way)")
	fl.StringVar(&f.out, "out", "reports/out", "directory for the reports and saved runs")
	fl.StringVar(&f.flaws, "flaws", os.Getenv("SHOP_FLAWS"), "reference shop flaws to switch on, comma-separated (env SHOP_FLAWS)")
	fl.StringVar(&f.baseline, "baseline", "", "a previous report.json to compare with; regressions fail the run")
	fl.StringVar(&f.mode, "mode", "embedded", "environment: embedded")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print every step of every scenario")
	return cmd
}

func runSuite(cmd *cobra.Command, f runFlags) error {
	if f.mode != "embedded" {
		return fmt.Errorf("--mode %q is not supported by this build (supported: embedded)", f.mode)
	}
	var base *reports.Report
	if f.baseline != "" { // read it first: a bad baseline should not cost a run
		b, err := reports.Load(f.baseline)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		base = &b
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", f.out, err)
	}
	if f.seed == 0 {
		f.seed = time.Now().UnixNano() % 1_000_000
	}
	ginkgoJSON := filepath.Join(f.out, "ginkgo.json")
	_ = os.Remove(ginkgoJSON)
	start := time.Now()
	progress := cmd.OutOrStdout()
	if !f.verbose && progress == os.Stdout {
		orig, restore, err := divertStdout(filepath.Join(f.out, "ginkgo.log"))
		if err != nil {
			return err
		}
		defer restore()
		progress = orig
	}
	scenarios.RunSuite(scenarios.RunOptions{
		Config:      scenarios.ReferenceShop(f.flaws, filepath.Join(f.out, "runs")),
		LabelFilter: f.labelFilter,
		Focus:       f.focus,
		Seed:        f.seed,
		JSONReport:  ginkgoJSON,
		Progress:    progress,
		Verbose:     f.verbose,
	})
	rs, err := reports.ReadGinkgo(ginkgoJSON)
	if err != nil {
		return fmt.Errorf("read the suite's results: %w", err)
	}
	rep, err := reports.FromGinkgo(rs, reports.Meta{Mode: f.mode, Target: targetName(f.flaws), Versions: map[string]string{"paychaos": version, "go": runtime.Version()}})
	if err != nil {
		return err
	}
	if base != nil {
		rep = reports.WithBaseline(rep, *base, reports.DefaultMargins)
	}
	if err := reports.WriteAll(f.out, rep); err != nil {
		return fmt.Errorf("write reports: %w", err)
	}
	printSummary(progress, rep, f.out, time.Since(start))
	if rep.ExitCode != 0 {
		return &exitError{code: rep.ExitCode}
	}
	return nil
}

func targetName(flaws string) string {
	if flaws == "" {
		return "reference-shop"
	}
	return "reference-shop[" + flaws + "]"
}

func printSummary(w io.Writer, r reports.Report, out string, took time.Duration) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-44s %-13s %s\n", "SCENARIO", "STATUS", "VIOLATED")
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
		fmt.Fprintf(w, "%-44s %-13s %s\n", trim(s.Name, 44), strings.ToUpper(string(s.Status)), strings.Join(bad, ", "))
	}
	fmt.Fprintf(w, "\nverdict: %s   score: %d/100   money at risk: %d   (%s)\n",
		strings.ToUpper(string(r.Verdict)), r.Score, r.Totals.MoneyAtRisk, took.Round(100*time.Millisecond))
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

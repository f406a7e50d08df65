package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/paychaos/paychaos/reports"
)

func newReportCmd() *cobra.Command {
	var out string
	var baselines []string
	cmd := &cobra.Command{
		Use:   "report FILE",
		Short: "Re-render the reports of a run, optionally against a baseline",
		Long: `Read a run's report.json (or Ginkgo's JSON report) and write index.html,
summary.md, junit.xml and report.json to --out. The first line printed is
the headline: money at risk and the worst violated invariant first.

With --baseline (repeat it for several earlier runs of the same suite), the
run is compared with them: a newly violated invariant or a newly
inconclusive scenario is a regression, and so is a change in timing that
stands out of the noise of runs: checkouts under fault significantly slower
(Mann-Whitney U test over the runs' latency samples), a success rate under
fault significantly lower, or, against three baseline runs or more, a
recovery time past their spread. The exit code says so.

A scenario's status is derived from its verdicts, never read from the file;
an unknown status, state or verdict result is bad input (exit 2).`,
		Example: `  paychaos report reports/out/report.json --out /tmp/again
  paychaos report new/report.json --baseline main/report.json --out new
  paychaos report new/report.json --baseline main1/report.json --baseline main2/report.json --baseline main3/report.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cur, err := reports.Load(args[0])
			if err != nil {
				return err
			}
			bases, err := loadBaselines(baselines)
			if err != nil {
				return err
			}
			if len(bases) > 0 {
				cur = reports.WithBaselines(cur, bases, reports.DefaultMargins)
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", out, err)
			}
			if err := reports.WriteAll(out, cur); err != nil {
				return fmt.Errorf("write reports: %w", err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintln(w, cur.Headline)
			fmt.Fprintf(w, "verdict: %s   score: %d/100   regressions: %d\n", cur.Verdict, cur.Score, len(cur.Regressions))
			for _, r := range cur.Regressions {
				fmt.Fprintf(w, "  regression: %s: %s\n", r.Scenario, r.Message)
			}
			fmt.Fprintf(w, "reports written to %s\n", out)
			if cur.ExitCode != 0 {
				return &exitError{code: cur.ExitCode}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "reports/out", "directory for the reports")
	cmd.Flags().StringArrayVar(&baselines, "baseline", nil, "a previous report.json to compare with; repeat it for several runs")
	return cmd
}

// loadBaselines reads the reports given with --baseline, each one named in
// its error.
func loadBaselines(paths []string) ([]reports.Report, error) {
	var bases []reports.Report
	for _, path := range paths {
		b, err := reports.Load(path)
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		bases = append(bases, b)
	}
	return bases, nil
}

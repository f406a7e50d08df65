package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/paychaos/paychaos/reports"
)

func newReportCmd() *cobra.Command {
	var out, baseline string
	cmd := &cobra.Command{
		Use:   "report FILE",
		Short: "Re-render the reports of a run, optionally against a baseline",
		Long: `Read a run's report.json (or Ginkgo's JSON report) and write index.html,
summary.md, junit.xml and report.json to --out. With --baseline, the run is
compared with a previous report.json: a newly violated invariant, a newly
inconclusive scenario, a slower recovery or p99 under fault, or a lower
success rate under fault is a regression, and the exit code says so.`,
		Example: `  paychaos report reports/out/report.json --out /tmp/again
  paychaos report new/report.json --baseline main/report.json --out new`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cur, err := reports.Load(args[0])
			if err != nil {
				return err
			}
			if baseline != "" {
				base, err := reports.Load(baseline)
				if err != nil {
					return fmt.Errorf("baseline: %w", err)
				}
				cur = reports.WithBaseline(cur, base, reports.DefaultMargins)
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
	cmd.Flags().StringVar(&baseline, "baseline", "", "a previous report.json to compare with")
	return cmd
}

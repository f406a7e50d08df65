package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/history"
)

func newRecheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "recheck DIR...",
		Short: "Re-check saved runs offline with the current invariants",
		Long: `Re-check saved runs — each a directory with history.jsonl, orders.json and
ledger.json, as paychaos run saves them under <out>/runs — with the
invariants of this build, without running anything again. A directory that
holds run directories is searched one level down.`,
		Example: `  paychaos recheck reports/out/runs/provider-outage-seed42
  paychaos recheck reports/out/runs`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dirs, err := runDirs(args)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			violated := 0
			for _, dir := range dirs {
				run, err := history.Load(dir)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "%s (scenario %s, seed %d, %d operations)\n", dir, run.Meta.Scenario, run.Meta.Seed, len(run.Ops))
				for _, v := range harness.Check(run, nil) {
					mark := map[check.Status]string{check.Pass: "✓", check.Fail: "✗", check.Skip: "-"}[v.Result]
					fmt.Fprintf(w, "  %s %-22s %s\n", mark, v.Invariant, v.Message)
					if v.Result == check.Fail {
						violated++
						if len(v.Orders) > 0 {
							fmt.Fprintf(w, "      orders: %v\n", v.Orders)
						}
					}
				}
			}
			if violated > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d invariant violation(s)", violated)}
			}
			return nil
		},
	}
}

// runDirs expands arguments into run directories: a run directory itself,
// or a directory of them.
func runDirs(args []string) ([]string, error) {
	var dirs []string
	for _, a := range args {
		if _, err := os.Stat(filepath.Join(a, "history.jsonl")); err == nil {
			dirs = append(dirs, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", a, err)
		}
		found := 0
		for _, e := range entries {
			if _, err := os.Stat(filepath.Join(a, e.Name(), "history.jsonl")); e.IsDir() && err == nil {
				dirs = append(dirs, filepath.Join(a, e.Name()))
				found++
			}
		}
		if found == 0 {
			return nil, fmt.Errorf("%s holds no saved run (no history.jsonl in it or one level down)", a)
		}
	}
	sort.Strings(dirs)
	return dirs, nil
}

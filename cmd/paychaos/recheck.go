package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/reports"
)

func newRecheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "recheck DIR...",
		Short: "Re-check saved runs offline with the current invariants",
		Long: `Re-check saved runs — each a directory with history.jsonl, orders.json and
ledger.json, as paychaos run saves them under <out>/runs — with the
invariants of this build, without running anything again. A directory that
holds run directories is searched one level down.

Every directory gets one result: pass, fail (an invariant is violated),
inconclusive (no checkout was recorded, the provider's ledger is empty, or
no invariant could be judged) or error (it could not be read). A bad
directory does not stop the others. The exit code is the worst of them:
2 if any directory is inconclusive or could not be read, otherwise 1 if any
invariant is violated, otherwise 0.`,
		Example: `  paychaos recheck reports/out/runs/provider-outage-seed42
  paychaos recheck reports/out/runs`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			counts := map[string]int{}
			worst := reports.ExitOK
			var bad []string
			for _, d := range runDirs(args) {
				status, code := recheckDir(w, d)
				counts[status]++
				worst = max(worst, code)
				if status != recheckPass {
					bad = append(bad, d.path+": "+status)
				}
			}
			fmt.Fprintf(w, "\nrecheck: %d pass, %d fail, %d inconclusive, %d error\n",
				counts[recheckPass], counts[recheckFail], counts[recheckInconclusive], counts[recheckError])
			if worst != reports.ExitOK {
				return &exitError{code: worst, err: fmt.Errorf("%d of %d run(s) did not pass: %s",
					len(bad), len(bad)+counts[recheckPass], strings.Join(bad, "; "))}
			}
			return nil
		},
	}
}

// The result of re-checking one directory.
const (
	recheckPass         = "pass"
	recheckFail         = "fail"
	recheckInconclusive = "inconclusive"
	recheckError        = "error"
)

// runDir is one directory to re-check, or the reason an argument gave
// none.
type runDir struct {
	path string
	err  error
}

// recheckDir re-checks one saved run and prints its verdicts and its
// result; it returns the result and the exit code it stands for.
func recheckDir(w io.Writer, d runDir) (string, int) {
	if d.err != nil {
		fmt.Fprintf(w, "%s\n  => ERROR: %v\n", d.path, d.err)
		return recheckError, reports.ExitHarness
	}
	run, err := history.Load(d.path)
	if err != nil {
		fmt.Fprintf(w, "%s\n  => ERROR: %v\n", d.path, err)
		return recheckError, reports.ExitHarness
	}
	fmt.Fprintf(w, "%s (scenario %s, seed %d, %d operations)\n", d.path, run.Meta.Scenario, run.Meta.Seed, len(run.Ops))
	violated, judged := 0, 0
	for _, v := range harness.Check(run, nil) {
		mark := map[check.Status]string{check.Pass: "✓", check.Fail: "✗", check.Skip: "-"}[v.Result]
		fmt.Fprintf(w, "  %s %-22s %s\n", mark, v.Invariant, v.Message)
		switch v.Result {
		case check.Fail:
			violated++
			judged++
			if len(v.Orders) > 0 {
				fmt.Fprintf(w, "      orders: %v\n", v.Orders)
			}
		case check.Pass:
			judged++
		}
	}
	if violated > 0 {
		fmt.Fprintf(w, "  => FAIL: %d invariant violation(s)\n", violated)
		return recheckFail, reports.ExitFindings
	}
	if why := emptyRun(run, judged); why != "" {
		fmt.Fprintf(w, "  => INCONCLUSIVE: %s\n", why)
		return recheckInconclusive, reports.ExitHarness
	}
	fmt.Fprintln(w, "  => PASS")
	return recheckPass, reports.ExitOK
}

// emptyRun says why a saved run proves nothing, if it does not: every
// invariant holds vacuously over a history with no checkout or a ledger
// no request reached.
func emptyRun(run history.Run, judged int) string {
	checkouts := 0
	for _, op := range run.Ops {
		if op.Kind == history.Pay {
			checkouts++
		}
	}
	l := run.Ledger
	switch {
	case len(run.Ops) == 0:
		return "the history holds no operation"
	case checkouts == 0:
		return "the history holds no checkout"
	case len(l.PaymentIntents) == 0 && len(l.Charges) == 0 && len(l.Refunds) == 0 && len(l.Events) == 0 && len(l.Requests) == 0:
		return "the provider's ledger is empty: no request reached it"
	case judged == 0:
		return "no invariant could be judged"
	}
	return ""
}

// runDirs expands arguments into run directories: a run directory itself,
// or a directory of them. An argument that is neither is kept with the
// reason, so that it gets a result of its own.
func runDirs(args []string) []runDir {
	var dirs []runDir
	for _, a := range args {
		if _, err := os.Stat(filepath.Join(a, history.OpsFile)); err == nil {
			dirs = append(dirs, runDir{path: a})
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			dirs = append(dirs, runDir{path: a, err: fmt.Errorf("read: %w", unwrapPath(err))})
			continue
		}
		found := 0
		for _, e := range entries {
			if _, err := os.Stat(filepath.Join(a, e.Name(), history.OpsFile)); e.IsDir() && err == nil {
				dirs = append(dirs, runDir{path: filepath.Join(a, e.Name())})
				found++
			}
		}
		if found == 0 {
			dirs = append(dirs, runDir{path: a, err: fmt.Errorf("no saved run here (no %s in it or one level down)", history.OpsFile)})
		}
	}
	sort.SliceStable(dirs, func(i, j int) bool { return dirs[i].path < dirs[j].path })
	return dirs
}

// unwrapPath drops the path an *os.PathError repeats, since the result
// line names the directory already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/paychaos/paychaos/examples/shop/checkout"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/reports"
)

// expectedCatch is the invariant each reference shop flaw must violate in
// at least one scenario: the proof that the checks bite. Invariants are
// named by value, so a renamed one cannot silently match nothing.
var expectedCatch = map[checkout.Flaw][]check.Invariant{
	checkout.FlawNoIdempotencyKey:    {check.NoDoubleCharge},
	checkout.FlawNewKeyPerRetry:      {check.NoDoubleCharge},
	checkout.FlawNoTimeout:           {check.FailFast},
	checkout.FlawMarkPaidOnError:     {check.NoFalsePaid},
	checkout.FlawMarkFailedOnTimeout: {check.NoLostMoney},
	checkout.FlawNoReconciler:        {check.EventualResolution},
	checkout.FlawTrustWebhooks:       {check.WebhookAuthenticity},
	checkout.FlawNoWebhookTolerance:  {check.WebhookAuthenticity},
	checkout.FlawWebhookOrderBlind:   {check.NoFalsePaid, check.RefundSafety, check.NoLostMoney},
	checkout.FlawClientAmount:        {check.AmountIntegrity, check.InputSafety},
	checkout.FlawNoInputValidation:   {check.InputSafety},
	checkout.FlawNoRefundOnCancel:    {check.RefundSafety},
	checkout.FlawNoOrderLock:         {check.NoDoubleCharge},
	checkout.FlawLogCardData:         {check.NoSecretLeak},
	checkout.FlawNoCircuitBreaker:    {check.FailFast},
	checkout.FlawNoOwnershipCheck:    {check.InputSafety},

	// Caught only with mixed currencies, the provider's delivery record,
	// settle letting the shop heal first, same-key retries, customers'
	// reads, and refunds held to what was asked.
	checkout.FlawChargeInUSD:          {check.AmountIntegrity},
	checkout.FlawWebhookToleranceUnit: {check.WebhooksAccepted},
	checkout.FlawReconcilerGivesUp:    {check.EventualResolution},
	checkout.FlawUnsentFailsKey:       {check.PaymentsComplete},
	checkout.FlawListAllOrders:        {check.Ownership},
	checkout.FlawRefundWithoutAmount:  {check.RefundSafety},
}

func newKillMatrixCmd() *cobra.Command {
	var (
		out, filter string
		parallel    int
		seed        int64
		flaws       []string
	)
	cmd := &cobra.Command{
		Use:   "killmatrix",
		Short: "Run the suite against the reference shop once per flaw and show what caught each",
		Long: `Run the scenario suite against the safe reference shop and once per flaw
(SHOP_FLAWS), and print the kill matrix: for each flaw, the scenarios that
failed it and the invariants it violated. It fails when the safe shop fails
any scenario, or when a flaw is not caught with the invariant it must
violate. The table is also written to <out>/killmatrix.md.`,
		Example: `  paychaos killmatrix
  paychaos killmatrix --flaws no-order-lock,no-timeout --parallel 2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			todo := []string{""} // the safe shop first
			if len(flaws) == 0 {
				for _, f := range checkout.AllFlaws() {
					todo = append(todo, string(f))
				}
			} else {
				for _, f := range flaws {
					if _, err := checkout.ParseFlaws(f); err != nil {
						return err
					}
					todo = append(todo, f)
				}
			}
			if seed == 0 {
				seed = 1 + time.Now().UnixNano()%1_000_000
			}
			return killMatrix(cmd.OutOrStdout(), todo, out, filter, parallel, seed)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", "reports/out/killmatrix", "directory for each run's reports and the matrix")
	fl.StringVar(&filter, "label-filter", defaultFilter, "scenarios to run against each flaw")
	fl.IntVarP(&parallel, "parallel", "p", 4, "runs at once, each in its own process")
	fl.Int64Var(&seed, "seed", 0, "seed of every run (0: time-based)")
	fl.StringSliceVar(&flaws, "flaws", nil, "only these flaws (default: every flaw)")
	return cmd
}

// row is one line of the matrix.
type row struct {
	flaw      string
	caughtBy  []string // scenarios that failed
	violated  []string // invariants violated
	ok        bool     // caught as expected (a flaw) or clean (the safe shop)
	harness   bool     // the run itself failed: no verdict either way
	problem   string
	exitCode  int
	reportDir string
}

func killMatrix(w io.Writer, todo []string, out, filter string, parallel int, seed int64) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if parallel < 1 {
		return fmt.Errorf("--parallel %d: want at least 1", parallel)
	}
	fmt.Fprintf(w, "paychaos: kill matrix of %d runs (safe shop + %d flaws), %d at once, seed %d\n", len(todo), len(todo)-1, parallel, seed)
	rows := make([]row, len(todo))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, flaw := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			name := flaw
			if name == "" {
				name = "safe"
			}
			dir := filepath.Join(out, name)
			// Each run splits its scenarios over two processes.
			c := exec.Command(self, "run", "--flaws", flaw, "--out", dir, "--seed", strconv.FormatInt(seed, 10),
				"--label-filter", filter, "--parallel", "2")
			c.Stdout, c.Stderr = io.Discard, io.Discard
			c.Env, c.SysProcAttr = os.Environ(), childAttr()
			if err := tieToParent(c); err != nil { // a run stops when the matrix dies
				rows[i] = row{flaw: flaw, problem: err.Error(), harness: true}
				return
			}
			start := time.Now()
			var err error
			if err = os.RemoveAll(dir); err == nil { // never judge an earlier run's report
				err = c.Run()
			}
			r := judge(flaw, dir)
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				r.problem, r.ok, r.harness = fmt.Sprintf("run: %v", err), false, true
			}
			rows[i] = r
			mu.Lock()
			fmt.Fprintf(w, "  %-24s %s (%s)\n", name, rowStatus(r), time.Since(start).Round(time.Second))
			mu.Unlock()
		}()
	}
	wg.Wait()
	table := matrixMarkdown(rows, seed, filter)
	if err := os.WriteFile(filepath.Join(out, "killmatrix.md"), []byte(table), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, table)
	var bad []string
	for _, r := range rows {
		if !r.ok {
			bad = append(bad, fmt.Sprintf("%s: %s", orSafe(r.flaw), r.problem))
		}
	}
	// A closing line CI systems read: each run is one test.
	fmt.Fprintf(w, "\nkillmatrix: %d passed, %d failed\n", len(rows)-len(bad), len(bad))
	if len(bad) > 0 {
		code := 1
		for _, r := range rows {
			if r.harness {
				code = 2 // a run that could not be judged is not a finding
			}
		}
		return &exitError{code: code, err: fmt.Errorf("kill matrix failed:\n  %s", strings.Join(bad, "\n  "))}
	}
	return nil
}

// judge reads one run's report and decides its row.
func judge(flaw, dir string) row {
	r := row{flaw: flaw, reportDir: dir}
	rep, err := reports.Load(filepath.Join(dir, "report.json"))
	if err != nil {
		r.problem, r.harness = fmt.Sprintf("no report: %v", err), true
		return r
	}
	r.exitCode = rep.ExitCode
	var notPassed []string
	for _, s := range rep.Scenarios {
		failedHere := false
		for _, v := range s.Verdicts {
			if v.Result == "fail" {
				failedHere = true
				if !slices.Contains(r.violated, v.Invariant) {
					r.violated = append(r.violated, v.Invariant)
				}
			}
		}
		if failedHere {
			r.caughtBy = append(r.caughtBy, s.Name)
		}
		if s.Status != reports.StatusPass && s.Status != reports.StatusSkipped {
			notPassed = append(notPassed, fmt.Sprintf("%s (%s)", s.Name, s.Status))
		}
	}
	slices.Sort(r.violated)
	if flaw == "" {
		r.ok = len(notPassed) == 0
		if !r.ok {
			r.problem = "the safe shop did not pass: " + strings.Join(notPassed, ", ")
		}
		return r
	}
	var wants []string
	for _, inv := range expectedCatch[checkout.Flaw(flaw)] {
		wants = append(wants, inv.Name())
		if slices.Contains(r.violated, inv.Name()) {
			r.ok = true
		}
	}
	if !r.ok {
		r.problem = fmt.Sprintf("not caught with %s (violated: %s)", strings.Join(wants, " or "), orNone(r.violated))
	}
	return r
}

func rowStatus(r row) string {
	switch {
	case r.ok && r.flaw == "":
		return "passes every scenario"
	case r.ok:
		return fmt.Sprintf("caught by %d scenario(s): %s", len(r.caughtBy), strings.Join(r.violated, ", "))
	}
	return "PROBLEM: " + r.problem
}

func matrixMarkdown(rows []row, seed int64, filter string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| flaw | caught | invariants violated | scenarios that failed it |\n|---|---|---|---|\n")
	for _, r := range rows {
		mark := "✅"
		if !r.ok {
			mark = "❌"
		}
		scen := strings.Join(r.caughtBy, ", ")
		if len(r.caughtBy) > 6 {
			scen = strings.Join(r.caughtBy[:6], ", ") + fmt.Sprintf(" and %d more", len(r.caughtBy)-6)
		}
		caught := mark
		if r.flaw == "" {
			caught = mark + " (must pass)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", orSafe(r.flaw), caught, orNone(r.violated), orNone([]string{scen}))
	}
	fmt.Fprintf(&b, "\nseed %d, label filter `%s`\n", seed, filter)
	return b.String()
}

func orSafe(f string) string {
	if f == "" {
		return "(safe shop)"
	}
	return f
}

func orNone(xs []string) string {
	if len(xs) == 0 || len(xs) == 1 && xs[0] == "" {
		return "—"
	}
	return strings.Join(xs, ", ")
}

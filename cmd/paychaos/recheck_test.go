package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/history"
)

// savedRun saves one of the checker's hand-made histories as paychaos run
// would, so recheck reads it back.
func savedRun(t *testing.T, dir, fixture string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "harness", "check", "testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	var in check.Input
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	run := history.Run{
		Meta: history.Meta{Scenario: fixture, Seed: 7, FaultStart: in.Window.FaultStart, FaultEnd: in.Window.FaultEnd,
			SettleEnd: in.Window.SettleEnd, FailFastBudget: in.FailFastBudget},
		Ops: in.History, Orders: in.Orders, Ledger: in.Ledger,
	}
	if err := history.Save(dir, run); err != nil {
		t.Fatal(err)
	}
}

// Every directory gets its own result; an empty run is inconclusive, a
// bad directory is an error, and neither stops the others. The exit code
// is the worst.
func TestRecheckEveryDirectory(t *testing.T) {
	root := t.TempDir()
	clean, violated, empty, corrupt := filepath.Join(root, "a-clean"), filepath.Join(root, "b-violated"),
		filepath.Join(root, "c-empty"), filepath.Join(root, "d-corrupt")
	savedRun(t, clean, "clean.json")
	savedRun(t, violated, "no-false-paid-no-capture.json")
	if err := history.Save(empty, history.Run{Meta: history.Meta{Scenario: "nothing", Seed: 7}}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(corrupt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corrupt, history.OpsFile), []byte("{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(root, "e-missing")

	r := paychaos(t, "recheck", clean)
	if r.code != 0 || !strings.Contains(r.stdout, "=> PASS") {
		t.Fatalf("clean run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = paychaos(t, "recheck", clean, violated)
	if r.code != 1 || !strings.Contains(r.stdout, "=> FAIL") || !strings.Contains(r.stdout, "no-false-paid") {
		t.Fatalf("violated run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = paychaos(t, "recheck", empty)
	if r.code != 2 || !strings.Contains(r.stdout, "=> INCONCLUSIVE: the history holds no operation") {
		t.Fatalf("empty run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = paychaos(t, "recheck", root, missing)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2 (the worst)\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		clean + " (scenario clean.json", "=> PASS",
		violated + " (scenario no-false-paid-no-capture.json", "=> FAIL",
		empty + " (scenario nothing", "=> INCONCLUSIVE",
		corrupt + "\n  => ERROR: ",
		missing + "\n  => ERROR: read: no such file",
		"recheck: 1 pass, 1 fail, 1 inconclusive, 2 error",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "4 of 5 run(s) did not pass") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

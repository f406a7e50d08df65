package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// piTarget is the reference shop as a service that tags no metadata and
// has no list call, started from the target's own folder, with a setup
// hook and budgets; flaws, when set, are the shop's.
func piTarget(t *testing.T, flaws string) (path, dir string) {
	t.Helper()
	dir = t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "shop"), "../../examples/shop").CombinedOutput(); err != nil {
		t.Fatalf("build the shop: %v\n%s", err, out)
	}
	src, err := os.ReadFile("../../examples/shop/target-pi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), "list:\n  path: /orders\n", "", 1)
	s = strings.Replace(s, "command: ../../bin/shop", "command: ./shop", 1)
	s = strings.Replace(s, "    SHOP_CORRELATE: payment_intent\n", "    SHOP_CORRELATE: payment_intent\n    SHOP_FLAWS: "+flaws+"\n", 1)
	s += "setup:\n  command: ./setup.sh\n"
	if err := os.WriteFile(filepath.Join(dir, "setup.sh"), []byte("#!/bin/sh\necho ran >> setup.out\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "target.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

// A correct service that keeps only PaymentIntent ids, and cannot list its
// orders, passes the no-fault baseline: payments join orders by the ids.
func TestTargetWithoutListOrMetadataPassesTheBaseline(t *testing.T) {
	target, dir := piTarget(t, "")
	out := t.TempDir()
	r := paychaos(t, "run", "--target", target, "--focus", "keeps every invariant with no fault", "--seed", "4", "--out", out, "--parallel", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "verdict: PASS") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "setup.out")); err != nil || string(b) != "ran\n" {
		t.Fatalf("setup ran %q (%v), want once", b, err)
	}
	var rep struct {
		Run struct {
			Versions map[string]string `json:"versions"`
		} `json:"run"`
		Scenarios []struct {
			Verdicts []struct {
				Invariant, Result, Message string
			} `json:"verdicts"`
		} `json:"scenarios"`
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil || json.Unmarshal(b, &rep) != nil || len(rep.Scenarios) == 0 {
		t.Fatalf("report: %v", err)
	}
	if got := rep.Run.Versions["budgets"]; got != "fail-fast 1s, fail-fast grace 750ms, settle 15s" {
		t.Errorf("the report shows budgets %q", got)
	}
	held := 0
	for _, sc := range rep.Scenarios { // the others were not selected
		for _, v := range sc.Verdicts {
			if v.Invariant == "no-double-charge" || v.Invariant == "no-false-paid" || v.Invariant == "no-lost-money" {
				if v.Result == "pass" && !strings.Contains(v.Message, "unattributed") {
					held++
				}
			}
		}
	}
	if held != 3 {
		t.Fatalf("the money invariants did not all hold on joined payments: %+v", rep.Scenarios)
	}
}

// The same service paying a resubmitted order twice is caught through
// the PaymentIntent join, with no metadata to go by.
func TestTargetWithoutMetadataStillCatchesADoubleCharge(t *testing.T) {
	target, _ := piTarget(t, "no-order-lock")
	out := t.TempDir()
	r := paychaos(t, "run", "--target", target, "--label-filter", "", "--focus", "charges each checkout once", "--seed", "5", "--out", out, "--parallel", "1")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	md, err := os.ReadFile(filepath.Join(out, "summary.md"))
	if err != nil || !strings.Contains(string(md), "no-double-charge") || !strings.Contains(string(md), "2 payments captured") {
		t.Fatalf("summary does not show the double charge: %v\n%s", err, md)
	}
}

// A target naming a command that is not there is refused before anything
// runs, with the line, the field and what to do.
func TestTargetWithAMissingCommandIsRefused(t *testing.T) {
	target, dir := piTarget(t, "")
	if err := os.Remove(filepath.Join(dir, "shop")); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	at := 1 + strings.Count(string(src[:strings.Index(string(src), "  command: ./shop")]), "\n")
	r := paychaos(t, "run", "--target", target, "--out", t.TempDir())
	if r.code != 2 || !strings.Contains(r.stderr, fmt.Sprintf("target.yaml:%d: process.command: %s does not exist", at, filepath.Join(dir, "shop"))) ||
		!strings.Contains(r.stderr, "build it first") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

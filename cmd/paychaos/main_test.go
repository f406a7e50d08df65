package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/onsi/gomega"

	"github.com/paychaos/paychaos/reports"
)

// These tests run the built binary, as a QA engineer or a CI job does.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "paychaos-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "paychaos")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build paychaos: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func paychaos(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "SHOP_FLAWS=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run paychaos %v: %v", args, err)
	}
	return r
}

func TestHelp(t *testing.T) {
	r := paychaos(t, "--help")
	if r.code != 0 {
		t.Fatalf("--help exited %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"run", "provider", "recheck", "report", "killmatrix", "Exit codes"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--help does not mention %q:\n%s", want, r.stdout)
		}
	}
	r = paychaos(t, "run", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "--label-filter") || !strings.Contains(r.stdout, "Examples:") {
		t.Fatalf("run --help: %d\n%s", r.code, r.stdout)
	}
}

func TestBadInputExitsTwoWithAClearMessage(t *testing.T) {
	dir := t.TempDir()
	badYAML := filepath.Join(dir, "target.yaml")
	if err := os.WriteFile(badYAML, []byte("name: x\nbase_url: nope\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"run", "--bogus"}, "unknown flag: --bogus"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"missing target", []string{"run", "--target", filepath.Join(dir, "none.yaml")}, "none.yaml"},
		{"bad target", []string{"run", "--target", badYAML}, "target.yaml:2: base_url"},
		{"unknown flaw", []string{"run", "--flaws", "no-such-flaw", "--out", dir}, "no-such-flaw"},
		{"bad parallel", []string{"run", "--parallel", "0"}, "--parallel 0"},
		{"unknown mode", []string{"run", "--mode", "cloud"}, `--mode "cloud"`},
		{"remote without servers", []string{"run", "--mode", "remote"}, "--mode remote needs --toxiproxy"},
		{"filter selects nothing", []string{"run", "--label-filter", "no-such-label", "--out", dir, "--parallel", "1"}, ""},
		{"missing report", []string{"report", filepath.Join(dir, "none.json")}, "none.json"},
		{"missing second baseline", []string{"run", "--baseline", filepath.Join("..", "..", "reports", "testdata", "report.golden.json"), "--baseline", filepath.Join(dir, "base2.json"), "--out", dir}, "base2.json"},
		{"recheck nothing", []string{"recheck", dir}, dir + ": error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := paychaos(t, c.args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, c.want) {
				t.Fatalf("stderr does not say %q:\n%s", c.want, r.stderr)
			}
		})
	}
}

func TestSmokeRunWritesTheReports(t *testing.T) {
	out := t.TempDir()
	r := paychaos(t, "run", "--label-filter", "smoke", "--seed", "1", "--out", out)
	if r.code != 0 {
		t.Fatalf("smoke run exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "verdict: PASS") {
		t.Fatalf("no verdict line:\n%s", r.stdout)
	}
	for _, f := range []string{"index.html", "summary.md", "junit.xml", "report.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	runs, _ := filepath.Glob(filepath.Join(out, "runs", "*", "history.jsonl"))
	if len(runs) == 0 {
		t.Fatal("no saved run")
	}
	rc := paychaos(t, "recheck", filepath.Join(out, "runs"))
	if rc.code != 0 || !strings.Contains(rc.stdout, "no-double-charge") {
		t.Fatalf("recheck exited %d:\n%s%s", rc.code, rc.stdout, rc.stderr)
	}
	// The same run compared with itself has no regression.
	rp := paychaos(t, "report", filepath.Join(out, "report.json"), "--baseline", filepath.Join(out, "report.json"), "--out", t.TempDir())
	if rp.code != 0 || !strings.Contains(rp.stdout, "regressions: 0") || !strings.HasPrefix(rp.stdout, "PASS — every invariant held") {
		t.Fatalf("report --baseline itself exited %d:\n%s%s", rp.code, rp.stdout, rp.stderr)
	}
	self := filepath.Join(out, "report.json")
	rp = paychaos(t, "report", self, "--baseline", self, "--baseline", self, "--baseline", self, "--out", t.TempDir())
	if rp.code != 0 || !strings.Contains(rp.stdout, "regressions: 0") {
		t.Fatalf("report against three baselines exited %d:\n%s%s", rp.code, rp.stdout, rp.stderr)
	}
	// run takes several baselines too, like report.
	again := t.TempDir()
	rr := paychaos(t, "run", "--label-filter", "smoke", "--seed", "1", "--parallel", "1", "--out", again, "--baseline", self, "--baseline", self)
	if rr.code != 0 {
		t.Fatalf("run against two baselines exited %d:\n%s%s", rr.code, rr.stdout, rr.stderr)
	}
	if rep, err := reports.Load(filepath.Join(again, "report.json")); err != nil || rep.Baseline == nil || rep.Baseline.Runs != 2 {
		t.Fatalf("run against two baselines: %v, baseline %+v; want two runs compared", err, rep.Baseline)
	}
	// A status the model does not know is bad input, never a pass.
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bogus := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(bogus, bytes.Replace(b, []byte(`"status": "pass"`), []byte(`"status": "bogus"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	rp = paychaos(t, "report", bogus, "--out", t.TempDir())
	if rp.code != 2 || !strings.Contains(rp.stderr, `unknown status "bogus"`) {
		t.Fatalf("a bogus status: exit %d\n%s%s", rp.code, rp.stdout, rp.stderr)
	}
}

func TestFlawedShopExitsOne(t *testing.T) {
	out := t.TempDir()
	r := paychaos(t, "run", "--focus", "refuses connections", "--flaws", "mark-paid-on-error", "--seed", "2", "--out", out, "--parallel", "1")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "\nFAIL — money at risk ") || !strings.Contains(r.stdout, "worst: no-false-paid (a money invariant)") {
		t.Errorf("the summary does not lead with the money at risk:\n%s", r.stdout)
	}
	md, err := os.ReadFile(filepath.Join(out, "summary.md"))
	if err != nil || !strings.Contains(string(md), "no-false-paid") || !strings.Contains(string(md), "ord_") {
		t.Fatalf("summary does not name the invariant and the orders: %v\n%s", err, md)
	}
}

// Ctrl-C mid-run: paychaos stops within seconds, recovers its faults,
// writes a partial report marked interrupted and exits 2.
func TestInterruptedRun(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command(bin, "run", "--label-filter", "outage", "--seed", "3", "--out", out, "--parallel", "1")
	cmd.Env = append(os.Environ(), "SHOP_FLAWS=")
	var stdout syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt when the first scenario has finished: the next one starts
	// at once, so the signal lands mid-scenario.
	gomega.NewWithT(t).Eventually(stdout.String).WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).
		Should(gomega.ContainSubstring("[1/"))
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	took := time.Since(sent)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("interrupted run: %v, want exit 2\n%s", err, stdout.String())
	}
	if took > 15*time.Second {
		t.Fatalf("took %v to stop after SIGINT", took)
	}
	assertInterruptedReport(t, out, stdout.String())
}

// assertInterruptedReport checks that an interrupted run left a partial
// report in out, marked interrupted.
func assertInterruptedReport(t *testing.T, out, log string) {
	t.Helper()
	var rep struct {
		Run struct {
			Interrupted bool `json:"interrupted"`
		} `json:"run"`
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatalf("no partial report: %v\n%s", err, log)
	}
	if err := json.Unmarshal(b, &rep); err != nil || !rep.Run.Interrupted {
		t.Fatalf("report not marked interrupted: %v", err)
	}
}

func TestContainersModeWithoutDocker(t *testing.T) {
	cmd := exec.Command(bin, "run", "--mode", "containers", "--out", t.TempDir())
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent/docker.sock")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit %v, want 2", err)
	}
	if !strings.Contains(errb.String(), "needs a Docker engine") {
		t.Fatalf("stderr does not say Docker is missing:\n%s", errb.String())
	}
}

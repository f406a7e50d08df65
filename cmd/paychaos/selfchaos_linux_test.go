package main_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSelfChaos interrupts or kills runs of paychaos at seeded random
// moments (the parent or a shard; SIGINT, SIGTERM or SIGKILL) and checks
// after each that no process, listener or temporary file of it is left,
// and that the next run on the same machine passes. `make selfchaos` runs
// more rounds: PAYCHAOS_SELFCHAOS_ROUNDS (default 1) and
// PAYCHAOS_SELFCHAOS_SEED (default 1) choose them.
func TestSelfChaos(t *testing.T) {
	rounds, seed := envInt(t, "PAYCHAOS_SELFCHAOS_ROUNDS", 1), envInt(t, "PAYCHAOS_SELFCHAOS_SEED", 1)
	if rounds > 50 {
		t.Fatalf("PAYCHAOS_SELFCHAOS_ROUNDS=%d: at most 50", rounds)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5e1fc4a05))
	tmp := t.TempDir()
	t.Logf("self-chaos: %d rounds, seed %d", rounds, seed)
	for i := range rounds {
		parallel := []string{"1", "2"}[rng.IntN(2)]
		sig := []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL}[rng.IntN(3)]
		victim := "parent"
		if parallel == "2" && rng.IntN(2) == 0 {
			victim = "shard"
		}
		after := time.Duration(200+rng.IntN(6000)) * time.Millisecond
		cmd, stdout, marker := launch(t, tmp, "run", "--label-filter", "outage", "--seed", strconv.Itoa(i+1), "--out", t.TempDir(), "--parallel", parallel)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			t.Fatalf("round %d: the run ended before the signal: %v\n%s", i, err, stdout.String())
		case <-time.After(after): // the seeded moment itself, not a wait for state
		}
		family := marked(marker)
		pid := cmd.Process.Pid
		if victim == "shard" {
			if shard := shardOf(family); shard != 0 {
				pid = shard
			} else {
				victim = "parent (no shard yet)"
			}
		}
		t.Logf("round %d: %v to the %s of a --parallel %s run, %v in", i, sig, victim, parallel, after)
		if err := syscall.Kill(pid, sig); err != nil {
			t.Fatal(err)
		}
		var err error
		select {
		case err = <-exited:
		case <-time.After(45 * time.Second):
			t.Fatalf("round %d: still running 45 s after %v\n%s", i, sig, stdout.String())
		}
		var ee *exec.ExitError
		killedParent := sig == syscall.SIGKILL && pid == cmd.Process.Pid
		switch {
		case killedParent && errors.As(err, &ee) && ee.ExitCode() == -1:
		case !killedParent && errors.As(err, &ee) && ee.ExitCode() == 2:
		default:
			t.Fatalf("round %d: the run ended with %v, want exit 2 (or killed)\n%s", i, err, stdout.String())
		}
		assertGone(t, marker, socketsOf(family))
		if !(killedParent && parallel == "1") { // then only the next run can clean up
			assertNothingLeft(t, marker, nil, tmp)
		}

		// The next run on this machine is correct, and sweeps what a killed
		// run could not remove.
		next, nextOut, nextMarker := launch(t, tmp, "run", "--focus", "refuses connections", "--seed", "1", "--parallel", "1", "--out", t.TempDir())
		if err := next.Wait(); err != nil || !strings.Contains(nextOut.String(), "verdict: PASS") {
			t.Fatalf("round %d: the run after: %v\n%s", i, err, nextOut.String())
		}
		assertNothingLeft(t, nextMarker, nil, tmp)
	}
}

// shardOf is the pid of a shard among a run's processes, or 0.
func shardOf(family map[int][]string) int {
	for pid := range family {
		cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if strings.Contains(string(cmdline), "--shard") {
			return pid
		}
	}
	return 0
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a number", name, v)
	}
	return n
}

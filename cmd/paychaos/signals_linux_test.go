package main_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/onsi/gomega"
)

// startRun starts a parallel run of the outage scenarios with its own
// TMPDIR and waits until its first scenario has finished, so that a
// signal lands mid-run with every shard busy.
func startRun(t *testing.T, out, tmp, parallel string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, "run", "--label-filter", "outage", "--seed", "5", "--out", out, "--parallel", parallel)
	cmd.Env = append(os.Environ(), "SHOP_FLAWS=", "TMPDIR="+tmp)
	var stdout syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	gomega.NewWithT(t).Eventually(stdout.String).WithTimeout(60 * time.Second).WithPolling(20 * time.Millisecond).
		Should(gomega.MatchRegexp(`(?m)^\[1[\]/]`))
	return cmd, &stdout
}

// A SIGINT or SIGTERM sent to the parent alone (kill -INT, timeout -s
// INT, a CI runner's cancel) stops every shard: exit 2 within seconds,
// with a partial report marked interrupted, and nothing left behind.
func TestParentOnlySignalStopsTheRun(t *testing.T) {
	for _, tc := range []struct {
		sig      syscall.Signal
		parallel string
	}{{syscall.SIGINT, "2"}, {syscall.SIGTERM, "2"}, {syscall.SIGTERM, "1"}} {
		sig := tc.sig
		t.Run(fmt.Sprintf("%s parallel %s", sig, tc.parallel), func(t *testing.T) {
			out, tmp := t.TempDir(), t.TempDir()
			cmd, stdout := startRun(t, out, tmp, tc.parallel)
			family := processesOf(bin, cmd.Process.Pid)
			sent := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			took := time.Since(sent)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("after %v to the parent: %v, want exit 2\n%s", sig, err, stdout.String())
			}
			if took > 20*time.Second {
				t.Fatalf("took %v to stop after %v", took, sig)
			}
			assertInterruptedReport(t, out, stdout.String())
			assertNothingLeft(t, family, tmp)
		})
	}
}

// SIGKILL of the parent: the shards and their shops die with it, their
// listeners close and their temporary files go.
func TestKilledParentLeavesNothing(t *testing.T) {
	out, tmp := t.TempDir(), t.TempDir()
	cmd, stdout := startRun(t, out, tmp, "2")
	family := processesOf(bin, cmd.Process.Pid)
	if len(family) < 3 {
		t.Fatalf("want the parent, two shards and their shops running, found %v\n%s", family, stdout.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	defer func() {
		if t.Failed() {
			for _, l := range []string{"0", "1"} {
				b, _ := os.ReadFile(filepath.Join(out, "shards", l, "ginkgo.log"))
				t.Logf("shard %s:\n%s", l, b)
			}
		}
	}()
	assertNothingLeft(t, family, tmp)
}

// assertNothingLeft waits until none of family's processes runs, none of
// the sockets they listened on is open, and tmp is empty.
func assertNothingLeft(t *testing.T, family map[int][]string, tmp string) {
	t.Helper()
	var inodes []string
	for _, in := range family {
		inodes = append(inodes, in...)
	}
	g := gomega.NewWithT(t)
	g.Eventually(func() []int {
		var left []int
		for pid := range family {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && exeOf(pid) == bin {
				left = append(left, pid)
			}
		}
		return left
	}).WithTimeout(30*time.Second).WithPolling(100*time.Millisecond).Should(gomega.BeEmpty(), "processes left")
	g.Eventually(func() []string {
		var open []string
		for _, in := range listening() {
			if slices.Contains(inodes, in) {
				open = append(open, in)
			}
		}
		return open
	}).WithTimeout(10*time.Second).WithPolling(100*time.Millisecond).Should(gomega.BeEmpty(), "listeners left")
	g.Eventually(func() []string {
		var left []string
		_ = filepath.WalkDir(tmp, func(p string, d os.DirEntry, err error) error {
			if p != tmp {
				left = append(left, p)
			}
			return nil
		})
		return left
	}).WithTimeout(10*time.Second).WithPolling(100*time.Millisecond).Should(gomega.BeEmpty(), "temporary files left")
}

// processesOf finds the processes running exe that descend from root (or
// are it), with the socket inodes each holds open.
func processesOf(exe string, root int) map[int][]string {
	parents := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || exeOf(pid) != exe {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 {
			parents[pid], _ = strconv.Atoi(f[1])
		}
	}
	out := map[int][]string{}
	for pid := range parents {
		for p := pid; p > 1; p = parents[p] {
			if p == root {
				out[pid] = sockets(pid)
				break
			}
			if _, ok := parents[p]; !ok {
				break
			}
		}
	}
	return out
}

func exeOf(pid int) string {
	l, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	return l
}

func sockets(pid int) []string {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, _ := os.ReadDir(dir)
	var out []string
	for _, fd := range fds {
		l, _ := os.Readlink(filepath.Join(dir, fd.Name()))
		if in, ok := strings.CutPrefix(l, "socket:["); ok {
			out = append(out, strings.TrimSuffix(in, "]"))
		}
	}
	return out
}

// listening is the inodes of every listening TCP socket on the machine.
func listening() []string {
	var out []string
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n")[1:] {
			if fs := strings.Fields(line); len(fs) > 9 && fs[3] == "0A" {
				out = append(out, fs[9])
			}
		}
	}
	return out
}

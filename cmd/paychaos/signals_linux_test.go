package main_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/onsi/gomega"
)

// markerEnv marks every process a test's run starts (children inherit
// it), so that what is left of it can be found after its parent is gone.
const markerEnv = "PAYCHAOS_TEST_RUN"

var runs atomic.Int64

// launch starts paychaos with args, its own TMPDIR and a marker.
func launch(t *testing.T, tmp string, args ...string) (*exec.Cmd, *syncBuffer, string) {
	t.Helper()
	marker := fmt.Sprintf("%d-%d", os.Getpid(), runs.Add(1))
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "SHOP_FLAWS=", "TMPDIR="+tmp, markerEnv+"="+marker)
	var stdout syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return cmd, &stdout, marker
}

// startRun starts a run of the outage scenarios and waits until its first
// scenario has finished, so that a signal lands mid-run with every shard
// busy.
func startRun(t *testing.T, out, tmp, parallel string) (*exec.Cmd, *syncBuffer, string) {
	t.Helper()
	cmd, stdout, marker := launch(t, tmp, "run", "--label-filter", "outage", "--seed", "5", "--out", out, "--parallel", parallel)
	gomega.NewWithT(t).Eventually(stdout.String).WithTimeout(60 * time.Second).WithPolling(20 * time.Millisecond).
		Should(gomega.MatchRegexp(`(?m)^\[1[\]/]`))
	return cmd, stdout, marker
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
			cmd, stdout, marker := startRun(t, out, tmp, tc.parallel)
			sockets := socketsOf(marked(marker))
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
			assertNothingLeft(t, marker, sockets, tmp)
		})
	}
}

// SIGKILL of the parent: the shards and their shops die with it, their
// listeners close and their temporary files go.
func TestKilledParentLeavesNothing(t *testing.T) {
	out, tmp := t.TempDir(), t.TempDir()
	cmd, stdout, marker := startRun(t, out, tmp, "2")
	family := marked(marker)
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
	assertNothingLeft(t, marker, socketsOf(family), tmp)
}

// assertNothingLeft waits until no process of the run marked marker
// runs, none of the sockets it listened on is open, and tmp is empty.
func assertNothingLeft(t *testing.T, marker string, sockets []string, tmp string) {
	t.Helper()
	assertGone(t, marker, sockets)
	gomega.NewWithT(t).Eventually(func() []string { return filesIn(tmp) }).
		WithTimeout(10*time.Second).WithPolling(100*time.Millisecond).Should(gomega.BeEmpty(), "temporary files left")
}

// assertGone waits until no process of the run marked marker runs and
// none of the sockets it listened on is open.
func assertGone(t *testing.T, marker string, sockets []string) {
	t.Helper()
	g := gomega.NewWithT(t)
	g.Eventually(func() map[int][]string { return marked(marker) }).
		WithTimeout(30*time.Second).WithPolling(100*time.Millisecond).Should(gomega.BeEmpty(), "processes left")
	g.Eventually(func() []string {
		var open []string
		for _, in := range listening() {
			if slices.Contains(sockets, in) {
				open = append(open, in)
			}
		}
		return open
	}).WithTimeout(10*time.Second).WithPolling(100*time.Millisecond).Should(gomega.BeEmpty(), "listeners left")
}

func filesIn(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if p != dir {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// marked finds the processes whose environment carries marker, with the
// socket inodes each holds open.
func marked(marker string) map[int][]string {
	want := []byte(markerEnv + "=" + marker + "\x00")
	out := map[int][]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || exeOf(pid) != bin {
			continue
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err == nil && bytes.Contains(append(env, 0), want) {
			out[pid] = sockets(pid)
		}
	}
	return out
}

func socketsOf(family map[int][]string) []string {
	var out []string
	for _, in := range family {
		out = append(out, in...)
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

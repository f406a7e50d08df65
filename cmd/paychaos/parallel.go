package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/paychaos/paychaos/scenarios"
)

// runParallel runs the suite in f.parallel child processes of this
// program, each a shard (see scenarios.Shard), relays their progress
// lines, numbered, and merges their reports. It reports whether the run
// was interrupted: then the merged report holds what the shards finished.
func runParallel(w io.Writer, f runFlags) (types.Report, bool, error) {
	self, err := os.Executable()
	if err != nil {
		return types.Report{}, false, fmt.Errorf("find this program: %w", err)
	}
	var (
		mu      sync.Mutex // guards done, started and w
		done    int
		started []*exec.Cmd
		wg      sync.WaitGroup
	)
	signalAll := func(s os.Signal) {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range started {
			_ = c.Process.Signal(s)
		}
	}
	// Each shard has a process group of its own (shardAttr), so a signal
	// reaches the shards only through here, once: SIGINT or SIGTERM to the
	// parent alone (a CI runner's cancel) or a terminal's Ctrl-C. The
	// shards stop their scenarios, recover the faults and write partial
	// reports; one that has not stopped after shardGrace, or any after a
	// second signal, is killed.
	stopping := newStopper(signalAll)
	defer stopping.Close()
	abort := func(err error) (types.Report, bool, error) {
		signalAll(os.Kill)
		wg.Wait()
		return types.Report{}, stopping.Interrupted(), err
	}

	fmt.Fprintf(w, "paychaos: running the suite in %d processes, seed %d\n", f.parallel, f.seed)
	st := newStatus(w)
	defer st.Close()
	errs := make([]error, f.parallel)
	dirs := make([]string, f.parallel)
	for i := range f.parallel {
		if stopping.Interrupted() {
			break // interrupted while starting: start no more
		}
		dirs[i] = filepath.Join(f.out, "shards", strconv.Itoa(i))
		args := []string{"run", "--shard", fmt.Sprintf("%d/%d", i, f.parallel), "--out", dirs[i],
			"--seed", strconv.FormatInt(f.seed, 10), "--label-filter", f.labelFilter, "--flaws", f.flaws}
		args = append(args, "--mode", f.mode)
		if f.target != "" {
			args = append(args, "--target", f.target)
		}
		if f.mode == modeRemote {
			args = append(args, "--toxiproxy", f.toxiproxy, "--provider", f.provider)
		}
		for _, fo := range f.focus {
			args = append(args, "--focus", fo)
		}
		cmd := exec.Command(self, args...)
		cmd.Env = append(os.Environ(), "PAYCHAOS_PROVIDER_TOKEN="+f.providerToken) // not on the command line
		cmd.SysProcAttr = childAttr()
		if err := tieToParent(cmd); err != nil {
			return abort(err)
		}
		if st.tty {
			cmd.Env = append(cmd.Env, "PAYCHAOS_PHASES=1")
		}
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return abort(err)
		}
		if err := os.RemoveAll(dirs[i]); err != nil {
			return abort(err)
		}
		if err := cmd.Start(); err != nil {
			return abort(fmt.Errorf("start shard %d: %w", i, err))
		}
		mu.Lock()
		started = append(started, cmd)
		mu.Unlock()
		if stopping.Interrupted() {
			_ = cmd.Process.Signal(os.Interrupt) // it may have started after the others were told
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(out)
			sc.Buffer(make([]byte, 64<<10), 4<<20)
			shard := strconv.Itoa(i)
			for sc.Scan() {
				line := sc.Text()
				if rest, ok := strings.CutPrefix(line, phaseMark); ok {
					scenario, phase, _ := strings.Cut(rest, "\t")
					st.Phase(shard, scenario, phase)
					continue
				}
				mu.Lock()
				if strings.HasPrefix(line, " ") { // a failure's details
					st.Line(line)
				} else {
					done++
					st.Line(fmt.Sprintf("[%d] %s", done, line))
				}
				mu.Unlock()
			}
			// A shard that fails its scenarios exits non-zero; only a shard
			// that wrote no report is an error.
			if err := cmd.Wait(); err != nil {
				var ee *exec.ExitError
				if !errors.As(err, &ee) {
					errs[i] = fmt.Errorf("shard %d: %w", i, err)
				}
			}
		}()
	}
	wg.Wait()
	interrupted := stopping.Interrupted()
	shards := make([][]types.Report, 0, f.parallel)
	for i, dir := range dirs {
		if dir == "" {
			continue // never started: interrupted first
		}
		s, err := readSuite(filepath.Join(dir, "ginkgo.json"))
		if err != nil {
			if interrupted {
				fmt.Fprintf(os.Stderr, "paychaos: shard %d was stopped before it wrote a report: %v\n", i, err)
				continue
			}
			return types.Report{}, false, errors.Join(fmt.Errorf("shard %d: %w", i, err), errs[i])
		}
		shards = append(shards, []types.Report{s})
	}
	if len(shards) == 0 {
		return types.Report{}, interrupted, &exitError{code: 2, err: errors.New("interrupted before any shard wrote a report")}
	}
	rep, err := scenarios.MergeShards(shards)
	return rep, interrupted, err
}

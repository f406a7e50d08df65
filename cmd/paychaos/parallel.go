package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/paychaos/paychaos/scenarios"
)

// runParallel runs the suite in f.parallel child processes of this
// program, each a shard (see scenarios.Shard), relays their progress
// lines, numbered, and merges their reports.
func runParallel(w io.Writer, f runFlags) (types.Report, error) {
	self, err := os.Executable()
	if err != nil {
		return types.Report{}, fmt.Errorf("find this program: %w", err)
	}
	// The children get the interrupt too (same process group); the parent
	// waits for them to stop and write their partial reports.
	var (
		mu      sync.Mutex // guards done, started and w
		done    int
		started []*exec.Cmd
		wg      sync.WaitGroup
	)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	stopSignals := make(chan struct{})
	defer func() { signal.Stop(sig); close(stopSignals) }()
	go func() {
		for {
			select {
			case <-stopSignals:
				return
			case s := <-sig:
				if s != syscall.SIGTERM {
					continue // the shards got the interrupt too: wait for them
				}
				// SIGTERM reaches only this process: pass it on.
				mu.Lock()
				for _, c := range started {
					_ = c.Process.Signal(os.Interrupt)
				}
				mu.Unlock()
			}
		}
	}()
	abort := func(err error) (types.Report, error) {
		mu.Lock()
		for _, c := range started {
			_ = c.Process.Kill()
		}
		mu.Unlock()
		wg.Wait()
		return types.Report{}, err
	}

	fmt.Fprintf(w, "paychaos: running the suite in %d processes, seed %d\n", f.parallel, f.seed)
	st := newStatus(w)
	defer st.Close()
	errs := make([]error, f.parallel)
	dirs := make([]string, f.parallel)
	for i := range f.parallel {
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
	shards := make([][]types.Report, 0, f.parallel)
	for i, dir := range dirs {
		s, err := readSuite(filepath.Join(dir, "ginkgo.json"))
		if err != nil {
			return types.Report{}, errors.Join(fmt.Errorf("shard %d: %w", i, err), errs[i])
		}
		shards = append(shards, []types.Report{s})
	}
	return scenarios.MergeShards(shards)
}

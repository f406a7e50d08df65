package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/paychaos/paychaos/harness/tempdir"
)

// shardGrace is how long a shard may take to stop after an interrupt:
// enough to recover its fault, close its SUT and write its report.
const shardGrace = 15 * time.Second

// stopper turns the first SIGINT or SIGTERM the parent of a parallel run
// receives into an interrupt of every shard, and a second one, or shards
// still running shardGrace later, into a kill.
type stopper struct {
	sig         chan os.Signal
	quit, done  chan struct{}
	interrupted atomic.Bool
}

func newStopper(signalAll func(os.Signal)) *stopper {
	st := &stopper{sig: make(chan os.Signal, 2), quit: make(chan struct{}), done: make(chan struct{})}
	signal.Notify(st.sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		defer close(st.done)
		var kill <-chan time.Time
		for {
			select {
			case <-st.quit:
				return
			case s := <-st.sig:
				if st.interrupted.Swap(true) {
					fmt.Fprintln(os.Stderr, "paychaos: a second signal: killing the shards")
					signalAll(os.Kill)
					continue
				}
				fmt.Fprintf(os.Stderr, "paychaos: %v: stopping the shards (signal again to kill them)\n", s)
				signalAll(os.Interrupt)
				kill = time.After(shardGrace)
			case <-kill:
				fmt.Fprintf(os.Stderr, "paychaos: shards still running %v after the interrupt: killing them\n", shardGrace)
				signalAll(os.Kill)
				kill = nil
			}
		}
	}()
	return st
}

// Interrupted reports whether a signal asked the run to stop.
func (st *stopper) Interrupted() bool { return st.interrupted.Load() }

// Close stops listening for signals.
func (st *stopper) Close() {
	signal.Stop(st.sig)
	close(st.quit)
	<-st.done
}

// childAttr puts a child run or shard in a process group of its own, so
// that a terminal's Ctrl-C reaches the parent alone, which passes it on
// once (see stopper): a second interrupt would make the child's suite
// skip its cleanup. The kernel's parent-death signal is no help here: it
// fires once per thread of the dying parent.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// parentFDEnv names the file descriptor of the pipe a child watches.
const parentFDEnv = "PAYCHAOS_PARENT_FD"

// tieToParent gives cmd the read end of a pipe whose write end only this
// process holds, never writes and never closes: when this process dies,
// however it dies, the pipe closes and the child stops as if interrupted
// (watchParent). cmd.Env must be set.
func tieToParent(cmd *exec.Cmd) error {
	parentPipe.once.Do(func() { parentPipe.r, parentPipe.w, parentPipe.err = os.Pipe() })
	if parentPipe.err != nil {
		return fmt.Errorf("pipe: %w", parentPipe.err)
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, parentPipe.r)
	cmd.Env = append(cmd.Env, parentFDEnv+"="+strconv.Itoa(2+len(cmd.ExtraFiles)))
	return nil
}

// parentPipe is the pipe every child of this process watches.
var parentPipe struct {
	once sync.Once
	r, w *os.File
	err  error
}

// watchParent makes a child run stop when its parent dies: it sends
// itself one SIGTERM when the pipe from tieToParent closes. It returns
// whether that happened, for the cleanup that only an orphan does.
func watchParent() (orphaned func() bool) {
	fd, err := strconv.Atoi(os.Getenv(parentFDEnv))
	if err != nil || fd < 3 {
		return func() bool { return false }
	}
	_ = os.Unsetenv(parentFDEnv) // not for our own children
	f := os.NewFile(uintptr(fd), "parent")
	syscall.CloseOnExec(fd)
	var gone atomic.Bool
	go func() {
		_, _ = io.Copy(io.Discard, f) // returns when the parent is gone
		gone.Store(true)
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM) // stop as if interrupted
	}()
	return gone.Load
}

// guardShard keeps an interrupted shard from hanging: one that has not
// finished within shardGrace of the interrupt exits (its SUT processes die
// with it). The returned function ends the guard; an orphaned shard then
// removes its parent's temporary directory if it is the last to leave it.
func guardShard(orphaned func() bool) func() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var exit <-chan time.Time
		for {
			select {
			case <-quit:
				return
			case <-sig:
				if exit == nil {
					exit = time.After(shardGrace)
				}
			case <-exit:
				fmt.Fprintf(os.Stderr, "paychaos: shard: still running %v after the interrupt: exiting\n", shardGrace)
				leaveRunTemp(orphaned())
				os.Exit(2)
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(quit)
		<-done
		leaveRunTemp(orphaned())
	}
}

// runTempPrefix names a run's temporary directory: paychaos-run-PID-….
const runTempPrefix = "paychaos-run-"

// runTemp gives a run a temporary directory of its own, named for its
// pid, and points TMPDIR at it, so that whatever the run and its children
// keep in temporary files (the SUTs' state, the images' build contexts)
// goes with it: removed when the run ends, and after a run that was
// killed, by the next one (tempdir.New). The returned function removes it.
func runTemp() (func(), error) {
	d, err := tempdir.New(runTempPrefix)
	if err != nil {
		return nil, err
	}
	prev, had := os.LookupEnv("TMPDIR")
	if err := os.Setenv("TMPDIR", d); err != nil {
		_ = os.Remove(d)
		return nil, err
	}
	return func() {
		if had {
			_ = os.Setenv("TMPDIR", prev)
		} else {
			_ = os.Unsetenv("TMPDIR")
		}
		if err := os.RemoveAll(d); err != nil {
			fmt.Fprintf(os.Stderr, "paychaos: clean up: %v\n", err)
		}
	}, nil
}

// leaveRunTemp removes the parent run's temporary directory when the
// parent is gone and the directory is empty (the last shard out).
func leaveRunTemp(orphaned bool) {
	if !orphaned {
		return // the parent cleans up
	}
	d := os.Getenv("TMPDIR")
	if pid, ok := tempdir.Owner(d, runTempPrefix); ok && !tempdir.Alive(pid) {
		_ = os.Remove(d)
	}
}

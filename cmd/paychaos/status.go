package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// phaseMark starts a line a shard prints to tell its parent where a
// scenario is; the parent draws it in its status line, never prints it.
const phaseMark = "\x1ephase\t"

// status prints progress: the lines it is given as they come and, on a
// terminal, a status line under them with each running scenario's phase
// and the time elapsed, repainted as it changes. Off a terminal (CI logs)
// it prints the lines alone.
type status struct {
	w     io.Writer
	tty   bool
	start time.Time

	mu      sync.Mutex
	running map[string]string // who (a shard, or the scenario) -> "scenario: phase"
	stop    chan struct{}
	done    chan struct{}
}

func newStatus(w io.Writer) *status {
	s := &status{w: w, tty: isTerminal(w), start: time.Now(), running: map[string]string{}}
	if s.tty {
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.tick()
	}
	return s
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (s *status) tick() {
	defer close(s.done)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			s.paintLocked()
			s.mu.Unlock()
		}
	}
}

// Phase records that who's scenario entered phase.
func (s *status) Phase(who, scenario, phase string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running[who] = scenario + ": " + phase
	s.paintLocked()
}

// Line prints one progress line above the status line.
func (s *status) Line(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty {
		fmt.Fprint(s.w, "\r\033[K")
	}
	fmt.Fprintln(s.w, line)
	s.paintLocked()
}

func (s *status) paintLocked() {
	if !s.tty {
		return
	}
	parts := make([]string, 0, len(s.running))
	for _, v := range s.running {
		parts = append(parts, v)
	}
	slices.Sort(parts)
	line := fmt.Sprintf("  %s · %s", time.Since(s.start).Round(time.Second), strings.Join(parts, " | "))
	if r := []rune(line); len(r) > 150 {
		line = string(r[:149]) + "…"
	}
	fmt.Fprint(s.w, "\r\033[K"+line)
}

// Close clears the status line and stops repainting it.
func (s *status) Close() {
	if !s.tty {
		return
	}
	close(s.stop)
	<-s.done
	s.mu.Lock()
	fmt.Fprint(s.w, "\r\033[K")
	s.mu.Unlock()
}

// lineWriter turns writes into whole lines for a status.
type lineWriter struct {
	mu  sync.Mutex
	buf []byte
	out func(string)
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := slices.Index(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(l.buf[:i])
		l.buf = l.buf[i+1:]
		l.out(line)
	}
}

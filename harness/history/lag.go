package history

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Lag is the harness's own scheduling delay over a run, on the history
// clock, in spans of Span: Lost[i] is the time the harness lost in
// [i*Span, (i+1)*Span) (the sum of how late a timer woke it, beyond timer
// noise) and Longest[i] the longest single delay there. A starved CI machine
// delays the harness's reading of an answer as much as the SUT's sending
// of it: a timing check widens its judgement by the time lost around an
// op, so that the SUT is never blamed for time the harness lost itself.
type Lag struct {
	Span    time.Duration   `json:"span"`
	Lost    []time.Duration `json:"lost"`
	Longest []time.Duration `json:"longest"`
}

// Probe settings: a wake-up every lagEvery, delays under lagNoise are the
// timer's own jitter, spans of LagSpan, at most lagMaxSpans of them (the
// last one takes the rest of a very long run).
const (
	LagSpan     = 100 * time.Millisecond
	lagEvery    = 5 * time.Millisecond
	lagNoise    = time.Millisecond
	lagMaxSpans = 1 << 15
)

// Worst is the longest single delay of the run.
func (l Lag) Worst() time.Duration {
	var w time.Duration
	for _, d := range l.Longest {
		w = max(w, d)
	}
	return w
}

// LostDuring is the time the harness lost while an op ran from call to
// ret: every span the op overlaps, and the span after it, since a delay is
// recorded when the harness wakes up from it.
func (l Lag) LostDuring(call, ret time.Duration) time.Duration {
	if l.Span <= 0 || len(l.Lost) == 0 || ret < call {
		return 0
	}
	from, to := l.index(call), l.index(ret)+1
	var lost time.Duration
	for i := max(from, 0); i <= to && i < len(l.Lost); i++ {
		lost += l.Lost[i]
	}
	return lost
}

func (l Lag) index(t time.Duration) int {
	if t < 0 {
		return 0
	}
	return int(min(t/l.Span, lagMaxSpans))
}

// validate refuses a lag series no probe could have written.
func (l Lag) validate() error {
	switch {
	case len(l.Lost) != len(l.Longest):
		return fmt.Errorf("lag: %d lost spans but %d longest", len(l.Lost), len(l.Longest))
	case len(l.Lost) > lagMaxSpans:
		return fmt.Errorf("lag: %d spans, at most %d", len(l.Lost), lagMaxSpans)
	case len(l.Lost) > 0 && l.Span <= 0:
		return errors.New("lag: spans without a span length")
	}
	for i := range l.Lost {
		if l.Lost[i] < 0 || l.Longest[i] < 0 || l.Longest[i] > l.Lost[i] {
			return fmt.Errorf("lag: span %d: lost %v, longest %v", i, l.Lost[i], l.Longest[i])
		}
	}
	return nil
}

// LagProbe measures the harness's scheduling delay while a run goes on: a
// goroutine asks to be woken every few milliseconds and notes how late it
// was. Start it with StartLagProbe, stop it with Stop.
type LagProbe struct {
	now  func() time.Duration
	stop chan struct{}
	done chan struct{}
	once sync.Once

	mu  sync.Mutex
	lag Lag
}

// StartLagProbe starts measuring on the clock now (a Recorder's Now).
func StartLagProbe(now func() time.Duration) *LagProbe {
	p := &LagProbe{now: now, stop: make(chan struct{}), done: make(chan struct{}), lag: Lag{Span: LagSpan}}
	go p.run()
	return p
}

func (p *LagProbe) run() {
	defer close(p.done)
	t := time.NewTimer(lagEvery)
	defer t.Stop()
	last := p.now()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		at := p.now()
		p.note(at, at-last-lagEvery)
		last = at
		t.Reset(lagEvery)
	}
}

// note records a delay d that ended at at.
func (p *LagProbe) note(at, d time.Duration) {
	if d < lagNoise {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	i := p.lag.index(at)
	if i >= lagMaxSpans {
		i = lagMaxSpans - 1
	}
	for len(p.lag.Lost) <= i {
		p.lag.Lost = append(p.lag.Lost, 0)
		p.lag.Longest = append(p.lag.Longest, 0)
	}
	p.lag.Lost[i] += d
	p.lag.Longest[i] = max(p.lag.Longest[i], d)
}

// Stop ends the probe and returns what it measured. It may be called
// more than once.
func (p *LagProbe) Stop() Lag {
	p.once.Do(func() { close(p.stop) })
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return Lag{Span: p.lag.Span, Lost: append([]time.Duration(nil), p.lag.Lost...), Longest: append([]time.Duration(nil), p.lag.Longest...)}
}

package history

import (
	"runtime"
	"testing"
	"time"
)

func TestLagProbeNotesAStall(t *testing.T) {
	// A clock the test moves: each wake-up of the probe reads it once.
	clock := make(chan time.Duration)
	p := &LagProbe{now: func() time.Duration { return <-clock }, stop: make(chan struct{}), done: make(chan struct{}), lag: Lag{Span: LagSpan}}
	go p.run()
	jitter := 300 * time.Microsecond
	stall := 3*lagEvery + jitter + 250*time.Millisecond
	clock <- 0                      // start
	clock <- lagEvery               // on time: nothing lost
	clock <- 2*lagEvery + jitter    // timer jitter: noise
	clock <- stall                  // woke 250 ms late
	clock <- stall + lagEvery + 2e6 // 2 ms late
	lag := p.Stop()
	if got := lag.Worst(); got != 250*time.Millisecond {
		t.Errorf("worst %v, want 250ms", got)
	}
	if got := lag.LostDuring(stall-time.Millisecond, stall); got != 252*time.Millisecond {
		t.Errorf("lost around the stall %v, want 252ms (%+v)", got, lag)
	}
	if got := lag.LostDuring(0, 10*time.Millisecond); got != 0 {
		t.Errorf("lost before the stall %v, want 0", got)
	}
	if err := lag.validate(); err != nil {
		t.Error(err)
	}
	p.Stop() // twice is fine
}

func TestLagProbeMeasuresRealStarvation(t *testing.T) {
	rec := NewRecorder()
	p := StartLagProbe(rec.Now)
	// Hold every P for a while: the probe cannot run until we let go.
	deadline := time.Now().Add(5 * time.Second)
	for p.lagSoFar() < 3*time.Millisecond && time.Now().Before(deadline) {
		stopTheWorld(60 * time.Millisecond)
	}
	lag := p.Stop()
	if lag.Worst() < 3*time.Millisecond {
		t.Fatalf("a starved probe noted at most %v", lag.Worst())
	}
	if got := lag.LostDuring(0, rec.Now()); got < lag.Worst() {
		t.Errorf("lost %v over the run, less than its worst delay %v", got, lag.Worst())
	}
}

func (p *LagProbe) lagSoFar() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lag.Worst()
}

// stopTheWorld starves the probe for a while: with GOMAXPROCS(1) a busy
// loop holds the only P until the scheduler preempts it (after about
// 10 ms), so the probe wakes late.
func stopTheWorld(d time.Duration) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	end := time.Now().Add(d)
	for time.Now().Before(end) {
	}
}

func TestLagSavedAndLoaded(t *testing.T) {
	dir := t.TempDir()
	lag := Lag{Span: LagSpan, Lost: []time.Duration{0, 3e6, 0}, Longest: []time.Duration{0, 2e6, 0}}
	if err := Save(dir, Run{Meta: Meta{Scenario: "s", Lag: lag}}); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta.Lag.Span != lag.Span || len(got.Meta.Lag.Lost) != 3 || got.Meta.Lag.Lost[1] != 3e6 || got.Meta.Lag.Longest[1] != 2e6 {
		t.Errorf("loaded %+v, saved %+v", got.Meta.Lag, lag)
	}
	for _, bad := range []Lag{
		{Span: LagSpan, Lost: []time.Duration{1}, Longest: nil},
		{Lost: []time.Duration{1}, Longest: []time.Duration{1}},
		{Span: LagSpan, Lost: []time.Duration{-1}, Longest: []time.Duration{0}},
		{Span: LagSpan, Lost: []time.Duration{1}, Longest: []time.Duration{2}},
	} {
		if err := Save(t.TempDir(), Run{Meta: Meta{Lag: bad}}); err == nil {
			t.Errorf("saved a bad lag %+v", bad)
		}
	}
}

package load

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Generator sends arrivals on a Shape's schedule, open loop: the schedule
// never waits for answers. Requests in flight are capped; an arrival that
// finds the cap reached waits for a slot and goes out late, its latency
// still counted from when it was due, so the wait is the SUT's, and the
// schedule catches up behind it rather than skipping ahead.
type Generator struct {
	Shape Shape
	// InFlight caps the requests outstanding at once.
	InFlight int
	// Max bounds the arrivals of one run.
	Max int
	// Now is the clock that due offsets are on (the recorder's).
	Now func() time.Duration
}

// Validate reports a generator that cannot run.
func (g Generator) Validate() error {
	switch {
	case g.InFlight <= 0:
		return fmt.Errorf("load: in-flight cap must be positive")
	case g.Max <= 0:
		return fmt.Errorf("load: max must be positive")
	case g.Now == nil:
		return fmt.Errorf("load: no clock")
	}
	return g.Shape.Validate()
}

// Run calls arrive for each arrival in turn, with its number and the
// offset on Now's clock it was due at, once a slot is free; arrive makes
// the arrival's choices (in order, so a seeded source stays reproducible)
// and returns the request, which runs in a goroutine of its own with a
// context the end of the run does not cancel. Run stops when ctx ends or
// Max arrivals went out, waits for those in flight (their outcomes belong
// in the history) and returns how many went out.
func (g Generator) Run(ctx context.Context, arrive func(n int, due time.Duration) func(context.Context)) (int, error) {
	if err := g.Validate(); err != nil {
		return 0, err
	}
	slots := make(chan struct{}, g.InFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	start := g.Now()
	keep := context.WithoutCancel(ctx)
	var off time.Duration
	for n := 0; n < g.Max; n, off = n+1, g.Shape.Next(off) {
		due := start + off
		if wait := due - g.Now(); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return n, nil
			case <-timer.C:
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return n, nil
		}
		if ctx.Err() != nil {
			<-slots
			return n, nil
		}
		send := arrive(n, due)
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			send(keep)
		}()
	}
	return g.Max, nil
}

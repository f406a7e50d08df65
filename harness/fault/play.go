package fault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// Hold is what a run does while a fault is on, and how it sees the
// fault's window.
type Hold struct {
	// For is how long the fault stays on.
	For time.Duration
	// While, when set, runs as soon as the fault is on (attacks at the
	// SUT); the fault stays on until While has returned and For has passed.
	While func(ctx context.Context) error
	// Recorder is the run's history. Its clock times the window, and the
	// operations called in the window, finished or still in flight, are
	// the fault's evidence: a fault that makes every request hang has
	// caught them all.
	Recorder *history.Recorder
	// Phase, when set, is told as the fault is injected, held and
	// recovered: "inject", "hold", "recover".
	Phase func(phase string)
}

// Report says what a played fault was, when it was on (on the run's
// clock), and how often it acted. It is plain data, saved with a run's
// result.
type Report struct {
	Name   string            `json:"name"`
	Kind   Kind              `json:"kind"`
	Params map[string]string `json:"params,omitempty"`
	Start  time.Duration     `json:"start"`
	End    time.Duration     `json:"end"`
	Hits   int64             `json:"hits"`
}

// Fired reports whether the fault acted at least once.
func (r Report) Fired() bool { return r.Hits > 0 }

// Play is a fault's whole life in a run: inject, hold, take the evidence
// while it is still on, recover. Recovery runs exactly once whatever
// happens (an error, a panic, a cancelled run); the evidence and the
// recovery share one context of their own, bounded so that a hung undo
// cannot hang the run. The baseline (KindNone) opens no window: its End
// is its Start, and every operation is "before". An error means the
// harness could not play the fault, never that the SUT misbehaved.
func Play(ctx context.Context, f Fault, t *Targets, h Hold) (Report, error) {
	phase := func(p string) {
		if h.Phase != nil {
			h.Phase(p)
		}
	}
	phase("inject")
	r := Report{Name: f.Name(), Kind: f.Kind(), Start: h.Recorder.Now()}
	if d, ok := f.(Describer); ok {
		r.Params = d.Params()
	}
	on, err := f.Inject(ctx, t)
	if err != nil {
		return r, fmt.Errorf("inject %s: %w", f.Name(), err)
	}
	recovered := false
	defer func() {
		if !recovered { // the hold panicked
			_ = Undo(ctx, on.Recover)
		}
	}()

	phase("hold")
	holdErr := hold(ctx, h)

	uctx, cancel := undoContext(ctx)
	defer cancel()
	hits, hitsErr := on.Hits(uctx, evidence(h.Recorder, r.Start))
	phase("recover")
	recovered = true
	recErr := on.Recover(uctx)

	r.End, r.Hits = h.Recorder.Now(), hits
	if f.Kind() == KindNone {
		r.End = r.Start
	}
	if err := errors.Join(holdErr, hitsErr, recErr); err != nil {
		return r, fmt.Errorf("fault %s: %w", f.Name(), err)
	}
	return r, nil
}

// hold runs h.While, then waits out the rest of h.For.
func hold(ctx context.Context, h Hold) error {
	end := time.Now().Add(h.For)
	var err error
	if h.While != nil {
		err = h.While(ctx)
	}
	t := time.NewTimer(time.Until(end))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return errors.Join(err, ctx.Err())
	case <-t.C:
		return err
	}
}

// evidence is every operation called since start, finished or in flight.
func evidence(rec *history.Recorder, start time.Duration) []history.Op {
	var out []history.Op
	for _, ops := range [][]history.Op{rec.Ops(), rec.InFlight()} {
		for _, op := range ops {
			if op.Call >= start {
				out = append(out, op)
			}
		}
	}
	return out
}

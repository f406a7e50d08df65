package fault

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// Schedule switches a fault on and off in windows while it is injected,
// like a nemesis: on for On, off for Off, again and again until recovery.
// With Seed set, each on and off period is drawn uniformly from [d/2,
// 3d/2] by a source seeded with Seed, so a schedule is random yet
// reproducible.
type Schedule struct {
	Fault   Fault
	On, Off time.Duration
	Seed    uint64
}

var _ describedFault = Schedule{}

func (s Schedule) Name() string {
	return fmt.Sprintf("%s(on %s/off %s)", s.Fault.Name(), s.On, s.Off)
}

func (s Schedule) Kind() Kind { return s.Fault.Kind() }

func (s Schedule) Params() map[string]string {
	p := map[string]string{"on": s.On.String(), "off": s.Off.String()}
	if d, ok := s.Fault.(Describer); ok {
		for k, v := range d.Params() {
			p[k] = v
		}
	}
	if s.Seed != 0 {
		p["seed"] = fmt.Sprint(s.Seed)
	}
	return p
}

// Needs is what the scheduled fault needs.
func (s Schedule) Needs() []Need { return needsOf(s.Fault) }

func (s Schedule) Inject(ctx context.Context, t *Targets) (Injected, error) {
	if s.On <= 0 || s.Off <= 0 {
		return nil, fmt.Errorf("schedule %s: on and off must be positive", s.Fault.Name())
	}
	first, err := s.Fault.Inject(ctx, t)
	if err != nil {
		return nil, err
	}
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sc := &scheduled{s: s, t: t, cur: first, cancel: cancel, done: make(chan struct{})}
	if s.Seed != 0 {
		sc.rng = rand.New(rand.NewPCG(s.Seed, 0x5eed))
	}
	go sc.loop(loopCtx)
	return sc, nil
}

type scheduled struct {
	s      Schedule
	t      *Targets
	rng    *rand.Rand
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	cur  Injected // nil while off
	hits int64    // from windows already closed
	err  error
}

var _ Injected = (*scheduled)(nil)

func (sc *scheduled) period(d time.Duration) time.Duration {
	if sc.rng == nil {
		return d
	}
	return d/2 + time.Duration(sc.rng.Int64N(int64(d)+1))
}

func (sc *scheduled) loop(ctx context.Context) {
	defer close(sc.done)
	on := true
	for {
		d := sc.period(sc.s.Off)
		if on {
			d = sc.period(sc.s.On)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		// Only the wait is cancelled by Recover: a toggle under way runs
		// to its end with a context of its own, or the fault could be left
		// half on.
		opCtx, cancel := undoContext(ctx)
		sc.mu.Lock()
		if on {
			sc.closeWindowLocked(opCtx)
		} else {
			i, err := sc.s.Fault.Inject(opCtx, sc.t)
			if err != nil {
				sc.err = errors.Join(sc.err, err)
			}
			sc.cur = i
		}
		sc.mu.Unlock()
		cancel()
		on = !on
	}
}

// closeWindowLocked counts the current window's hits and recovers it.
func (sc *scheduled) closeWindowLocked(ctx context.Context) {
	if sc.cur == nil {
		return
	}
	n, err := sc.cur.Hits(ctx, nil)
	sc.hits += n
	sc.err = errors.Join(sc.err, err, sc.cur.Recover(ctx))
	sc.cur = nil
}

func (sc *scheduled) Recover(ctx context.Context) error {
	sc.cancel()
	<-sc.done
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.cur != nil {
		sc.err = errors.Join(sc.err, sc.cur.Recover(ctx))
		sc.cur = nil
	}
	return sc.err
}

// Hits adds up the windows. Faults whose evidence is the operations they
// met (outages, crashes) are counted over the whole schedule.
func (sc *scheduled) Hits(ctx context.Context, during []history.Op) (int64, error) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	n := sc.hits
	if sc.cur != nil {
		h, err := sc.cur.Hits(ctx, during)
		if err != nil {
			return 0, err
		}
		n += h
	}
	if n == 0 && len(during) > 0 {
		switch sc.s.Fault.(type) {
		case Outage, ProcessFault:
			n = int64(len(during))
		}
	}
	return n, nil
}

package fault

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// evidenceFault counts as its hits the operations it is given.
type evidenceFault struct{ countingFault }

func (f *evidenceFault) Inject(ctx context.Context, t *Targets) (Injected, error) {
	on, err := f.countingFault.Inject(ctx, t)
	if err != nil {
		return nil, err
	}
	return evidenceOn{on.(countingOn)}, nil
}

type evidenceOn struct{ countingOn }

func (evidenceOn) Hits(_ context.Context, during []history.Op) (int64, error) {
	return int64(len(during)), nil
}

func TestPlayHoldsTakesTheEvidenceAndRecoversOnce(t *testing.T) {
	rec := history.NewRecorder()
	rec.Add(history.Op{Kind: history.Pay, Call: 0}) // before the window: no evidence
	f := &evidenceFault{}
	var phases []string
	r, err := Play(context.Background(), f, &Targets{}, Hold{
		For:      20 * time.Millisecond,
		Recorder: rec,
		Phase:    func(p string) { phases = append(phases, p) },
		While: func(context.Context) error {
			rec.Add(history.Op{Kind: history.Pay, Call: rec.Now()})   // met the fault
			rec.Begin(history.Op{Kind: history.Pay, Call: rec.Now()}) // caught by it, still in flight
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "counting" || r.Kind != "test" || !r.Fired() {
		t.Fatalf("report %+v", r)
	}
	if r.Hits != 2 {
		t.Fatalf("hits %d; want the finished and the in-flight operation of the window", r.Hits)
	}
	if r.End-r.Start < 20*time.Millisecond {
		t.Fatalf("window %s–%s is shorter than the hold", r.Start, r.End)
	}
	if f.injects != 1 || f.recovers != 1 {
		t.Fatalf("%d injects, %d recovers", f.injects, f.recovers)
	}
	if want := []string{"inject", "hold", "recover"}; !slices.Equal(phases, want) {
		t.Fatalf("phases %v, want %v", phases, want)
	}
}

// Whatever goes wrong while the fault is on, it is recovered, once.
func TestPlayRecoversWhateverHappens(t *testing.T) {
	t.Run("the hold fails", func(t *testing.T) {
		f := &countingFault{}
		_, err := Play(context.Background(), f, &Targets{}, Hold{Recorder: history.NewRecorder(), While: func(context.Context) error {
			return errors.New("attacks refused")
		}})
		if err == nil || !strings.Contains(err.Error(), "fault counting: attacks refused") {
			t.Fatalf("error %v", err)
		}
		if f.recovers != 1 {
			t.Fatalf("%d recovers", f.recovers)
		}
	})
	t.Run("the run is cancelled", func(t *testing.T) {
		// countingFault's Recover fails on a cancelled context: recovery
		// must have one of its own.
		ctx, cancel := context.WithCancel(context.Background())
		f := &countingFault{}
		_, err := Play(ctx, f, &Targets{}, Hold{For: time.Hour, Recorder: history.NewRecorder(), While: func(context.Context) error {
			cancel()
			return nil
		}})
		if !errors.Is(err, context.Canceled) || f.recovers != 1 {
			t.Fatalf("error %v, %d recovers", err, f.recovers)
		}
	})
	t.Run("the hold panics", func(t *testing.T) {
		f := &countingFault{}
		func() {
			defer func() { _ = recover() }()
			_, _ = Play(context.Background(), f, &Targets{}, Hold{Recorder: history.NewRecorder(), While: func(context.Context) error {
				panic("boom")
			}})
		}()
		if f.recovers != 1 {
			t.Fatalf("%d recovers after a panic", f.recovers)
		}
	})
	t.Run("recovery hangs", func(t *testing.T) {
		const bound = 50 * time.Millisecond
		shortUndo(t, bound)
		start := time.Now()
		_, err := Play(context.Background(), hungFault{}, &Targets{}, Hold{Recorder: history.NewRecorder()})
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > bound+5*time.Second {
			t.Fatalf("error %v after %s; want the undo's deadline within its bound", err, time.Since(start))
		}
	})
}

func TestPlayAFaultThatWillNotInject(t *testing.T) {
	r, err := Play(context.Background(), failingFault{}, &Targets{}, Hold{Recorder: history.NewRecorder()})
	if err == nil || !strings.Contains(err.Error(), "inject failing: refused") {
		t.Fatalf("error %v", err)
	}
	if r.Name != "failing" || r.Fired() {
		t.Fatalf("report %+v of a fault that never went on", r)
	}
}

// The baseline opens no window: every operation is "before".
func TestPlayTheBaselineOpensNoWindow(t *testing.T) {
	r, err := Play(context.Background(), None, &Targets{}, Hold{For: 5 * time.Millisecond, Recorder: history.NewRecorder()})
	if err != nil || r.End != r.Start || r.Hits != 0 {
		t.Fatalf("report %+v, error %v", r, err)
	}
}

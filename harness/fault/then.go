package fault

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Then injects First, waits After, and injects Second on top: a fault at
// a moment another fault has prepared. Recovery undoes Second, then
// First. It acted when both did.
//
// Then{First: ProviderBlackhole, After: 300ms, Second: Crash} kills the
// SUT while checkouts it has recorded are stuck before reaching the
// provider.
type Then struct {
	First  Fault
	After  time.Duration
	Second Fault
}

var _ describedFault = Then{}

func (t Then) Name() string { return fmt.Sprintf("%s-then-%s", t.First.Name(), t.Second.Name()) }
func (t Then) Kind() Kind   { return t.First.Kind() + "+" + t.Second.Kind() }

func (t Then) Params() map[string]string {
	p := map[string]string{"first": t.First.Name(), "after": t.After.String(), "second": t.Second.Name()}
	return p
}

// Needs is what both faults need.
func (t Then) Needs() []Need { return needsOf(t.First, t.Second) }

func (t Then) Inject(ctx context.Context, tg *Targets) (Injected, error) {
	first, err := t.First.Inject(ctx, tg)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (Injected, error) {
		return nil, errors.Join(err, Undo(ctx, first.Recover))
	}
	select {
	case <-ctx.Done():
		return fail(ctx.Err())
	case <-time.After(t.After):
	}
	second, err := t.Second.Inject(ctx, tg)
	if err != nil {
		return fail(err)
	}
	return togetherOn{first, second}, nil
}

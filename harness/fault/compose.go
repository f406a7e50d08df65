package fault

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/paychaos/paychaos/harness/history"
)

// Together is several faults at once: injected in order, recovered in reverse.
// It acted when every part acted.
type Together []Fault

var (
	_ Fault    = Together(nil)
	_ Needer   = Together(nil)
	_ Injected = togetherOn(nil)
)

func (a Together) Name() string {
	names := make([]string, len(a))
	for i, f := range a {
		names[i] = f.Name()
	}
	return strings.Join(names, "+")
}

// Kind joins the parts' kinds, each once, in order: network+provider.
func (a Together) Kind() Kind {
	seen := map[Kind]bool{}
	var out []string
	for _, f := range a {
		if k := f.Kind(); !seen[k] {
			seen[k] = true
			out = append(out, string(k))
		}
	}
	return Kind(strings.Join(out, "+"))
}

// Needs is what the parts need.
func (a Together) Needs() []Need { return needsOf(a...) }

func (a Together) Inject(ctx context.Context, t *Targets) (Injected, error) {
	on := make(togetherOn, 0, len(a))
	for _, f := range a {
		i, err := f.Inject(ctx, t)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("inject %s: %w", f.Name(), err), Undo(ctx, on.Recover))
		}
		on = append(on, i)
	}
	return on, nil
}

type togetherOn []Injected

func (on togetherOn) Recover(ctx context.Context) error {
	var errs []error
	for i := len(on) - 1; i >= 0; i-- {
		errs = append(errs, on[i].Recover(ctx))
	}
	return errors.Join(errs...)
}

// Hits is the least of the parts' hits: the combination acted only as
// often as its idlest part.
func (on togetherOn) Hits(ctx context.Context, during []history.Op) (int64, error) {
	var least int64 = -1
	for _, i := range on {
		n, err := i.Hits(ctx, during)
		if err != nil {
			return 0, err
		}
		if least < 0 || n < least {
			least = n
		}
	}
	return max(least, 0), nil
}

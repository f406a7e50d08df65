package fault_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/proxy"
)

// A new fault is most often one value of an existing kind (CONTRIBUTING,
// "Add a fault"). It says what it needs, so a run that cannot play it is
// skipped with the reason before any traffic runs.
func ExampleToxicFault() {
	var ProviderSlowBody fault.Fault = fault.ToxicFault{FaultName: "provider-slow-body", Link: fault.ProviderLink,
		Toxic: proxy.Bandwidth(proxy.Downstream, 1)}

	fmt.Println(ProviderSlowBody.Name(), ProviderSlowBody.Kind())
	fmt.Println(fault.Available(ProviderSlowBody, &fault.Targets{}))
	// Output:
	// provider-slow-body network
	// provider-slow-body needs a proxied link to the provider, which this environment does not offer
}

// Faults compose: Together plays several at once, Then one at a moment
// another has prepared, and both need what their parts need.
func ExampleTogether() {
	f := fault.Then{First: fault.Together{fault.CommitThenHang, fault.WebhookDrop}, Second: fault.Crash}
	fmt.Println(f.Name(), f.Kind())
	fmt.Println(errors.Is(fault.Available(f, &fault.Targets{}), fault.ErrUnsupported))
	// Output:
	// commit-then-hang+webhook-drop-then-sut-crash provider+process
	// true
}

// ConnectionsDropped is a new kind of fault (CONTRIBUTING, "a new kind of
// fault"): it takes the SUT's link to the provider down and up again at
// once, so every keep-alive connection dies while new ones work.
type ConnectionsDropped struct{}

var (
	_ fault.Fault  = ConnectionsDropped{}
	_ fault.Needer = ConnectionsDropped{}
)

func (ConnectionsDropped) Name() string        { return "provider-connections-dropped" }
func (ConnectionsDropped) Kind() fault.Kind    { return fault.KindNetwork }
func (ConnectionsDropped) Needs() []fault.Need { return []fault.Need{fault.NeedProviderLink} }

func (ConnectionsDropped) Inject(ctx context.Context, t *fault.Targets) (fault.Injected, error) {
	l := t.ProviderLink
	if err := l.Disable(ctx); err != nil {
		// Undo what may be half done, with a bounded context of its own.
		return nil, errors.Join(err, fault.Undo(ctx, l.Enable))
	}
	if err := fault.Undo(ctx, l.Enable); err != nil {
		return nil, err
	}
	return dropped{}, nil
}

type dropped struct{}

// Recover has nothing left to undo: the link is up again.
func (dropped) Recover(context.Context) error { return nil }

// Hits is the checkouts that met the fault: a fault that met none proved
// nothing, and its scenario is inconclusive.
func (dropped) Hits(_ context.Context, during []history.Op) (int64, error) {
	var n int64
	for _, op := range during {
		if op.Kind == history.Pay {
			n++
		}
	}
	return n, nil
}

func Example_newKindOfFault() {
	var f fault.Fault = ConnectionsDropped{}
	fmt.Println(f.Name(), f.Kind())
	fmt.Println(fault.Available(f, &fault.Targets{ProviderLink: &proxy.Link{}}))
	// Output:
	// provider-connections-dropped network
	// <nil>
}

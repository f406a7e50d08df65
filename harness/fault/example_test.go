package fault_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

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

// A new kind of fault is played like any other: fault.Play injects it,
// holds it while the run goes on, takes its evidence and recovers it.
func Example_newKindOfFault() {
	ctx := context.Background()
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer up.Close()
	srv, err := proxy.Embedded()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	link, err := srv.Link(ctx, "provider", strings.TrimPrefix(up.URL, "http://"), "")
	if err != nil {
		fmt.Println(err)
		return
	}

	var f fault.Fault = ConnectionsDropped{}
	rec := history.NewRecorder()
	r, err := fault.Play(ctx, f, &fault.Targets{ProviderLink: link}, fault.Hold{
		Recorder: rec,
		While: func(context.Context) error { // a checkout meets the fault
			rec.Add(history.Op{Kind: history.Pay, Call: rec.Now(), Return: rec.Now(), Outcome: history.OK})
			return nil
		},
	})
	fmt.Println(r.Name, r.Kind, r.Fired(), err)
	// Output:
	// provider-connections-dropped network true <nil>
}

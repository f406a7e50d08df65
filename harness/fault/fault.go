// Package fault is the catalogue of what paychaos does to a payment path:
// network faults through Toxiproxy, provider faults through the fake
// provider's control API, process faults on the SUT. Faults are values;
// a new fault is one line, a new kind of fault one small file.
package fault

import (
	"context"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/proxy"
	"github.com/paychaos/paychaos/harness/sut"
)

// Fault is one misbehaviour. Values are immutable and safe to reuse:
// Inject returns the handle that undoes it. A fault that needs something
// of its environment (a process to kill, a network to cut) says so as a
// Needer, so that a run asks Available before it starts anything.
type Fault interface {
	Name() string
	Kind() Kind
	// Inject starts the fault. On error it has undone whatever it did.
	Inject(ctx context.Context, t *Targets) (Injected, error)
}

// Kind is a fault's family, for reports. A fault of KindNone is the
// baseline: a run with it has no fault window. Composed faults join their
// parts' kinds with "+" (network+provider).
type Kind string

const (
	KindNone      Kind = "none"
	KindNetwork   Kind = "network"   // Toxiproxy, on a link
	KindProvider  Kind = "provider"  // the fake provider, through its control API
	KindProcess   Kind = "process"   // the SUT's process: kill, freeze
	KindPartition Kind = "partition" // the SUT's network
)

// Injected is a fault that is on.
type Injected interface {
	// Recover undoes the fault. It is called exactly once, whatever
	// happened, with a fresh context.
	Recover(ctx context.Context) error
	// Hits says how many times the fault acted, given the operations that
	// ran while it was on. It is asked just before Recover, while the
	// fault is still on. A fault that never acted proved nothing.
	Hits(ctx context.Context, during []history.Op) (int64, error)
}

// Describer is implemented by faults with parameters worth reporting.
type Describer interface {
	Params() map[string]string
}

// Provider is the fake provider's control surface, in process or remote.
type Provider interface {
	AddFault(ctx context.Context, f fakeprovider.Fault) (string, error)
	RemoveFault(ctx context.Context, id string) error
	Ledger(ctx context.Context) (fakeprovider.Snapshot, error)
}

// Targets is what faults act on.
type Targets struct {
	// ProviderLink carries the SUT's calls to the provider.
	ProviderLink *proxy.Link
	// WebhookLink carries the provider's webhook deliveries to the SUT.
	WebhookLink *proxy.Link
	// BrowserLink carries the customer's browser's calls to the provider,
	// in the flows that have a browser step; nil in the others.
	BrowserLink *proxy.Link
	// Flow is how the SUT takes payments; "" is server_confirm.
	Flow     sut.Flow
	Provider Provider
	// Process is the SUT's process, when the harness runs it as one.
	Process sut.Process
	// Network cuts the SUT off its network, where the stack can.
	Network sut.Partitioner
}

// None is the baseline: no fault. It is never inconclusive.
var None Fault = none{}

type none struct{}

func (none) Name() string { return "none" }
func (none) Kind() Kind   { return KindNone }
func (none) Inject(context.Context, *Targets) (Injected, error) {
	return noneInjected{}, nil
}

type noneInjected struct{}

func (noneInjected) Recover(context.Context) error { return nil }
func (noneInjected) Hits(context.Context, []history.Op) (int64, error) {
	return 0, nil
}

var (
	_ Fault    = none{}
	_ Injected = noneInjected{}
)

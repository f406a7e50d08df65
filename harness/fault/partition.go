package fault

import (
	"context"
	"errors"

	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
)

// Partition cuts the SUT off its network: it reaches neither the provider
// nor anything else, and webhooks cannot reach it. Only stacks that own
// the SUT's network (containers) can play it; elsewhere it is
// ErrUnsupported and the scenario is skipped with that reason. Its
// evidence is the operations that met the partition.
var Partition Fault = partition{}

type partition struct{}

var _ describedFault = partition{}

func (partition) Name() string { return "sut-partition" }
func (partition) Kind() Kind   { return KindPartition }
func (partition) Params() map[string]string {
	return map[string]string{"effect": "SUT disconnected from its network"}
}

func (partition) Needs() []Need { return []Need{NeedNetwork} }

func (p partition) Inject(ctx context.Context, t *Targets) (Injected, error) {
	if err := Available(p, t); err != nil {
		return nil, err // it names the fault and what it lacks
	}
	if err := t.Network.Disconnect(ctx); err != nil {
		return nil, errors.Join(err, Undo(ctx, t.Network.Reconnect))
	}
	return partitioned{t.Network}, nil
}

type partitioned struct{ n sut.Partitioner }

var _ Injected = partitioned{}

func (p partitioned) Recover(ctx context.Context) error { return p.n.Reconnect(ctx) }

func (p partitioned) Hits(_ context.Context, during []history.Op) (int64, error) {
	return int64(len(during)), nil
}

package fault

import (
	"context"
	"fmt"
	"strconv"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/history"
)

// ProviderFault is a fault the fake provider itself plays, through its
// control API. It counts its own hits.
type ProviderFault struct {
	FaultName string
	Fault     fakeprovider.Fault
}

var _ describedFault = ProviderFault{}

func (f ProviderFault) Name() string { return f.FaultName }
func (f ProviderFault) Kind() Kind   { return KindProvider }
func (f ProviderFault) Params() map[string]string {
	p := map[string]string{"kind": string(f.Fault.Kind)}
	if f.Fault.Endpoint != "" {
		p["endpoint"] = f.Fault.Endpoint
	}
	if f.Fault.Status != 0 {
		p["status"] = strconv.Itoa(f.Fault.Status)
	}
	if f.Fault.Body != "" {
		p["body"] = f.Fault.Body
	}
	if f.Fault.Rate != 0 {
		p["rate"] = strconv.FormatFloat(f.Fault.Rate, 'f', -1, 64)
	}
	if f.Fault.Count != 0 {
		p["count"] = strconv.FormatInt(f.Fault.Count, 10)
	}
	if f.Fault.Delay != 0 {
		p["delay"] = f.Fault.Delay.String()
	}
	return p
}

func (f ProviderFault) Needs() []Need {
	if f.Fault.Endpoint == CreatePayment {
		return []Need{NeedProvider, NeedPaymentIntentCalls}
	}
	return []Need{NeedProvider}
}

func (f ProviderFault) Inject(ctx context.Context, t *Targets) (Injected, error) {
	if t.Provider == nil {
		return nil, fmt.Errorf("inject %s: no provider control in this environment", f.FaultName)
	}
	id, err := t.Provider.AddFault(ctx, f.Fault)
	if err != nil {
		return nil, fmt.Errorf("inject %s: %w", f.FaultName, err)
	}
	return &providerOn{p: t.Provider, id: id}, nil
}

type providerOn struct {
	p  Provider
	id string
}

var _ Injected = (*providerOn)(nil)

func (o *providerOn) Recover(ctx context.Context) error { return o.p.RemoveFault(ctx, o.id) }

func (o *providerOn) Hits(ctx context.Context, _ []history.Op) (int64, error) {
	snap, err := o.p.Ledger(ctx)
	if err != nil {
		return 0, err
	}
	for _, s := range snap.Faults {
		if s.Fault.ID == o.id {
			return s.Hits, nil
		}
	}
	return 0, fmt.Errorf("fault %s not in the provider's ledger", o.id)
}

package fault

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/proxy"
)

// LinkName picks which Toxiproxy link a network fault acts on.
type LinkName string

const (
	ProviderLink LinkName = "provider" // SUT -> provider
	WebhookLink  LinkName = "webhook"  // provider -> SUT
)

func (t *Targets) link(n LinkName) (*proxy.Link, error) {
	var l *proxy.Link
	switch n {
	case ProviderLink:
		l = t.ProviderLink
	case WebhookLink:
		l = t.WebhookLink
	}
	if l == nil {
		return nil, fmt.Errorf("no %s link in this environment", n)
	}
	return l, nil
}

// Outage takes a link down: connections are refused, open ones closed.
// Nothing crosses a down link, so its evidence is the operations that
// needed it while it was down.
type Outage struct {
	FaultName string
	Link      LinkName
}

// ProviderDown refuses every connection from the SUT to the provider.
var ProviderDown Fault = Outage{FaultName: "provider-outage", Link: ProviderLink}

// WebhooksDown refuses every webhook delivery to the SUT.
var WebhooksDown Fault = Outage{FaultName: "webhook-link-down", Link: WebhookLink}

func (o Outage) Name() string { return o.FaultName }
func (o Outage) Kind() string { return "network" }
func (o Outage) Params() map[string]string {
	return map[string]string{"link": string(o.Link), "effect": "connection refused"}
}

func (o Outage) Inject(ctx context.Context, t *Targets) (Injected, error) {
	l, err := t.link(o.Link)
	if err != nil {
		return nil, err
	}
	if err := l.Disable(ctx); err != nil {
		return nil, errors.Join(err, l.Enable(context.WithoutCancel(ctx)))
	}
	return &outage{link: l, kind: o.Link}, nil
}

type outage struct {
	link *proxy.Link
	kind LinkName
}

func (o *outage) Recover(ctx context.Context) error { return o.link.Enable(ctx) }

func (o *outage) Hits(_ context.Context, during []history.Op) (int64, error) {
	var n int64
	for _, op := range during {
		// Checkout needs the provider link; webhooks flow only after payments.
		if op.Kind == history.Pay || op.Kind == history.Refund || op.Kind == history.Cancel {
			n++
		}
	}
	return n, nil
}

// ToxicFault puts one Toxiproxy toxic on a link. Toxiproxy rolls toxicity
// when a connection opens, and keep-alive connections outlive a window, so
// these faults use toxicity 1: a probabilistic fault belongs in the
// provider. The evidence is the bytes that crossed the link while the
// toxic was on.
type ToxicFault struct {
	FaultName string
	Link      LinkName
	Toxic     proxy.Toxic
}

func (f ToxicFault) Name() string { return f.FaultName }
func (f ToxicFault) Kind() string { return "network" }
func (f ToxicFault) Params() map[string]string {
	p := map[string]string{"link": string(f.Link), "toxic": f.Toxic.Type, "stream": string(f.Toxic.Stream)}
	for k, v := range f.Toxic.Attributes {
		p[k] = strconv.Itoa(v)
	}
	return p
}

func (f ToxicFault) Inject(ctx context.Context, t *Targets) (Injected, error) {
	l, err := t.link(f.Link)
	if err != nil {
		return nil, err
	}
	before, _, err := l.Bytes(ctx)
	if err != nil {
		return nil, fmt.Errorf("inject %s: %w", f.FaultName, err)
	}
	if err := l.AddToxic(ctx, f.Toxic); err != nil {
		return nil, errors.Join(err, l.RemoveToxic(context.WithoutCancel(ctx), f.Toxic.Name))
	}
	return &toxicOn{link: l, name: f.Toxic.Name, before: before}, nil
}

type toxicOn struct {
	link   *proxy.Link
	name   string
	before int64
}

func (t *toxicOn) Recover(ctx context.Context) error { return t.link.RemoveToxic(ctx, t.name) }

func (t *toxicOn) Hits(ctx context.Context, during []history.Op) (int64, error) {
	n, ok, err := t.link.Bytes(ctx)
	if err != nil {
		return 0, err
	}
	if !ok {
		// No metrics on this server: the operations that ran are the evidence.
		return int64(len(during)), nil
	}
	return n - t.before, nil
}

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
	BrowserLink  LinkName = "browser"  // customer's browser -> provider
)

func (t *Targets) link(n LinkName) (*proxy.Link, error) {
	var l *proxy.Link
	switch n {
	case ProviderLink:
		l = t.ProviderLink
	case WebhookLink:
		l = t.WebhookLink
	case BrowserLink:
		l = t.BrowserLink
	}
	if l == nil {
		return nil, fmt.Errorf("no %s link in this environment", n)
	}
	return l, nil
}

// Outage takes a link down: connections are refused, open ones closed.
// Nothing crosses a down link, so its evidence is what needed the link
// while it was down (see linkEvidence).
type Outage struct {
	FaultName string
	Link      LinkName
}

var _ describedFault = Outage{}

// ProviderDown refuses every connection from the SUT to the provider.
var ProviderDown Fault = Outage{FaultName: "provider-outage", Link: ProviderLink}

// WebhooksDown refuses every webhook delivery to the SUT.
var WebhooksDown Fault = Outage{FaultName: "webhook-link-down", Link: WebhookLink}

func (o Outage) Name() string { return o.FaultName }
func (o Outage) Kind() Kind   { return KindNetwork }
func (o Outage) Params() map[string]string {
	return map[string]string{"link": string(o.Link), "effect": "connection refused"}
}

func (o Outage) Needs() []Need { return linkNeeds(o.Link) }

func (o Outage) Inject(ctx context.Context, t *Targets) (Injected, error) {
	return onLink(ctx, t, o.Link,
		func(ctx context.Context, l *proxy.Link) error { return l.Disable(ctx) },
		func(ctx context.Context, l *proxy.Link) error { return l.Enable(ctx) })
}

// onLink does do to the link named n and returns the handle whose
// recovery is undo; when do fails, undo takes back what it may have half
// done. What needed the link while the fault was on is its evidence.
func onLink(ctx context.Context, t *Targets, n LinkName, do, undo func(context.Context, *proxy.Link) error) (Injected, error) {
	l, err := t.link(n)
	if err != nil {
		return nil, err
	}
	ev, err := newLinkEvidence(ctx, t, n)
	if err != nil {
		return nil, err
	}
	on := &linkOn{link: l, ev: ev, undo: undo}
	if err := do(ctx, l); err != nil {
		return nil, errors.Join(err, Undo(ctx, on.Recover))
	}
	return on, nil
}

// linkOn is a network fault that is on.
type linkOn struct {
	link *proxy.Link
	ev   linkEvidence
	undo func(context.Context, *proxy.Link) error
}

var _ Injected = (*linkOn)(nil)

func (o *linkOn) Recover(ctx context.Context) error { return o.undo(ctx, o.link) }

func (o *linkOn) Hits(ctx context.Context, during []history.Op) (int64, error) {
	return o.ev.hits(ctx, during)
}

// linkEvidence counts what needed a link while a fault was on it.
// Toxiproxy counts a connection's bytes only when it closes, and
// keep-alive connections outlive a fault window, so the evidence is taken
// from the traffic instead: on the provider link, the checkouts, refunds
// and cancellations that ran in the window (each needs the provider); on
// the webhook link, the deliveries the provider attempted in the window.
type linkEvidence struct {
	link       LinkName
	provider   Provider
	deliveries int
}

func newLinkEvidence(ctx context.Context, t *Targets, l LinkName) (linkEvidence, error) {
	ev := linkEvidence{link: l, provider: t.Provider}
	if l == WebhookLink {
		if t.Provider == nil {
			return ev, fmt.Errorf("webhook link fault: no provider to count deliveries")
		}
		snap, err := t.Provider.Ledger(ctx)
		if err != nil {
			return ev, fmt.Errorf("webhook link fault: read deliveries: %w", err)
		}
		ev.deliveries = len(snap.Deliveries)
	}
	return ev, nil
}

func (ev linkEvidence) hits(ctx context.Context, during []history.Op) (int64, error) {
	if ev.link == WebhookLink {
		snap, err := ev.provider.Ledger(ctx)
		if err != nil {
			return 0, err
		}
		return int64(max(len(snap.Deliveries)-ev.deliveries, 0)), nil
	}
	var n int64
	for _, op := range during {
		if ev.link == BrowserLink {
			if op.Kind == history.Confirm || op.Kind == history.CheckoutPage {
				n++
			}
			continue
		}
		if op.Kind == history.Pay || op.Kind == history.Refund || op.Kind == history.Cancel {
			n++
		}
	}
	return n, nil
}

// ToxicFault puts one Toxiproxy toxic on a link. Toxiproxy rolls toxicity
// when a connection opens, and keep-alive connections outlive a window, so
// these faults use toxicity 1: a probabilistic fault belongs in the
// provider. Toxics act on open connections too, so everything that needed
// the link in the window met the toxic (see linkEvidence).
type ToxicFault struct {
	FaultName string
	Link      LinkName
	Toxic     proxy.Toxic
}

var _ describedFault = ToxicFault{}

func (f ToxicFault) Name() string { return f.FaultName }
func (f ToxicFault) Kind() Kind   { return KindNetwork }
func (f ToxicFault) Params() map[string]string {
	p := map[string]string{"link": string(f.Link), "toxic": f.Toxic.Type, "stream": string(f.Toxic.Stream)}
	for k, v := range f.Toxic.Attributes {
		p[k] = strconv.Itoa(v)
	}
	return p
}

func (f ToxicFault) Needs() []Need { return linkNeeds(f.Link) }

func (f ToxicFault) Inject(ctx context.Context, t *Targets) (Injected, error) {
	return onLink(ctx, t, f.Link,
		func(ctx context.Context, l *proxy.Link) error { return l.AddToxic(ctx, f.Toxic) },
		func(ctx context.Context, l *proxy.Link) error { return l.RemoveToxic(ctx, f.Toxic.Name) })
}

package fault

import (
	"errors"
	"fmt"
	"slices"

	"github.com/paychaos/paychaos/harness/sut"
)

// Need is something of its environment a fault must have to play. Faults
// say what they need (Needer) so that a run can ask before it starts
// anything, the way etcd asks its failpoints whether they are available:
// a fault found unplayable only when it is injected has cost a SUT start
// and a warm-up, and its skip would say less.
type Need string

const (
	NeedProviderLink Need = "a proxied link to the provider"
	NeedWebhookLink  Need = "a proxied link to the SUT's webhook endpoint"
	// NeedPaymentIntentCalls: a fault on the PaymentIntent create call
	// needs a SUT that makes it; in the checkout_session flow the hosted
	// page makes the payment.
	NeedPaymentIntentCalls Need = "a SUT that creates PaymentIntents itself (flow server_confirm or client_confirm; in checkout_session the hosted page makes the payment)"
	NeedBrowserLink        Need = "a proxied link from the customer's browser to the provider (a flow with a browser step: client_confirm or checkout_session)"
	NeedProvider           Need = "the provider's control API"
	NeedProcess            Need = "the SUT's process (a SUT the harness runs)"
	NeedNetwork            Need = "the SUT's network (a stack that owns it: containers)"
)

// ErrUnsupported says that this environment cannot play a fault (e.g. a
// crash when the SUT is not a process the harness runs). A scenario skips
// with the reason instead of passing silently.
var ErrUnsupported = errors.New("not supported in this environment")

// Needer is implemented by faults that need something of their
// environment; a fault that is not one needs nothing.
type Needer interface {
	Needs() []Need
}

// describedFault is what a fault of the catalogue is: it reports its
// parameters and says what it needs.
type describedFault interface {
	Fault
	Describer
	Needer
}

// Has reports whether the targets offer n.
func (t *Targets) Has(n Need) bool {
	switch n {
	case NeedProviderLink:
		return t.ProviderLink != nil
	case NeedWebhookLink:
		return t.WebhookLink != nil
	case NeedBrowserLink:
		return t.BrowserLink != nil
	case NeedPaymentIntentCalls:
		return t.Flow.OrDefault() != sut.FlowCheckoutSession
	case NeedProvider:
		return t.Provider != nil
	case NeedProcess:
		return t.Process != nil
	case NeedNetwork:
		return t.Network != nil
	}
	return false
}

// Offer is what an environment gives faults: its Targets once it runs,
// Offers before anything starts.
type Offer interface {
	Has(Need) bool
}

var (
	_ Offer = (*Targets)(nil)
	_ Offer = Offers(nil)
)

// Offers is an offer known before the environment starts (what its stack
// and its SUT's launcher say they offer), so that a scenario is skipped
// before a SUT starts for nothing.
type Offers []Need

// Has reports whether o offers n.
func (o Offers) Has(n Need) bool { return slices.Contains(o, n) }

// Available is nil when t can play f, and otherwise an *UnavailableError
// naming the first thing f needs that t lacks.
func Available(f Fault, t Offer) error {
	n, ok := f.(Needer)
	if !ok {
		return nil
	}
	for _, need := range n.Needs() {
		if !t.Has(need) {
			return &UnavailableError{Fault: f.Name(), Missing: need}
		}
	}
	return nil
}

// UnavailableError says what a fault needs that its environment lacks. It
// is ErrUnsupported: the scenario is skipped with this reason, never
// passed.
type UnavailableError struct {
	Fault   string
	Missing Need
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s needs %s, which this environment does not offer", e.Fault, e.Missing)
}

func (e *UnavailableError) Unwrap() error { return ErrUnsupported }

// needsOf is what the given faults need together, each need once, in
// order: what a composition of them needs.
func needsOf(fs ...Fault) []Need {
	var out []Need
	for _, f := range fs {
		if n, ok := f.(Needer); ok {
			for _, need := range n.Needs() {
				if !slices.Contains(out, need) {
					out = append(out, need)
				}
			}
		}
	}
	return out
}

// linkNeeds is what a network fault on link l needs: the link, and on the
// webhook link the provider too, whose deliveries are its evidence (see
// linkEvidence).
func linkNeeds(l LinkName) []Need {
	switch l {
	case ProviderLink:
		return []Need{NeedProviderLink}
	case WebhookLink:
		return []Need{NeedWebhookLink, NeedProvider}
	case BrowserLink:
		return []Need{NeedBrowserLink}
	}
	return nil
}

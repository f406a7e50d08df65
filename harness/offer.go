package harness

import (
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/sut"
)

// Offers is what an environment with the SUT that l launches will offer
// faults, known before anything starts: the proxied links and the
// provider's control API, which every stack has, and what l says of its
// SUT (sut.Offerer). ok is false when l does not say; the environment is
// then asked once it runs (Env.Targets).
func Offers(l sut.Launcher) (_ fault.Offers, ok bool) {
	o, ok := l.(sut.Offerer)
	if !ok {
		return nil, false
	}
	offers := fault.Offers{fault.NeedProviderLink, fault.NeedWebhookLink, fault.NeedProvider}
	s := o.Offers()
	if s.Process {
		offers = append(offers, fault.NeedProcess)
	}
	if s.Network {
		offers = append(offers, fault.NeedNetwork)
	}
	if s.Flow.Browser() {
		offers = append(offers, fault.NeedBrowserLink)
	}
	if s.Flow.OrDefault() != sut.FlowCheckoutSession {
		offers = append(offers, fault.NeedPaymentIntentCalls)
	}
	return offers, true
}

package refshop

import (
	"github.com/paychaos/paychaos/examples/shop/checkout"
	"github.com/paychaos/paychaos/harness/sut"
)

// withFlow is the shop's target in flow f: what its pay answer gives the
// customer's browser, and where. The shop's flow names are the harness's.
func withFlow(t sut.Target, f checkout.Flow) sut.Target {
	t.Flow = sut.Flow(f)
	t.Fields.ClientSecret, t.Fields.CheckoutURL, t.Fields.CheckoutSession = "client_secret", "checkout_url", "checkout_session"
	return t
}

// flowName is a launcher's name with its flow, when not the default.
func flowName(name string, f checkout.Flow) string {
	if f == "" || f == checkout.FlowServerConfirm {
		return name
	}
	return name + "/" + string(f)
}

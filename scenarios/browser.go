package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// browserPath takes down, or slows, the customer's own path to the
// provider in the flows where the customer's browser pays there (client
// confirmation, the hosted Checkout page): confirmations and pages fail
// or come late, no money may be lost or taken twice, orders the customer
// paid must end paid, the others must not. A SUT that confirms on its
// server has no such path: the specs are skipped with that reason.
func browserPath(cfg Config) {
	Describe("the customer's path to the provider", Label(Browser), func() {
		DescribeTable("stays safe",
			func(ctx SpecContext, f fault.Fault) {
				run(ctx, cfg, quick(f.Name(), f, traffic.Cards))
			},
			Entry("while the browser cannot reach the provider", Label(Smoke), fault.BrowserDown, SpecTimeout(time.Minute)),
			Entry("while the provider answers the browser late", fault.BrowserSlow, SpecTimeout(time.Minute)),
		)
	})
}

package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// outage takes the provider away while customers check out: checkout must
// fail fast with a clear error, nothing may be charged twice, lost or
// reported paid without a capture, and the backlog must resolve after.
func outage(cfg Config) {
	Describe("provider outage", Label(Outage, Smoke), func() {
		It("fails safely while the provider refuses connections", func(ctx SpecContext) {
			run(ctx, cfg, harness.Scenario{Name: "provider-outage", Fault: fault.ProviderDown, Traffic: traffic.Steady})
		}, SpecTimeout(time.Minute))
	})
}

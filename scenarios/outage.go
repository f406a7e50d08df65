package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// outage takes the provider away while customers check out: checkout must
// fail fast with a clear error, nothing may be charged twice, lost or
// reported paid without a capture, and the backlog must resolve after.
// Catches mark-paid-on-error (no-false-paid), no-timeout and
// no-circuit-breaker (fail-fast).
func outage(cfg Config) {
	Describe("provider outage", Label(Outage), func() {
		DescribeTable("fails safely",
			func(ctx SpecContext, f fault.Fault) {
				run(ctx, cfg, providerOut(f.Name(), f, traffic.Steady))
			},
			Entry("while the provider refuses connections", Label(Smoke), fault.ProviderDown, SpecTimeout(time.Minute)),
			Entry("while the provider accepts connections and never answers", fault.ProviderBlackhole, SpecTimeout(time.Minute)),
			Entry("while the provider resets connections", fault.ProviderReset, SpecTimeout(time.Minute)),
			Entry("while the provider is away, and after it comes back", fault.ProviderAway, SpecTimeout(time.Minute)),
			Entry("while the provider answers 500", fault.ProviderErrors, SpecTimeout(time.Minute)),
			Entry("while a proxy in front of the provider answers 502 pages", fault.ProviderBadGateway, SpecTimeout(time.Minute)),
			Entry("while the provider rate-limits", fault.ProviderRateLimited, SpecTimeout(time.Minute)),
		)
	})
}

package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// outage takes the provider away while customers check out: checkout must
// fail fast with a clear error, nothing may be charged twice, lost or
// reported paid without a capture, and the backlog must resolve after.
// Customers cancel and refund meanwhile, and retry their checkouts with
// the same key; traffic goes on past the recovery budget, so checkouts
// must succeed again once the provider is back. Catches mark-paid-on-error
// (no-false-paid), no-timeout and no-circuit-breaker (fail-fast),
// unsent-fails-key (payments-complete) and reconciler-gives-up
// (eventual-resolution).
func outage(cfg Config) {
	Describe("provider outage", Label(Outage), func() {
		DescribeTable("fails safely",
			func(ctx SpecContext, f fault.Fault) {
				run(ctx, cfg, healed(providerOut(f.Name(), f, traffic.Mixed)))
			},
			Entry("while the provider refuses connections", Label(Smoke), fault.ProviderDown, SpecTimeout(time.Minute)),
			Entry("while the provider accepts connections and never answers", fault.ProviderBlackhole, SpecTimeout(time.Minute)),
			Entry("while the provider resets connections", fault.ProviderReset, SpecTimeout(time.Minute)),
			Entry("while the provider is away, and after it comes back", fault.ProviderAway, SpecTimeout(time.Minute)),
			Entry("while the provider answers 500", fault.ProviderErrors, SpecTimeout(time.Minute)),
			Entry("while a proxy in front of the provider answers 502 pages", fault.ProviderBadGateway, SpecTimeout(time.Minute)),
			Entry("while the provider rate-limits", fault.ProviderRateLimited, SpecTimeout(time.Minute)),
		)
		// Lock timeouts are retried by the client library: checkout is
		// slower, not out, and must stay within its own budget.
		It("fails safely while the provider's locks time out", func(ctx SpecContext) {
			run(ctx, cfg, healed(slowProvider("provider-lock-timeout", fault.ProviderLockTimeout, traffic.Mixed)))
		}, SpecTimeout(time.Minute))
	})
}

// healed keeps traffic going past the recovery budget after the fault, so
// that payments-complete judges whether checkouts succeed again: a
// circuit breaker that never closes is a finding, not a silence.
func healed(s harness.Scenario) harness.Scenario {
	s.Cooldown = max(s.Cooldown, check.DefaultRecoveryBudget+1500*time.Millisecond)
	return s
}

package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// ambiguous charges the card and then loses the answer, every way it can
// be lost: the SUT cannot know whether it was paid, must not say so either
// way, must not charge again, and must find out after. Catches
// new-key-per-retry and no-idempotency-key (no-double-charge),
// mark-failed-on-timeout (no-lost-money) and no-reconciler
// (eventual-resolution). Customers cancel and partly refund meanwhile,
// and a refund too can be made and its answer lost: every refund must
// give back what was asked, once. Catches refund-without-amount
// (refund-safety).
func ambiguous(cfg Config) {
	Describe("ambiguous failures", Label(Ambiguous), func() {
		DescribeTable("never charge twice nor lose a charge",
			func(ctx SpecContext, f fault.Fault) {
				run(ctx, cfg, healed(slowProvider(f.Name(), f, traffic.Mixed)))
			},
			Entry("when the provider charges and then answers 500", Label(Smoke), fault.CommitThen500, SpecTimeout(time.Minute)),
			Entry("when the provider charges and then drops the connection", fault.CommitThenDrop, SpecTimeout(time.Minute)),
			// Webhooks dropped too, so only the SUT's own recovery can tell.
			Entry("when the provider charges and the answer never comes",
				fault.Together{fault.CommitThenHang, fault.WebhookDrop}, SpecTimeout(time.Minute)),
			Entry("when the provider charges and the answer is cut mid-body", fault.ProviderCutResponse, SpecTimeout(time.Minute)),
			Entry("when the provider charges and sends a truncated 200",
				fault.Together{fault.TruncatedSuccess, fault.WebhookDrop}, SpecTimeout(time.Minute)),
			Entry("when the provider asks the client to retry a success", fault.RetryOnSuccess, SpecTimeout(time.Minute)),
			Entry("when the provider refunds and then answers 500", fault.RefundCommitThen500, SpecTimeout(time.Minute)),
		)
	})
}

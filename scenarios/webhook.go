package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// webhooks plays with the provider's event deliveries while customers pay,
// cancel and refund: duplicates, delays, reordering, bad signatures and a
// link that is down must change nothing the ledger does not say. Catches
// webhook-order-blind (an older event overwriting a newer state).
func webhooks(cfg Config) {
	Describe("webhook chaos", Label(Webhook), func() {
		DescribeTable("keeps orders true to the ledger",
			func(ctx SpecContext, f fault.Fault) {
				run(ctx, cfg, quick(f.Name(), f, traffic.Mixed))
			},
			Entry("when every event is delivered twice", fault.WebhookDuplicate, SpecTimeout(time.Minute)),
			Entry("when events arrive late", fault.WebhookDelay, SpecTimeout(time.Minute)),
			Entry("when events arrive out of order", Label(Smoke), fault.WebhookReorder, SpecTimeout(time.Minute)),
			Entry("when events are dropped", fault.WebhookDrop, SpecTimeout(time.Minute)),
			Entry("when events are badly signed", fault.WebhookBadSig, SpecTimeout(time.Minute)),
			Entry("when events are stale", fault.WebhookStale, SpecTimeout(time.Minute)),
			Entry("when events arrive before the API answer", fault.WebhookEarly, SpecTimeout(time.Minute)),
			Entry("when events carry another API version", Label(Slow), fault.WebhookAPIVersion, SpecTimeout(time.Minute)),
			Entry("when the webhook link is down", fault.WebhooksDown, SpecTimeout(time.Minute)),
		)
	})
}

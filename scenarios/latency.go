package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// latency slows the provider's answers around the SUT's own timeout.
// Answers that come just after it are the dangerous ones: the card was
// charged, the SUT gave up waiting, and only a retry with the same
// idempotency key avoids a second charge. Catches new-key-per-retry and
// no-idempotency-key (no-double-charge).
func latency(cfg Config) {
	Describe("provider latency", Label(Latency), func() {
		DescribeTable("stays safe",
			func(ctx SpecContext, f fault.Fault) {
				run(ctx, cfg, healed(slowProvider(f.Name(), f, traffic.Steady)))
			},
			Entry("with answers just under the SUT's timeout",
				fault.ProviderLatency("latency-under-timeout", clientTimeout/2, 50*time.Millisecond), SpecTimeout(time.Minute)),
			Entry("with answers just over the SUT's timeout",
				fault.ProviderLatency("latency-over-timeout", clientTimeout+150*time.Millisecond, 50*time.Millisecond), SpecTimeout(time.Minute)),
			Entry("with answers starved of bandwidth", Label(Slow), fault.ProviderStarved, SpecTimeout(time.Minute)),
			Entry("with connections slow to close", Label(Slow), fault.ProviderSlowClose, SpecTimeout(time.Minute)),
		)
	})
}

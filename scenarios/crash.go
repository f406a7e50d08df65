package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// crash kills the SUT for real (SIGKILL) or freezes it (SIGSTOP) during
// traffic, and restarts or thaws it. The worst moment is right after the
// provider charged and before the SUT recorded it: the order must end
// paid, once. Catches no-reconciler (eventual-resolution).
func crash(cfg Config) {
	Describe("SUT crash", Label(Crash), func() {
		DescribeTable("recovers every payment",
			func(ctx SpecContext, f fault.Fault) {
				run(ctx, cfg, quick(f.Name(), f, traffic.Steady))
			},
			Entry("when killed after the provider charged, before it recorded",
				fault.All{fault.WebhookDrop, fault.CrashAfterCharge}, SpecTimeout(time.Minute)),
			Entry("when killed during traffic and restarted", fault.Crash, SpecTimeout(time.Minute)),
			Entry("when frozen and thawed", fault.Freeze, SpecTimeout(time.Minute)),
		)
	})
}

// partition cuts the SUT off its network, where the stack can.
func partition(cfg Config) {
	Describe("network partition", Label(Partition), func() {
		It("recovers every payment when the SUT is cut off its network", func(ctx SpecContext) {
			run(ctx, cfg, quick("sut-partition", fault.Partition, traffic.Steady))
		}, SpecTimeout(time.Minute))
	})
}

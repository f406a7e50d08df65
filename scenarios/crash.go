package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// crash kills the SUT for real (SIGKILL) or freezes it (SIGSTOP) during
// traffic, and restarts or thaws it, at the moments of a payment that
// matter: checkouts recorded but stuck before the provider, right after
// the provider charged and before the SUT recorded it (the order must end
// paid, once), and while the SUT reconciles lost answers. Catches
// no-reconciler (eventual-resolution).
func crash(cfg Config) {
	Describe("SUT crash", Label(Crash), func() {
		DescribeTable("recovers every payment",
			func(ctx SpecContext, f fault.Fault) {
				run(ctx, cfg, healed(quick(f.Name(), f, traffic.Steady)))
			},
			Entry("when killed with checkouts recorded but not yet at the provider",
				fault.Then{First: fault.ProviderBlackhole, After: 300 * time.Millisecond, Second: fault.Crash}, SpecTimeout(time.Minute)),
			Entry("when killed after the provider charged, before it recorded",
				fault.Together{fault.WebhookDrop, fault.CrashAfterCharge}, SpecTimeout(time.Minute)),
			// The answers are lost, so the SUT's reconciler is at work on
			// them when it dies.
			Entry("when killed while reconciling lost answers",
				fault.Then{First: fault.Together{fault.CommitThenHang, fault.WebhookDrop}, After: time.Second, Second: fault.Crash}, SpecTimeout(time.Minute)),
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

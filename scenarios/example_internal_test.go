package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// Example_addAScenario is CONTRIBUTING's "Add a scenario", compiled so
// that it cannot rot. A scenario family is one small file in scenarios/
// and one line in PaymentResilience; it is not run here (a suite registers
// it).
func Example_addAScenario() {
	latencyOverTimeout := func(cfg Config) {
		Describe("provider latency", Label(Latency), func() {
			It("stays safe when answers come just after the timeout", func(ctx SpecContext) {
				run(ctx, cfg, harness.Scenario{
					Name:    "latency-over-timeout",
					Fault:   fault.ProviderLatency("latency-over-timeout", clientTimeout+150*time.Millisecond, 50*time.Millisecond),
					Traffic: traffic.Steady,
				})
			}, SpecTimeout(time.Minute))
		})
	}
	_ = latencyOverTimeout
}

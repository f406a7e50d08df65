package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/history"
	arrivals "github.com/paychaos/paychaos/harness/load"
	"github.com/paychaos/paychaos/harness/traffic"
)

// openLoadRate and openLoadPeak are the open-loop rates, checkouts per
// second, and the spike laid over the fault: what the reference shop
// answers within the fail-fast budget under the race detector on a busy
// two-core machine (without it the shop takes 500 to 2000/s
// as the machine is busy, BenchmarkOpenLoopVsDedicated; at 150/s spiking to 300/s under -race its
// checkouts queue for seconds).
const (
	openLoadRate = 60
	openLoadPeak = 120
)

// loadOpenLoop spikes open-loop traffic while the provider is down, as
// on a Black Friday: arrivals keep coming whether or not the shop keeps
// up, and latency counts from when each customer arrived. A shop that
// waits on a dead provider under the spike fails fail-fast.
func loadOpenLoop(cfg Config) {
	Describe("open-loop load", Label(Load, Slow), func() {
		It("keeps every invariant through a spike while the provider is down", func(ctx SpecContext) {
			s := providerOut("open-loop-spike", fault.ProviderDown, traffic.Rush)
			s.Warmup, s.Cooldown = 2*time.Second, 2*time.Second
			s.Traffic.Rate = openLoadRate
			s.Traffic.Arrivals = arrivals.Shape{Kind: arrivals.Spike, Rate: openLoadRate, Peak: openLoadPeak, At: s.Warmup, For: s.Hold}
			res := run(ctx, cfg, s)
			By("measuring the traffic like a load tool")
			Expect(res.Load).NotTo(BeNil(), "open-loop traffic measured")
			Expect(res.Load.Sent).To(BeNumerically(">", 0))
			AddReportEntry("open-loop load", res.Load)
			for _, p := range res.Load.Phases {
				if p.Phase == history.During {
					Expect(p.Count).To(BeNumerically(">", 0), "checkouts arrived during the fault")
				}
			}
		}, SpecTimeout(2*time.Minute))
	})
}

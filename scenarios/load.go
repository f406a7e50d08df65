package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// load keeps a heavier stream of checkouts while the provider goes down
// and comes back on a seeded schedule, like a nemesis.
func load(cfg Config) {
	Describe("load", Label(Load), func() {
		It("keeps every invariant while the provider flaps", func(ctx SpecContext) {
			s := providerOut("flapping-provider", fault.Schedule{Fault: fault.ProviderDown, On: 300 * time.Millisecond, Off: 300 * time.Millisecond, Seed: uint64(GinkgoRandomSeed())}, traffic.Burst)
			s.Hold = 2 * time.Second
			s.Traffic.Rate = 60
			run(ctx, cfg, healed(s))
		}, SpecTimeout(time.Minute))
	})
}

// doubleSubmit sends every checkout twice at once with the same key, as a
// double click or an impatient client does. Catches no-order-lock
// (no-double-charge).
func doubleSubmit(cfg Config) {
	Describe("double submit", Label(Malicious), func() {
		It("charges each checkout once", func(ctx SpecContext) {
			run(ctx, cfg, quick("double-submit", fault.None, traffic.DoubleSubmit))
		}, SpecTimeout(time.Minute))
	})
}

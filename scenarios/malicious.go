package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// malicious sends the attack catalogue (tampered amounts and currencies,
// malformed and oversized bodies, injection strings, other customers'
// orders, over-refunds, forged, stale and replayed webhooks) while
// customers check out: each must get its safe answer and change nothing.
// Catches no-input-validation, no-ownership-check (input-safety),
// client-amount (amount-integrity), trust-webhooks and
// no-webhook-tolerance (webhook-authenticity), log-card-data
// (no-secret-leak).
func malicious(cfg Config) {
	Describe("malicious clients", Label(Malicious), func() {
		It("answer every attack safely and change nothing", func(ctx SpecContext) {
			s := quick("attacks", fault.None, traffic.Steady)
			s.Attacks = &harness.Attacks{Items: cfg.Items}
			run(ctx, cfg, s)
		}, SpecTimeout(2*time.Minute))
	})
}

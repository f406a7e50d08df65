package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// baseline runs traffic with no fault: every invariant must hold, which
// shows that a failing scenario fails because of its fault. Cards that
// need 3-D Secure or settle asynchronously are part of the baseline: an
// integration must leave them pending, not paid, until the provider says.
func baseline(cfg Config) {
	Describe("baseline", Label(Smoke), func() {
		It("keeps every invariant with no fault", func(ctx SpecContext) {
			run(ctx, cfg, quick("baseline", fault.None, traffic.Mixed))
		}, SpecTimeout(time.Minute))
		It("keeps every invariant with every kind of card", func(ctx SpecContext) {
			run(ctx, cfg, quick("cards", fault.None, traffic.Cards))
		}, SpecTimeout(time.Minute))
	})
}

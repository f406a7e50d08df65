package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/traffic"
)

// baseline runs traffic with no fault: every invariant must hold, which
// shows that a failing scenario fails because of its fault.
func baseline(cfg Config) {
	Describe("baseline", Label(Smoke), func() {
		It("keeps every invariant with no fault", func(ctx SpecContext) {
			run(ctx, cfg, quick("baseline", fault.None, traffic.Mixed))
		}, SpecTimeout(time.Minute))
	})
}

package harness

import (
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// The saved run's header is the one source of a Result's header and
// window; a run with no fault window judges no fail-fast budget.
func TestWindowAndHeader(t *testing.T) {
	m := history.Meta{Scenario: "s", Seed: 3, Mode: "embedded", Target: "shop", Traffic: "steady", FailFastBudget: time.Second}
	w := window(&m, FaultReport{Start: time.Second, End: 3 * time.Second})
	if w.FaultStart != time.Second || w.FaultEnd != 3*time.Second || m.FailFastBudget != time.Second {
		t.Fatalf("window %+v, budget %s", w, m.FailFastBudget)
	}
	m.SettleEnd = 4 * time.Second
	r := header(m)
	if r.Scenario != "s" || r.Seed != 3 || r.Mode != "embedded" || r.Target != "shop" || r.Traffic != "steady" || r.Window.SettleEnd != 4*time.Second {
		t.Fatalf("header %+v from %+v", r, m)
	}

	none := history.Meta{FailFastBudget: time.Second}
	if w := window(&none, FaultReport{Start: time.Second, End: time.Second}); w.FaultEnd != w.FaultStart || none.FailFastBudget != 0 {
		t.Fatalf("no window: %+v, budget %s", w, none.FailFastBudget)
	}
}

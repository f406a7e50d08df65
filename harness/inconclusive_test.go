package harness

import (
	"strings"
	"testing"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/history"
)

// A run that shows only that the SUT does nothing proves nothing: no
// checkout completed, no order read, or no provider request is
// inconclusive, never a pass.
func TestInconclusiveWhenNothingWorked(t *testing.T) {
	s := Scenario{Name: "x", Fault: fault.None}
	paid := []history.Op{{Kind: history.Pay, Outcome: history.OK, Status: history.StatusPaid, Order: "o1"}}
	refused := []history.Op{{Kind: history.Pay, Outcome: history.Unknown, HTTPStatus: 503}, {Kind: history.Pay, Outcome: history.Fail, HTTPStatus: 402, Order: "o2"}}
	orders := []history.Order{{ID: "o1", Status: history.StatusPaid}}
	failed := []history.Order{{ID: "o2", Status: history.StatusFailed}}
	for _, tc := range []struct {
		ops    []history.Op
		orders []history.Order
		idle   bool
		want   string
	}{
		{nil, nil, false, "no checkout ran"},
		{paid, orders, true, "the provider received no request"},
		{paid, nil, false, "no order of the SUT could be read after 1 checkout(s)"},
		{refused, failed, false, "none of 2 checkout(s) completed"},
		{refused, orders, false, ""}, // the SUT paid an order whose answer was lost
		{paid, orders, false, ""},
	} {
		got := inconclusive(s, tc.ops, tc.orders, nil, tc.idle)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("ops %d, orders %d, idle %v: %q, want %q", len(tc.ops), len(tc.orders), tc.idle, got, tc.want)
		}
	}
}

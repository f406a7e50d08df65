package check

import (
	"fmt"

	"github.com/paychaos/paychaos/harness/history"
)

// noFalsePaid: the SUT never calls an order paid that the provider did not
// pay.
//
// Rule: an order whose final status is paid has payments, in the order's
// currency, whose captured minus refunded money covers the order's amount
// less what the SUT itself reports refunded (a partial refund);
// and an order that any answer called paid (a pay, get, refund or cancel
// op with outcome ok and status paid) had at least its amount captured in
// its currency at some point, even if it was refunded later. Only the
// ledger counts as payment: a SUT that trusts a forged webhook or a
// client's word fails here.
type noFalsePaid struct{}

func (noFalsePaid) Name() string              { return "no-false-paid" }
func (c noFalsePaid) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c noFalsePaid) checkIndex(ix *index) Verdict {
	f := finding{name: c.Name()}
	claimed := 0
	for o := range ix.orders {
		v := &ix.orders[o]
		finalPaid := v.status() == history.StatusPaid
		if !finalPaid && !v.toldPaid {
			continue
		}
		claimed++
		var bad bool
		if finalPaid {
			if need, live := v.paidNeed(), ix.liveIn(int32(o), v.currency); live < need {
				bad = true
				f.violation(need-max(live, 0), "%s: the SUT says paid, the provider holds %d of %d %s",
					orderName(v.id), max(live, 0), v.amount, v.currency)
			}
		}
		if !bad && v.toldPaid {
			if need, got := max(v.amount, 1), ix.capturedIn(int32(o), v.currency); got < need {
				bad = true
				f.violation(need-got, "%s: a client was told paid, the provider only ever captured %d of %d %s",
					orderName(v.id), got, v.amount, v.currency)
			}
		}
		if !bad {
			continue
		}
		f.order(v.id)
		for _, i := range ix.opsOfOrder(int32(o)) {
			if op := ix.op(i); op.Outcome == history.OK && op.Status == history.StatusPaid {
				f.op(op.ID)
			}
		}
		for _, p := range ix.paysOfOrder(int32(o)) {
			f.ledgerIDs(ix.payLedgerIDs(p)...)
		}
	}
	if claimed == 0 {
		return skip(c.Name(), "no order was reported paid")
	}
	return f.verdict(
		fmt.Sprintf("%s reported paid without the provider's money", plural(f.n, "order")),
		fmt.Sprintf("%s reported paid, each backed by a capture of its amount", plural(claimed, "order")))
}

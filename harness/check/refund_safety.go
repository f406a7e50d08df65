package check

import (
	"fmt"

	"github.com/paychaos/paychaos/harness/history"
)

// refundSafety: refunds give back what was taken, never more, and an order
// that will not be fulfilled gets its money back without anyone asking.
//
// Rule: per payment, succeeded plus pending refunds never exceed the
// captured amount; no refund names a charge or intent the ledger does not
// hold; an order the SUT ends as canceled, failed or refunded holds no
// money at the provider (captured minus refunds is zero); and the amount
// the SUT says it refunded is at most what the ledger refunded; and an
// order its customer asked to refund in part (refund ops, no cancel) keeps
// at the provider at least its amount less what was asked: a refund sent
// without its amount gives back everything. Refunds answered with a
// definite failure asked for nothing; unknown ones may have, and a refund
// op naming no amount asked for all of it.
type refundSafety struct{}

func (refundSafety) Name() string              { return "refund-safety" }
func (c refundSafety) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c refundSafety) checkIndex(ix *index) Verdict {
	led := &ix.in.Ledger
	if !ix.anyCapture && len(led.Refunds) == 0 && ix.refundOps == 0 {
		return skip(c.Name(), "nothing was captured or refunded")
	}
	f := finding{name: c.Name()}

	for p := range ix.pays {
		pay := &ix.pays[p]
		if given := pay.refunded + pay.pendingRefund; given > pay.captured {
			f.violation(given-pay.captured, "%s: refunds of %d exceed the %d captured", ix.payID(int32(p)), given, pay.captured)
			f.order(ix.orders[pay.order].id)
			f.ledgerIDs(ix.payLedgerIDs(int32(p))...)
			for _, i := range ix.opsOfOrder(pay.order) {
				if k := ix.op(i).Kind; k == history.Refund || k == history.Cancel {
					f.op(ix.op(i).ID)
				}
			}
		}
	}
	for _, r := range ix.strayRefund {
		re := &led.Refunds[r]
		if re.Status != "succeeded" && re.Status != "pending" {
			continue
		}
		f.violation(re.Amount, "%s refunds %d against %s, which the ledger never captured", re.ID, re.Amount, firstNonEmpty(re.Charge, re.PaymentIntent, "nothing"))
		f.ledgerIDs(re.ID)
	}
	ended := 0
	for o := range ix.orders {
		v := &ix.orders[o]
		if v.order == nil {
			continue
		}
		st := v.order.Status
		bad := false
		var held int64 // money at risk already counted for this order
		if st == history.StatusCanceled || st == history.StatusFailed || st == history.StatusRefunded {
			ended++
			if live := v.live(); live > 0 {
				bad = true
				held = live
				f.violation(live, "%s is %s but the provider still holds %d of the %d captured", v.id, st, live, v.captured)
			}
		}
		if given := v.refunded + v.pendingRefund; v.order.Refunded > given {
			bad = true
			claimed := v.order.Refunded - given
			f.violation(max(claimed-held, 0), "%s: the SUT says %d refunded, the ledger shows %d", v.id, v.order.Refunded, given)
		}
		if asked, ok := requested(ix, int32(o)); ok && st != history.StatusCanceled && st != history.StatusFailed {
			if kept, due := v.captured-v.refunded-v.pendingRefund, v.amount-asked; kept < due && v.captured >= v.amount {
				bad = true
				f.violation(due-kept, "%s: the customer asked for %d back, the provider refunded %d of the %d captured",
					v.id, asked, v.refunded+v.pendingRefund, v.captured)
			}
		}
		if !bad {
			continue
		}
		f.order(v.id)
		for _, p := range ix.paysOfOrder(int32(o)) {
			f.ledgerIDs(ix.payLedgerIDs(p)...)
		}
		for _, i := range ix.opsOfOrder(int32(o)) {
			if k := ix.op(i).Kind; k == history.Refund || k == history.Cancel || k == history.Pay {
				f.op(ix.op(i).ID)
			}
		}
	}
	return f.verdict(
		fmt.Sprintf("%s of refund safety", plural(f.n, "violation")),
		fmt.Sprintf("%d refunds within their captures; %s ended canceled, failed or refunded, each with its money returned",
			len(led.Refunds), plural(ended, "order")))
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// requested is what order o's customer asked to have refunded, and
// whether the checker can say: false when the order was cancelled (a
// cancel refunds everything) or no refund was asked.
func requested(ix *index, o int32) (int64, bool) {
	var asked int64
	asking := false
	for _, i := range ix.opsOfOrder(o) {
		op := ix.op(i)
		switch {
		case op.Kind == history.Cancel:
			return 0, false
		case op.Kind != history.Refund:
			continue
		case op.Amount <= 0 && op.Outcome != history.Fail:
			return 0, false // no amount: the whole order
		}
		asking = true
		if op.Outcome != history.Fail {
			asked += op.Amount
		}
	}
	return asked, asking
}

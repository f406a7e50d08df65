package check

import (
	"fmt"
	"strings"

	"github.com/paychaos/paychaos/harness/history"
)

// noLostMoney: money the provider took belongs to a paid order or goes back.
//
// Unattributed payments (the join placed them in no order) accuse no
// order: they are named in the verdict's message; but when the SUT listed
// every order it keeps (Input.OrdersListed), money they still hold is
// money the SUT lost track of, a violation of no order's.
//
// Rule: after settling, every order (ledger payments joined to orders by
// the PaymentIntent ids the SUT keeps or by their metadata, including ids
// the SUT does not know) whose final SUT status is not paid holds no money at
// the provider: captured minus refunded, with pending refunds counted as
// given back, is zero; and no such order has a payment still processing,
// which may yet capture. This is where an unknown outcome is held to
// account: a pay op that timed out may have charged, and the ledger says
// whether it did; a correct SUT reconciles it to paid or refunds it. What
// a paid order holds beyond its amount is no-double-charge's business.
type noLostMoney struct{}

func (noLostMoney) Name() string              { return "no-lost-money" }
func (c noLostMoney) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c noLostMoney) checkIndex(ix *index) Verdict {
	if !ix.anyCapture && len(ix.payOps) == 0 && len(ix.pays) == 0 {
		return skip(c.Name(), "no payment was attempted")
	}
	if !ix.ordersRead && (ix.anyCapture || len(ix.pays) > 0) {
		return skip(c.Name(), "the SUT's final orders were not read, so no capture can be matched to an order")
	}
	f := finding{name: c.Name()}
	captures := 0
	for o := range ix.orders {
		v := &ix.orders[o]
		if int32(o) == ix.unattributed {
			continue // no order to accuse: see below
		}
		st := v.status()
		if v.captured > 0 {
			captures++
		}
		if st == history.StatusPaid {
			continue
		}
		live := v.live()
		var processing []string
		var atStake int64
		if st != history.StatusPending {
			for _, p := range ix.paysOfOrder(int32(o)) {
				if ix.payStatus(p) == "processing" {
					processing = append(processing, ix.payID(p))
					atStake += ix.payAmount(p)
				}
			}
		}
		if live <= 0 && len(processing) == 0 {
			continue
		}
		unknown := 0
		for _, i := range ix.opsOfOrder(int32(o)) {
			if op := ix.op(i); op.Kind == history.Pay {
				f.op(op.ID)
				if op.Outcome == history.Unknown {
					unknown++
				}
			}
		}
		var why []string
		if live > 0 {
			why = append(why, fmt.Sprintf("%d captured, %d refunded", v.captured, v.refunded+v.pendingRefund))
		}
		if len(processing) > 0 {
			why = append(why, fmt.Sprintf("%s still processing (%d may yet be captured)", strings.Join(processing, ", "), atStake))
		}
		if unknown > 0 {
			why = append(why, fmt.Sprintf("after %s with an unknown outcome", plural(unknown, "pay op")))
		}
		who := "(no order id)"
		if v.id != "" {
			who = fmt.Sprintf("%s (%s)", v.id, statusName(st, v.order != nil))
		}
		f.violation(max(live, 0)+atStake, "%s: %s", who, strings.Join(why, ", "))
		f.order(v.id)
		for _, p := range ix.paysOfOrder(int32(o)) {
			if ix.pays[p].live() > 0 || ix.payStatus(p) == "processing" {
				f.ledgerIDs(ix.payLedgerIDs(p)...)
			}
		}
	}
	held := f.n // orders holding money
	lost := ix.in.OrdersListed && ix.unattributedLost(&f)
	summary := fmt.Sprintf("%s holding money without being paid", plural(held, "order"))
	switch {
	case lost && held == 0:
		summary = "money held by payments no order claims"
	case lost:
		summary += ", and money held by payments no order claims"
	}
	v := f.verdict(summary,
		fmt.Sprintf("%s with captured money: each belongs to a paid order or was refunded", plural(captures, "order")))
	if note := ix.unattributedNote(); note != "" && !lost {
		v.Message += "; " + note
	}
	return v
}

// statusName says what the SUT reported, including that it reported nothing.
func statusName(s history.Status, known bool) string {
	switch {
	case !known:
		return "unknown to the SUT"
	case s == history.StatusNone:
		return "no status"
	default:
		return string(s)
	}
}

package check

import (
	"fmt"

	"github.com/paychaos/paychaos/harness/history"
)

// webhookAuthenticity: only genuine, fresh provider events move an order.
//
// Rule: every Webhook op (a forged, replayed, stale or foreign webhook the
// harness sent at the SUT) leaves its order's status as it was (Before ==
// After); and every order such a webhook targeted ends consistent with the
// ledger: paid only if the provider holds its amount in its currency,
// pending, failed, canceled or refunded only if the provider holds nothing
// for it. The second half catches a SUT that applies events
// asynchronously, after the harness read After. The harness must aim these
// webhooks at orders no real payment is moving at that moment, or a
// genuine change will read as a forged one.
type webhookAuthenticity struct{}

func (webhookAuthenticity) Name() string              { return "webhook-authenticity" }
func (c webhookAuthenticity) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c webhookAuthenticity) checkIndex(ix *index) Verdict {
	if len(ix.webhookOps) == 0 {
		return skip(c.Name(), "no webhook was sent at the SUT")
	}
	f := finding{name: c.Name()}
	targeted := make([]bool, len(ix.orders))
	var targets []int32
	for _, i := range ix.webhookOps {
		op := ix.op(i)
		var o int32 = -1
		if op.Order != "" {
			o = ix.byID[op.Order]
			if !targeted[o] {
				targeted[o] = true
				targets = append(targets, o)
			}
		}
		if op.Before == op.After {
			continue
		}
		var money int64
		if o >= 0 {
			money = ix.orders[o].amount
		}
		f.violation(money, "webhook op %d %s moved %s from %s to %s",
			op.ID, nameOr(op.Name, "(unnamed)"), orderName(op.Order), statusWord(op.Before), statusWord(op.After))
		f.op(op.ID)
		f.order(op.Order)
	}
	for _, o := range targets {
		v := &ix.orders[o]
		if v.order == nil || v.order.Status == history.StatusNone {
			continue
		}
		st := v.order.Status
		var problem string
		switch live := ix.liveIn(o, v.currency); {
		case st == history.StatusPaid && live < v.paidNeed():
			problem = fmt.Sprintf("ends paid while the provider holds %d of %d %s", max(live, 0), v.amount, v.currency)
		case st != history.StatusPaid && v.live() > 0:
			problem = fmt.Sprintf("ends %s while the provider holds %d for it", st, v.live())
		default:
			continue
		}
		f.violation(v.amount, "%s, targeted by a forged or replayed webhook, %s", v.id, problem)
		f.order(v.id)
		for _, i := range ix.opsOfOrder(o) {
			if op := ix.op(i); op.Kind == history.Webhook {
				f.op(op.ID)
			}
		}
		for _, p := range ix.paysOfOrder(o) {
			f.ledgerIDs(ix.payLedgerIDs(p)...)
		}
	}
	return f.verdict(
		fmt.Sprintf("%s of webhook authenticity", plural(f.n, "violation")),
		fmt.Sprintf("%s changed nothing; %s end consistent with the ledger",
			plural(len(ix.webhookOps), "untrusted webhook"), plural(len(targets), "targeted order")))
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// statusWord names a status in a message, including "none".
func statusWord(s history.Status) string {
	if s == history.StatusNone {
		return "none"
	}
	return string(s)
}

package check

import "fmt"

// amountIntegrity: the customer is charged exactly what the order costs.
//
// Rule: for every order the SUT reported, each payment that captured money
// captured exactly the order's amount in the order's currency (currencies
// compared case-insensitively), whatever happened to it later; and the
// order's amount and currency are the ones the client asked to pay in its
// first pay op. The order's amount is the SUT's record, or the client's
// request when the SUT reported none.
type amountIntegrity struct{}

func (amountIntegrity) Name() string              { return "amount-integrity" }
func (c amountIntegrity) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c amountIntegrity) checkIndex(ix *index) Verdict {
	f := finding{name: c.Name()}
	checked := 0
	for o := range ix.orders {
		v := &ix.orders[o]
		if v.order == nil || v.amount == 0 {
			continue // unknown to the SUT: no-lost-money's business
		}
		bad := false
		for _, p := range ix.paysOfOrder(int32(o)) {
			pay := &ix.pays[p]
			cur := ix.payCurrency(p)
			if pay.captured == 0 {
				continue
			}
			checked++
			switch {
			case !sameCurrency(cur, v.currency):
				f.violation(pay.captured, "%s: %s captured %d %s for an order in %s",
					v.id, ix.payID(p), pay.captured, cur, v.currency)
			case pay.captured != v.amount:
				f.violation(abs(pay.captured-v.amount), "%s: %s captured %d for an order of %d %s",
					v.id, ix.payID(p), pay.captured, v.amount, v.currency)
			default:
				continue
			}
			bad = true
			f.ledgerIDs(ix.payLedgerIDs(p)...)
		}
		if req := v.firstPay; req >= 0 && v.order.Amount > 0 &&
			(v.reqAmount != v.order.Amount || !sameCurrency(ix.curs[v.reqCur], v.order.Currency)) {
			op := ix.op(req)
			checked++
			bad = true
			f.violation(abs(op.Amount-v.order.Amount), "%s: the client asked to pay %d %s, the SUT recorded %d %s",
				v.id, op.Amount, op.Currency, v.order.Amount, v.order.Currency)
			f.op(op.ID)
			for _, p := range ix.paysOfOrder(int32(o)) {
				if ix.pays[p].captured > 0 {
					f.ledgerIDs(ix.payLedgerIDs(p)...)
				}
			}
		} else if req >= 0 {
			checked++
		}
		if bad {
			f.order(v.id)
		}
	}
	if checked == 0 {
		return skip(c.Name(), "no capture or requested amount to compare")
	}
	return f.verdict(
		fmt.Sprintf("%s wrong", plural(f.n, "amount")),
		fmt.Sprintf("%s compared: every capture and order matches the requested amount and currency", plural(checked, "amount")))
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

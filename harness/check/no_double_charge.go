package check

import (
	"fmt"
	"strings"

	"github.com/paychaos/paychaos/harness/history"
)

// noDoubleCharge: a customer pays for an order at most once.
//
// Rule: for every order (the ledger's payments grouped by
// metadata[order_id]), the money the provider still holds (captured minus
// refunded, pending refunds counted as given back) is at most the order's
// amount, and at most one payment still holds money; and no two orders
// paid under the same client request (same customer and idempotency key)
// both hold money. A duplicate refunded in full is not a double charge:
// the customer got the money back. The ledger is the only evidence, so an
// unknown outcome cannot hide a charge.
type noDoubleCharge struct{}

func (noDoubleCharge) Name() string              { return "no-double-charge" }
func (c noDoubleCharge) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c noDoubleCharge) checkIndex(ix *index) Verdict {
	if !ix.anyCapture {
		if len(ix.payOps) == 0 {
			return skip(c.Name(), "no payment was attempted")
		}
		return Verdict{Invariant: c.Name(), Result: Pass, Message: "the provider captured nothing, so nothing twice"}
	}
	f := finding{name: c.Name()}
	checked := 0
	for o := range ix.orders {
		v := &ix.orders[o]
		if v.captured == 0 {
			continue
		}
		checked++
		live := v.live()
		if live <= v.amount && v.livePays <= 1 {
			continue
		}
		var maxLive int64
		var ids []string
		for _, p := range ix.paysOfOrder(int32(o)) {
			if l := ix.pays[p].live(); l > 0 {
				maxLive = max(maxLive, l)
				ids = append(ids, ix.pays[p].id)
				f.ledgerIDs(ix.payLedgerIDs(p)...)
			}
		}
		money := max(live-v.amount, live-maxLive)
		f.violation(money, "%s: %s hold %d for an order of %d %s (%s)",
			orderName(v.id), plural(int(v.livePays), "payment"), live, v.amount, v.currency, strings.Join(ids, ", "))
		f.order(v.id)
		for _, i := range ix.opsOfOrder(int32(o)) {
			if op := ix.op(i); op.Kind == history.Pay {
				f.op(op.ID)
			}
		}
	}
	c.sameRequest(ix, &f)
	return f.verdict(
		fmt.Sprintf("%s charged twice", plural(f.n, "order or request")),
		fmt.Sprintf("%s with captured money checked: none holds more than one payment or more than its amount", plural(checked, "order")))
}

// sameRequest catches a SUT that turns one client request (one idempotency
// key) into two orders and charges both: per order everything looks fine.
func (noDoubleCharge) sameRequest(ix *index, f *finding) {
	type reqKey struct{ customer, key string }
	first := make(map[reqKey]int32, len(ix.payOps))
	var (
		order []reqKey // keys in discovery order, for a stable verdict
		extra map[reqKey][]int32
	)
	for _, i := range ix.payOps {
		op := ix.op(i)
		if op.Key == "" || op.Order == "" {
			continue
		}
		k := reqKey{op.Customer, op.Key}
		o := ix.byID[op.Order]
		f0, ok := first[k]
		if !ok {
			first[k] = o
			continue
		}
		if f0 == o {
			continue
		}
		if extra == nil {
			extra = make(map[reqKey][]int32)
		}
		if _, seen := extra[k]; !seen {
			order = append(order, k)
		}
		if !containsInt32(extra[k], o) {
			extra[k] = append(extra[k], o)
		}
	}
	if len(order) == 0 {
		return
	}
	opsOf := make(map[reqKey][]int, len(order))
	for _, k := range order {
		opsOf[k] = nil
	}
	for _, i := range ix.payOps {
		op := ix.op(i)
		k := reqKey{op.Customer, op.Key}
		if ids, ok := opsOf[k]; ok {
			opsOf[k] = append(ids, op.ID)
		}
	}
	for _, k := range order {
		all := append([]int32{first[k]}, extra[k]...)
		var holding []int32
		for _, o := range all {
			if ix.orders[o].live() > 0 {
				holding = append(holding, o)
			}
		}
		if len(holding) < 2 {
			continue
		}
		var money int64
		names := make([]string, len(holding))
		for j, o := range holding {
			v := &ix.orders[o]
			names[j] = v.id
			if j > 0 {
				money += v.live()
			}
			f.order(v.id)
			for _, p := range ix.paysOfOrder(o) {
				if ix.pays[p].live() > 0 {
					f.ledgerIDs(ix.payLedgerIDs(p)...)
				}
			}
		}
		for _, id := range opsOf[k] {
			f.op(id)
		}
		f.violation(money, "idempotency key %q paid %d orders (%s)", k.key, len(holding), strings.Join(names, ", "))
	}
}

func containsInt32(s []int32, x int32) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

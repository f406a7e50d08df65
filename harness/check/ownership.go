package check

import (
	"fmt"

	"github.com/paychaos/paychaos/harness/history"
)

// ownership: a customer sees and moves only their own orders. A list
// that returns other customers' orders leaks their purchases; a refund or
// cancel of another's order moves their money.
//
// Rule: no read, refund or cancel op answered 2xx (a get, a list that
// named the order, a refund, a cancel; attacks are input-safety's) names
// an order whose owner is another customer. The owner is the customer
// whose checkout created the order, else the one the SUT's record names.
// A refund or cancel of another's order puts its amount at risk.
type ownership struct{}

func (ownership) Name() string              { return "ownership" }
func (c ownership) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c ownership) checkIndex(ix *index) Verdict {
	f := finding{name: c.Name()}
	reads := 0
	owners := map[int32]string{}
	for _, i := range ix.readOps {
		op := ix.op(i)
		o := ix.opOrder[i]
		if op.Kind == history.Pay || o < 0 || op.Customer == "" || op.HTTPStatus < 200 || op.HTTPStatus >= 300 {
			continue
		}
		reads++
		own, ok := owners[o]
		if !ok {
			own = ix.owner(o)
			owners[o] = own
		}
		if own == "" || own == op.Customer {
			continue
		}
		var money int64
		what := "read"
		switch {
		case op.Kind == history.Refund || op.Kind == history.Cancel:
			money, what = ix.orders[o].amount, string(op.Kind)
		case op.Name != "":
			what = op.Name
		}
		f.violation(money, "op %d: %s of %s, an order of %s, answered %d to %s", op.ID, what, op.Order, own, op.HTTPStatus, op.Customer)
		f.op(op.ID)
		f.order(op.Order)
	}
	if reads == 0 {
		return skip(c.Name(), "no order was read, refunded or cancelled")
	}
	return f.verdict(fmt.Sprintf("%s answered with another customer's order", plural(f.n, "request")),
		fmt.Sprintf("%d reads, refunds and cancels each answered with the customer's own order", reads))
}

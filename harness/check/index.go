package check

import (
	"strings"

	"github.com/paychaos/paychaos/harness/history"
)

// payment is one ledger payment: a PaymentIntent, or a charge whose
// PaymentIntent the ledger does not hold ("loose"). Money is summed once
// here so that no invariant re-reads the ledger.
type payment struct {
	id       string // pi_… or, for a loose charge, ch_…
	pi       int32  // index in Ledger.PaymentIntents; -1 for a loose charge
	order    int32  // index in index.orders
	amount   int64
	currency string
	status   string // the PaymentIntent's status, or the loose charge's
	// captured is what the provider took: succeeded, captured charges, or
	// the intent's amount_received when no such charge is recorded.
	captured int64
	// refunded sums succeeded refunds (or the charges' amount_refunded when
	// no refund is recorded); pendingRefund sums refunds still under way.
	refunded      int64
	pendingRefund int64
}

// live is the money the provider still holds for this payment.
func (p *payment) live() int64 { return p.captured - p.refunded - p.pendingRefund }

// undecided reports whether the provider has not settled the payment yet
// (async method still processing, or the customer owes a 3DS step): a SUT
// that keeps such an order pending is right to.
func (p *payment) undecided() bool {
	return p.status == "processing" || p.status == "requires_action"
}

// orderView gathers everything known about one order id: the SUT's final
// record, the payments that carry its id in metadata, and the operations
// that named it.
type orderView struct {
	id    string
	order *history.Order // the SUT's final record; nil when it did not report one
	// amount and currency are what the order should cost: the SUT's record,
	// else the first pay op's request, else the first payment's.
	amount   int64
	currency string

	opAmount   int64
	opCurrency string

	captured, refunded, pendingRefund int64
	capturedPays, livePays            int32

	payOK     bool // a pay op was acknowledged (outcome ok)
	toldPaid  bool // an op told a client the order is paid
	undecided bool // a payment is still processing or awaiting the customer
}

func (v *orderView) live() int64 { return v.captured - v.refunded - v.pendingRefund }

// status is the SUT's final status, StatusNone when it reported none.
func (v *orderView) status() history.Status {
	if v.order == nil {
		return history.StatusNone
	}
	return v.order.Status
}

// index is the Input read once: every invariant works from it, so a run of
// all ten costs one pass over the history and one over the ledger.
type index struct {
	in     *Input
	orders []orderView
	byID   map[string]int32

	pays        []payment
	piByID      map[string]int32 // PaymentIntent id -> pays index
	chargePay   []int32          // Ledger.Charges index -> pays index
	refundPay   []int32          // Ledger.Refunds index -> pays index, -1 when stray
	strayRefund []int32          // refunds naming no known charge or intent

	// Grouped indices: the ops of order o are opsOf[opsAt[o]:opsAt[o+1]],
	// and likewise for payments per order, charges and refunds per payment.
	opsAt, opsOf           []int32
	paysAt, paysOf         []int32
	chargesAt, chargesOf   []int32
	refundsAt, refundsOf   []int32
	payOps, readOps        []int32 // pay ops; pay/get/refund/cancel answers
	webhookOps, attackOps  []int32
	healthOps, textOps     []int32 // health probes; ops with a body or error
	ordersRead, anyCapture bool
}

func newIndex(in *Input) *index {
	led := &in.Ledger
	ix := &index{
		in:         in,
		byID:       make(map[string]int32, len(in.Orders)+len(led.PaymentIntents)/4+16),
		piByID:     make(map[string]int32, len(led.PaymentIntents)),
		ordersRead: len(in.Orders) > 0,
	}
	ix.orders = make([]orderView, 0, len(in.Orders)+16)
	for i := range in.Orders {
		o := &in.Orders[i]
		if _, dup := ix.byID[o.ID]; dup {
			continue // the first record wins; history.Load refuses duplicates
		}
		ix.byID[o.ID] = int32(len(ix.orders))
		ix.orders = append(ix.orders, orderView{id: o.ID, order: o})
	}

	// Payments.
	ix.pays = make([]payment, 0, len(led.PaymentIntents)+8)
	for i := range led.PaymentIntents {
		p := &led.PaymentIntents[i]
		ix.piByID[p.ID] = int32(len(ix.pays))
		ix.pays = append(ix.pays, payment{
			id: p.ID, pi: int32(i), order: ix.view(p.Metadata["order_id"]),
			amount: p.Amount, currency: p.Currency, status: p.Status,
		})
	}
	chCaptured := make([]bool, len(ix.pays), len(ix.pays)+8)
	chRefunded := make([]int64, len(ix.pays), len(ix.pays)+8)
	hasRefunds := make([]bool, len(ix.pays), len(ix.pays)+8)
	chargeByID := make(map[string]int32, len(led.Charges))
	ix.chargePay = make([]int32, len(led.Charges))
	for i := range led.Charges {
		c := &led.Charges[i]
		p, ok := ix.piByID[c.PaymentIntent]
		if !ok || c.PaymentIntent == "" {
			p = int32(len(ix.pays))
			ix.pays = append(ix.pays, payment{
				id: c.ID, pi: -1, order: ix.view(c.Metadata["order_id"]),
				amount: c.Amount, currency: c.Currency, status: c.Status,
			})
			chCaptured = append(chCaptured, false)
			chRefunded = append(chRefunded, 0)
			hasRefunds = append(hasRefunds, false)
		}
		ix.chargePay[i] = p
		chargeByID[c.ID] = p
		if c.Status == "succeeded" && c.Captured {
			amt := c.AmountCaptured
			if amt == 0 {
				amt = c.Amount
			}
			chCaptured[p] = true
			ix.pays[p].captured += amt
		}
		chRefunded[p] += c.AmountRefunded
	}
	// A recorded capture is the better evidence; amount_received stands in
	// only when the ledger kept no captured charge for the intent.
	for i := range led.PaymentIntents {
		if !chCaptured[i] {
			ix.pays[i].captured = led.PaymentIntents[i].AmountReceived
		}
	}
	ix.refundPay = make([]int32, len(led.Refunds))
	for i := range led.Refunds {
		r := &led.Refunds[i]
		p, ok := chargeByID[r.Charge]
		if !ok || r.Charge == "" {
			p, ok = ix.piByID[r.PaymentIntent]
			if r.PaymentIntent == "" {
				ok = false
			}
		}
		if !ok {
			ix.refundPay[i] = -1
			ix.strayRefund = append(ix.strayRefund, int32(i))
			continue
		}
		ix.refundPay[i] = p
		hasRefunds[p] = true
		switch r.Status {
		case "succeeded":
			ix.pays[p].refunded += r.Amount
		case "pending", "requires_action":
			ix.pays[p].pendingRefund += r.Amount
		}
	}
	for i := range ix.pays {
		p := &ix.pays[i]
		if !hasRefunds[i] {
			p.refunded = chRefunded[i]
		}
		v := &ix.orders[p.order]
		v.captured += p.captured
		v.refunded += p.refunded
		v.pendingRefund += p.pendingRefund
		if p.captured > 0 {
			v.capturedPays++
			ix.anyCapture = true
		}
		if p.live() > 0 {
			v.livePays++
		}
		if p.undecided() {
			v.undecided = true
		}
	}

	// Operations: one pass.
	ops := in.History
	opOrder := make([]int32, len(ops))
	for i := range ops {
		op := &ops[i]
		switch op.Kind {
		case history.Pay:
			ix.payOps = append(ix.payOps, int32(i))
			ix.readOps = append(ix.readOps, int32(i))
		case history.Get, history.Refund, history.Cancel:
			ix.readOps = append(ix.readOps, int32(i))
		case history.Webhook:
			ix.webhookOps = append(ix.webhookOps, int32(i))
		case history.Attack:
			ix.attackOps = append(ix.attackOps, int32(i))
		case history.Health:
			ix.healthOps = append(ix.healthOps, int32(i))
		}
		if op.Body != "" || op.Error != "" {
			ix.textOps = append(ix.textOps, int32(i))
		}
		if op.Order == "" {
			opOrder[i] = -1
			continue
		}
		o := ix.view(op.Order)
		opOrder[i] = o
		v := &ix.orders[o]
		switch op.Kind {
		case history.Pay:
			if v.opAmount == 0 && op.Amount > 0 {
				v.opAmount, v.opCurrency = op.Amount, op.Currency
			}
			if op.Outcome == history.OK {
				v.payOK = true
			}
			fallthrough
		case history.Get, history.Refund, history.Cancel:
			if op.Outcome == history.OK && op.Status == history.StatusPaid {
				v.toldPaid = true
			}
		}
	}

	// Group.
	n := len(ix.orders)
	ix.opsAt, ix.opsOf = group(n, opOrder)
	payOrder := make([]int32, len(ix.pays))
	for i := range ix.pays {
		payOrder[i] = ix.pays[i].order
	}
	ix.paysAt, ix.paysOf = group(n, payOrder)
	ix.chargesAt, ix.chargesOf = group(len(ix.pays), ix.chargePay)
	ix.refundsAt, ix.refundsOf = group(len(ix.pays), ix.refundPay)

	// What each order should cost.
	for i := range ix.orders {
		v := &ix.orders[i]
		switch {
		case v.order != nil && v.order.Amount > 0:
			v.amount, v.currency = v.order.Amount, v.order.Currency
		case v.opAmount > 0:
			v.amount, v.currency = v.opAmount, v.opCurrency
		default:
			if ps := ix.paysOfOrder(int32(i)); len(ps) > 0 {
				p := &ix.pays[ps[0]]
				v.amount, v.currency = p.amount, p.currency
			}
		}
		if v.currency == "" && v.order != nil {
			v.currency = v.order.Currency
		}
	}
	return ix
}

// view returns the index of the order with this id, adding an order the
// SUT did not report when it is new. The empty id gathers payments that
// name no order at all.
func (ix *index) view(id string) int32 {
	if o, ok := ix.byID[id]; ok {
		return o
	}
	o := int32(len(ix.orders))
	ix.byID[id] = o
	ix.orders = append(ix.orders, orderView{id: id})
	return o
}

// group is a counting sort: owner[i] is the group of item i (or -1 for
// none); items of group g end up in of[at[g]:at[g+1]], in their original
// order. Two allocations whatever the sizes.
func group(groups int, owner []int32) (at, of []int32) {
	at = make([]int32, groups+1)
	for _, g := range owner {
		if g >= 0 {
			at[g+1]++
		}
	}
	for g := 1; g <= groups; g++ {
		at[g] += at[g-1]
	}
	of = make([]int32, at[groups])
	next := make([]int32, groups)
	copy(next, at[:groups])
	for i, g := range owner {
		if g >= 0 {
			of[next[g]] = int32(i)
			next[g]++
		}
	}
	return at, of
}

func (ix *index) opsOfOrder(o int32) []int32  { return ix.opsOf[ix.opsAt[o]:ix.opsAt[o+1]] }
func (ix *index) paysOfOrder(o int32) []int32 { return ix.paysOf[ix.paysAt[o]:ix.paysAt[o+1]] }
func (ix *index) chargesOfPay(p int32) []int32 {
	return ix.chargesOf[ix.chargesAt[p]:ix.chargesAt[p+1]]
}
func (ix *index) refundsOfPay(p int32) []int32 {
	return ix.refundsOf[ix.refundsAt[p]:ix.refundsAt[p+1]]
}
func (ix *index) op(i int32) *history.Op { return &ix.in.History[i] }

// liveIn is the money the provider holds for order o in currency cur.
func (ix *index) liveIn(o int32, cur string) int64 {
	var n int64
	for _, p := range ix.paysOfOrder(o) {
		if sameCurrency(ix.pays[p].currency, cur) {
			n += ix.pays[p].live()
		}
	}
	return n
}

// capturedIn is the money ever captured for order o in currency cur,
// refunded or not.
func (ix *index) capturedIn(o int32, cur string) int64 {
	var n int64
	for _, p := range ix.paysOfOrder(o) {
		if sameCurrency(ix.pays[p].currency, cur) {
			n += ix.pays[p].captured
		}
	}
	return n
}

// payLedgerIDs lists the ledger objects behind payment p: the intent or
// loose charge, its charges and its refunds.
func (ix *index) payLedgerIDs(p int32) []string {
	led := &ix.in.Ledger
	ids := []string{ix.pays[p].id}
	for _, c := range ix.chargesOfPay(p) {
		if id := led.Charges[c].ID; id != ix.pays[p].id {
			ids = append(ids, id)
		}
	}
	for _, r := range ix.refundsOfPay(p) {
		ids = append(ids, led.Refunds[r].ID)
	}
	return ids
}

// sameCurrency compares ISO codes the way Stripe does: case-insensitively.
// An unknown (empty) currency on either side matches.
func sameCurrency(a, b string) bool {
	return a == b || a == "" || b == "" || strings.EqualFold(a, b)
}

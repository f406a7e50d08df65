package check

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// payment is one ledger payment: a PaymentIntent, or a charge whose
// PaymentIntent the ledger does not hold ("loose"). Money is summed once
// here so that no invariant re-reads the ledger. It holds no pointers (its
// id, currency and status are read from the ledger record), so a million
// of them cost the garbage collector nothing.
type payment struct {
	rec   int32  // index in Ledger.PaymentIntents, or -1-index in Ledger.Charges for a loose charge
	order int32  // index in index.orders
	cur   uint16 // currency, interned in index.curs
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

// payID, payCurrency, payStatus and payAmount read payment p's ledger
// record.
func (ix *index) payID(p int32) string {
	if r := ix.pays[p].rec; r >= 0 {
		return ix.in.Ledger.PaymentIntents[r].ID
	}
	return ix.in.Ledger.Charges[-1-ix.pays[p].rec].ID
}

func (ix *index) payCurrency(p int32) string { return ix.curs[ix.pays[p].cur] }

func (ix *index) payStatus(p int32) string {
	if r := ix.pays[p].rec; r >= 0 {
		return ix.in.Ledger.PaymentIntents[r].Status
	}
	return ix.in.Ledger.Charges[-1-ix.pays[p].rec].Status
}

func (ix *index) payAmount(p int32) int64 {
	if r := ix.pays[p].rec; r >= 0 {
		return ix.in.Ledger.PaymentIntents[r].Amount
	}
	return ix.in.Ledger.Charges[-1-ix.pays[p].rec].Amount
}

// undecided reports whether the provider has not settled payment p yet
// (async method still processing, or the customer owes a 3DS step, or in
// a browser flow their card): a SUT that keeps such an order pending is
// right to.
func (ix *index) undecided(p int32) bool {
	st := ix.payStatus(p)
	return st == "processing" || st == "requires_action" || (ix.in.BrowserFlow && st == "requires_payment_method")
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

	// firstPay is the first pay op naming an amount, or -1; reqAmount and
	// reqCur are what it asked for.
	firstPay  int32
	reqCur    uint16
	reqAmount int64

	captured, refunded, pendingRefund int64
	capturedPays, livePays            int32

	acked     bool // the SUT acknowledged a pay op (outcome ok, or any 2xx such as "pending")
	toldPaid  bool // an op told a client the order is paid
	undecided bool // a payment is still processing or awaiting the customer
}

func (v *orderView) live() int64 { return v.captured - v.refunded - v.pendingRefund }

// paidNeed is what the provider must hold for the order to be paid: its
// amount less what the SUT itself says it refunded (a partial refund of a
// paid order), and never nothing: with no known amount, some capture must
// still exist.
func (v *orderView) paidNeed() int64 {
	need := v.amount
	if v.order != nil {
		need -= v.order.Refunded
	}
	return max(need, 1)
}

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
	piByID      map[string]int32 // PaymentIntent id -> pays index, built on demand
	piHint      int              // where findPI looks first
	piMisses    int              // findPI's full scans so far
	nearHint    int              // where viewNear looks first
	chargePay   []int32          // Ledger.Charges index -> pays index
	refundPay   []int32          // Ledger.Refunds index -> pays index, -1 when stray
	strayRefund []int32          // refunds naming no known charge or intent

	// Grouped indices: the ops of order o are opsOf[opsAt[o]:opsAt[o+1]],
	// and likewise for payments per order, charges and refunds per payment.
	opOrder               []int32 // the order each op names, noOrder for none
	opsAt, opsOf          []int32
	paysAt, paysOf        []int32
	chargesAt, chargesOf  []int32
	refundsAt, refundsOf  []int32
	payOps, readOps       []int32 // pay ops; pay/get/refund/cancel answers
	webhookOps, attackOps []int32
	healthOps             []int32
	refundOps             int // refund and cancel ops
	// keyedPays are the pay ops with an idempotency key and an order, with
	// the hash of (customer, key), in history order: hashed while the scan
	// has the op in hand, so that no-double-charge need not read them again.
	keyedPays              []hashedOp
	ordersRead, anyCapture bool
	// sorted is set when the history is in call-time order (as Recorder.Ops
	// returns it): loops over a time range may then start and stop early.
	sorted bool
	curs   []string // interned currencies
	curIDs map[string]uint16
	// join attributes payments to orders; unattributed is the view that
	// gathers the payments it could not place, -1 when there are none.
	join         *Join
	unattributed int32
}

func newIndex(in *Input) *index {
	led := &in.Ledger
	ix := &index{
		in:         in,
		byID:       make(map[string]int32, len(in.Orders)+len(led.PaymentIntents)/8+16),
		ordersRead: len(in.Orders) > 0,
		join:       NewJoin(in.Orders, in.MetadataKey),
	}
	ix.orders = make([]orderView, 0, len(in.Orders)+len(led.PaymentIntents)/8+16)
	var dups map[string]bool
	for i := range in.Orders {
		o := &in.Orders[i]
		n := len(ix.byID)
		ix.byID[o.ID] = int32(len(ix.orders))
		if len(ix.byID) == n {
			if dups == nil {
				dups = make(map[string]bool)
			}
			dups[o.ID] = true
			continue
		}
		ix.orders = append(ix.orders, orderView{id: o.ID, order: o, firstPay: -1})
	}
	// The first record of a duplicated id wins (history.Load refuses
	// duplicates; this only keeps a hand-made Input from confusing us).
	for i := range ix.orders {
		if id := ix.orders[i].id; dups[id] {
			ix.byID[id] = int32(i)
			delete(dups, id)
		}
	}

	// Payments.
	ix.pays = make([]payment, 0, len(led.PaymentIntents)+16)
	for i := range led.PaymentIntents {
		p := &led.PaymentIntents[i]
		ix.pays = append(ix.pays, payment{rec: int32(i), order: ix.viewNear(ix.join.Order(p.ID, p.Metadata)), cur: ix.intern(p.Currency)})
	}
	// Refunds are few: index them by the charge and intent they name, and
	// resolve them while walking the charges, rather than indexing every
	// charge by id.
	var refundCharge, refundPI map[string]int32 // id -> pays index, -1 until seen
	if len(led.Refunds) > 0 {
		refundCharge = make(map[string]int32, len(led.Refunds))
		refundPI = make(map[string]int32, len(led.Refunds))
		for i := range led.Refunds {
			refundCharge[led.Refunds[i].Charge] = -1
			refundPI[led.Refunds[i].PaymentIntent] = -1
		}
		delete(refundCharge, "")
		delete(refundPI, "")
	}
	chCaptured := make([]bool, len(ix.pays), len(ix.pays)+16)
	chRefunded := make([]int64, len(ix.pays), len(ix.pays)+16)
	hasRefunds := make([]bool, len(ix.pays), len(ix.pays)+16)
	ix.chargePay = make([]int32, len(led.Charges))
	for i := range led.Charges {
		c := &led.Charges[i]
		p, ok := ix.findPI(c.PaymentIntent)
		if !ok {
			p = int32(len(ix.pays))
			ix.pays = append(ix.pays, payment{rec: -1 - int32(i), order: ix.view(ix.join.Order(c.PaymentIntent, c.Metadata)), cur: ix.intern(c.Currency)})
			chCaptured = append(chCaptured, false)
			chRefunded = append(chRefunded, 0)
			hasRefunds = append(hasRefunds, false)
		}
		ix.chargePay[i] = p
		if refundCharge != nil {
			if _, named := refundCharge[c.ID]; named {
				refundCharge[c.ID] = p
			}
		}
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
		if refundPI != nil {
			if _, named := refundPI[led.PaymentIntents[i].ID]; named {
				refundPI[led.PaymentIntents[i].ID] = int32(i)
			}
		}
	}
	ix.refundPay = make([]int32, len(led.Refunds))
	for i := range led.Refunds {
		r := &led.Refunds[i]
		p, ok := refundCharge[r.Charge]
		if !ok || p < 0 {
			p, ok = refundPI[r.PaymentIntent]
		}
		if !ok || p < 0 {
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
		if ix.undecided(int32(i)) {
			v.undecided = true
		}
	}

	ix.unattributed = -1
	if o, ok := ix.byID[""]; ok {
		ix.unattributed = o
	}

	// Operations.
	ops := in.History
	opOrder := ix.scanOps(ops)
	for i := range ops {
		if opOrder[i] == unknownOrder {
			opOrder[i] = ix.view(ops[i].Order) // an id neither the SUT nor the ledger knows
		}
	}
	for _, i := range ix.readOps {
		op := &ops[i]
		if opOrder[i] < 0 {
			continue
		}
		v := &ix.orders[opOrder[i]]
		if op.Kind == history.Pay {
			if v.firstPay < 0 && op.Amount > 0 {
				v.firstPay, v.reqAmount, v.reqCur = i, op.Amount, ix.intern(op.Currency)
			}
			if op.Outcome == history.OK || (op.HTTPStatus >= 200 && op.HTTPStatus < 300) {
				v.acked = true
			}
		}
		if op.Outcome == history.OK && op.Status == history.StatusPaid {
			v.toldPaid = true
		}
	}

	ix.opOrder = opOrder

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
		case v.firstPay >= 0:
			v.amount, v.currency = v.reqAmount, ix.curs[v.reqCur]
		default:
			if ps := ix.paysOfOrder(int32(i)); len(ps) > 0 {
				v.amount, v.currency = ix.payAmount(ps[0]), ix.payCurrency(ps[0])
			}
		}
		if v.currency == "" && v.order != nil {
			v.currency = v.order.Currency
		}
	}
	return ix
}

// unknownOrder marks, in scanOps' result, an op naming an order id not
// indexed yet; noOrder an op naming none.
const (
	noOrder      = -1
	unknownOrder = -2
)

// opChunk is the share of the history one goroutine of scanOps reads.
type opChunk struct {
	lo, hi                             int
	pay, read, webhook, attack, health []int32
	keyed                              []hashedOp
	refunds                            int
	sorted                             bool
}

// scanOps sorts the ops by kind and looks up the order each names. The
// lookups are most of the cost of indexing a large history and only read
// the map, so with more than one CPU the history is read in parallel
// chunks; the lists are joined in op order, so the result does not depend
// on the split.
func (ix *index) scanOps(ops []history.Op) []int32 {
	opOrder := make([]int32, len(ops))
	parts := min(runtime.GOMAXPROCS(0), len(ops)/parallelOps+1, 8)
	chunks := make([]opChunk, parts)
	for c := range chunks {
		chunks[c].lo, chunks[c].hi = len(ops)*c/parts, len(ops)*(c+1)/parts
	}
	scan := func(ch *opChunk) {
		n := ch.hi - ch.lo
		// Capacity the pages of which are never written costs nothing;
		// growing and copying would.
		ch.pay = make([]int32, 0, n/2+8)
		ch.keyed = make([]hashedOp, 0, n/2+8)
		ch.read = make([]int32, 0, n+8)
		ch.sorted = true
		hint := 0
		for i := ch.lo; i < ch.hi; i++ {
			op := &ops[i]
			if i > 0 && op.Call < ops[i-1].Call {
				ch.sorted = false
			}
			switch op.Kind {
			case history.Pay:
				ch.pay = append(ch.pay, int32(i))
				ch.read = append(ch.read, int32(i))
				if op.Key != "" && op.Order != "" {
					ch.keyed = append(ch.keyed, hashedOp{h: requestHash(op.Customer, op.Key), i: int32(i)})
				}
			case history.Refund, history.Cancel:
				ch.refunds++
				fallthrough
			case history.Get:
				ch.read = append(ch.read, int32(i))
			case history.Webhook:
				ch.webhook = append(ch.webhook, int32(i))
			case history.Attack:
				ch.attack = append(ch.attack, int32(i))
			case history.Health:
				ch.health = append(ch.health, int32(i))
			}
			if op.Order == "" {
				opOrder[i] = noOrder
				continue
			}
			// Checkouts come in about the order of the SUT's orders:
			// look just past the last checkout's order before the map.
			if op.Kind == history.Pay && hint < len(ix.orders) && ix.orders[hint].id == op.Order {
				opOrder[i] = int32(hint)
				hint++
				continue
			}
			o, ok := ix.byID[op.Order]
			if !ok {
				opOrder[i] = unknownOrder
				continue
			}
			opOrder[i] = o
			if op.Kind == history.Pay {
				hint = int(o) + 1
			}
		}
	}
	if parts == 1 {
		scan(&chunks[0])
	} else {
		var wg sync.WaitGroup
		for c := range chunks {
			wg.Go(func() { scan(&chunks[c]) })
		}
		wg.Wait()
	}
	join := func(get func(*opChunk) []int32) []int32 {
		if parts == 1 {
			return get(&chunks[0])
		}
		n := 0
		for c := range chunks {
			n += len(get(&chunks[c]))
		}
		out := make([]int32, 0, n)
		for c := range chunks {
			out = append(out, get(&chunks[c])...)
		}
		return out
	}
	ix.payOps = join(func(c *opChunk) []int32 { return c.pay })
	ix.readOps = join(func(c *opChunk) []int32 { return c.read })
	ix.webhookOps = join(func(c *opChunk) []int32 { return c.webhook })
	ix.attackOps = join(func(c *opChunk) []int32 { return c.attack })
	ix.healthOps = join(func(c *opChunk) []int32 { return c.health })
	if parts == 1 {
		ix.keyedPays = chunks[0].keyed
	} else {
		n := 0
		for c := range chunks {
			n += len(chunks[c].keyed)
		}
		ix.keyedPays = make([]hashedOp, 0, n)
		for c := range chunks {
			ix.keyedPays = append(ix.keyedPays, chunks[c].keyed...)
		}
	}
	ix.sorted = true
	for c := range chunks {
		ix.refundOps += chunks[c].refunds
		ix.sorted = ix.sorted && chunks[c].sorted
	}
	return opOrder
}

// parallelOps is the history size from which scanOps splits the work:
// below it, starting goroutines costs more than it saves.
const parallelOps = 50_000

// intern returns a small code for a currency string. Runs use a handful
// of currencies: a short list is searched first, a map past it.
func (ix *index) intern(cur string) uint16 {
	if ix.curIDs == nil {
		for k, c := range ix.curs {
			if c == cur {
				return uint16(k)
			}
		}
		if len(ix.curs) < 8 {
			ix.curs = append(ix.curs, cur)
			return uint16(len(ix.curs) - 1)
		}
		ix.curIDs = make(map[string]uint16, 64)
		for k, c := range ix.curs {
			ix.curIDs[c] = uint16(k)
		}
	}
	if k, ok := ix.curIDs[cur]; ok {
		return k
	}
	if len(ix.curs) == 1<<16-1 {
		return uint16(len(ix.curs) - 1) // absurd input: the last code stands for the rest
	}
	ix.curs = append(ix.curs, cur)
	ix.curIDs[cur] = uint16(len(ix.curs) - 1)
	return uint16(len(ix.curs) - 1)
}

// from is where a loop over list (op indices in history order) for ops
// called at or after t may start: the first such op when the history is
// sorted, else 0.
func (ix *index) from(list []int32, t time.Duration) int {
	if !ix.sorted {
		return 0
	}
	ops := ix.in.History
	k, _ := slices.BinarySearchFunc(list, t, func(i int32, t time.Duration) int {
		if ops[i].Call < t {
			return -1
		}
		return 1
	})
	return k
}

// findPI finds the ledger PaymentIntent with this id. Charges are listed
// in about the order of their intents, so it first looks just past the
// previous match, then scans; it builds an id map only once the ledger has
// proved unordered.
func (ix *index) findPI(id string) (int32, bool) {
	if id == "" {
		return -1, false
	}
	pis := ix.in.Ledger.PaymentIntents
	if ix.piByID == nil {
		for k := max(ix.piHint-1, 0); k < len(pis) && k < ix.piHint+16; k++ {
			if pis[k].ID == id {
				ix.piHint = k + 1
				return int32(k), true
			}
		}
		if ix.piMisses < 16 {
			ix.piMisses++
			for k := range pis {
				if pis[k].ID == id {
					ix.piHint = k + 1
					return int32(k), true
				}
			}
			return -1, false
		}
		ix.piByID = make(map[string]int32, len(pis))
		for k := len(pis) - 1; k >= 0; k-- {
			ix.piByID[pis[k].ID] = int32(k) // the first of duplicates wins
		}
	}
	k, ok := ix.piByID[id]
	return k, ok
}

// view returns the index of the order with this id, adding an order the
// SUT did not report when it is new. The empty id gathers the payments the
// join could not attribute (see unattributedNote).
func (ix *index) view(id string) int32 {
	if o, ok := ix.byID[id]; ok {
		return o
	}
	o := int32(len(ix.orders))
	ix.byID[id] = o
	ix.orders = append(ix.orders, orderView{id: id, firstPay: -1})
	return o
}

// viewNear is view for ids that come in about the order of ix.orders, as
// a ledger's payments do of the orders they pay: the order after the last
// match (or the last match again, for a second payment) is tried before
// the map, which at millions of orders costs a cache miss or two a lookup.
// ix.orders holds each id once, so a match there is what byID would say.
func (ix *index) viewNear(id string) int32 {
	for _, k := range [2]int{ix.nearHint, ix.nearHint - 1} {
		if k >= 0 && k < len(ix.orders) && ix.orders[k].id == id {
			ix.nearHint = k + 1
			return int32(k)
		}
	}
	o := ix.view(id)
	ix.nearHint = int(o) + 1
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
		if sameCurrency(ix.payCurrency(p), cur) {
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
		if sameCurrency(ix.payCurrency(p), cur) {
			n += ix.pays[p].captured
		}
	}
	return n
}

// payLedgerIDs lists the ledger objects behind payment p: the intent or
// loose charge, its charges and its refunds.
func (ix *index) payLedgerIDs(p int32) []string {
	led := &ix.in.Ledger
	ids := []string{ix.payID(p)}
	for _, c := range ix.chargesOfPay(p) {
		if id := led.Charges[c].ID; id != ids[0] {
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

// followedUp marks the orders a customer asked to cancel or refund (a
// refund or cancel op naming them): such an order may rightly end
// canceled or refunded.
func (ix *index) followedUp() []bool {
	out := make([]bool, len(ix.orders))
	if ix.refundOps == 0 {
		return out
	}
	for _, i := range ix.readOps {
		if k := ix.op(i).Kind; (k == history.Refund || k == history.Cancel) && ix.opOrder[i] >= 0 {
			out[ix.opOrder[i]] = true
		}
	}
	return out
}

// owner is the customer an order belongs to: the one whose checkout
// created it, else the one the SUT's record names; "" when neither is
// known.
func (ix *index) owner(o int32) string {
	for _, i := range ix.opsOfOrder(o) {
		if op := ix.op(i); op.Kind == history.Pay && op.Customer != "" {
			return op.Customer
		}
	}
	if v := &ix.orders[o]; v.order != nil {
		return v.order.Customer
	}
	return ""
}

package check

import (
	"fmt"
	"math"
	"strings"
)

// Evidence lists and message details are bounded so that a run with a
// million operations and a systematic bug still yields a readable verdict;
// counts and money at risk are always complete.
const (
	maxEvidence = 200
	maxDetails  = 8
)

// finding accumulates one invariant's violations and their evidence.
type finding struct {
	name    string
	n       int // violations
	details []string
	money   int64

	orders    []string
	ops       []int
	ledger    []string
	seenOrder map[string]struct{}
	seenOp    map[int]struct{}
	seenLedg  map[string]struct{}
	dropped   bool // some evidence did not fit
}

// violation records one violation with a one-line description and the
// money it puts at risk.
func (f *finding) violation(money int64, format string, args ...any) {
	f.n++
	f.money = AddMoney(f.money, money)
	if len(f.details) < maxDetails {
		f.details = append(f.details, fmt.Sprintf(format, args...))
	}
}

func (f *finding) order(id string) {
	if id == "" {
		return
	}
	if f.seenOrder == nil {
		f.seenOrder = make(map[string]struct{})
	}
	if _, ok := f.seenOrder[id]; ok {
		return
	}
	if len(f.orders) >= maxEvidence {
		f.dropped = true
		return
	}
	f.seenOrder[id] = struct{}{}
	f.orders = append(f.orders, id)
}

func (f *finding) op(id int) {
	if f.seenOp == nil {
		f.seenOp = make(map[int]struct{})
	}
	if _, ok := f.seenOp[id]; ok {
		return
	}
	if len(f.ops) >= maxEvidence {
		f.dropped = true
		return
	}
	f.seenOp[id] = struct{}{}
	f.ops = append(f.ops, id)
}

func (f *finding) ledgerIDs(ids ...string) {
	if f.seenLedg == nil {
		f.seenLedg = make(map[string]struct{})
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, ok := f.seenLedg[id]; ok {
			continue
		}
		if len(f.ledger) >= maxEvidence {
			f.dropped = true
			return
		}
		f.seenLedg[id] = struct{}{}
		f.ledger = append(f.ledger, id)
	}
}

// verdict is Fail with the details when any violation was recorded,
// otherwise Pass with passMsg.
func (f *finding) verdict(summary, passMsg string) Verdict {
	if f.n == 0 {
		return Verdict{Invariant: f.name, Result: Pass, Message: passMsg}
	}
	var b strings.Builder
	b.WriteString(summary)
	b.WriteString(": ")
	b.WriteString(strings.Join(f.details, "; "))
	if more := f.n - len(f.details); more > 0 {
		fmt.Fprintf(&b, "; and %d more", more)
	}
	if f.dropped {
		fmt.Fprintf(&b, " (evidence lists cut at %d entries)", maxEvidence)
	}
	return Verdict{
		Invariant: f.name, Result: Fail, Message: b.String(),
		Orders: f.orders, Ops: f.ops, Ledger: f.ledger, MoneyAtRisk: f.money,
	}
}

func skip(name, why string) Verdict {
	return Verdict{Invariant: name, Result: Skip, Message: why}
}

// plural is "1 order" or "3 orders".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// orderName quotes an order id for a message; payments naming no order
// are gathered under the empty id.
func orderName(id string) string {
	if id == "" {
		return "(no order id)"
	}
	return id
}

// AddMoney is a+b for sums of money at risk, held at the int64 bounds
// instead of wrapping: an attack with an overflowing amount must not turn
// the money it put at risk negative.
func AddMoney(a, b int64) int64 {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}

package check

import (
	"fmt"

	"github.com/paychaos/paychaos/harness/history"
)

// eventualResolution: once faults heal, every order reaches a final state
// within the settle window.
//
// Rule (needs Window.SettleEnd): no order the SUT reports after settling
// is pending, and no answer sent after SettleEnd (a get, pay, refund or
// cancel op with outcome ok) said pending; an order the SUT acknowledged
// (a pay op answered ok, or with any 2xx such as "pending") or for which
// money was captured, but which the SUT no longer reports, is unresolved
// too. An order whose payment the
// provider itself has not decided (processing, or awaiting the customer's
// 3DS step) and that captured nothing is excused: pending is the truth.
// An order whose creation had an unknown outcome, that the SUT does not
// know and that moved no money never came to be, and is not unresolved.
// An order that resolved only because the harness asked the SUT to
// reconcile (Input.Reconciled) is unresolved too when the SUT declares a
// background reconciler (Input.BackgroundReconciler): its own mechanisms
// had their share of the window and did nothing; otherwise the pass says
// how many needed asking.
type eventualResolution struct{}

func (eventualResolution) Name() string              { return "eventual-resolution" }
func (c eventualResolution) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c eventualResolution) checkIndex(ix *index) Verdict {
	settle := ix.in.Window.SettleEnd
	if settle <= 0 {
		return skip(c.Name(), "no settle window: Window.SettleEnd is not set")
	}
	if !ix.ordersRead {
		if len(ix.payOps) > 0 {
			return skip(c.Name(), "the SUT's final orders were not read")
		}
		return skip(c.Name(), "no order was placed")
	}
	f := finding{name: c.Name()}
	excused, checked := 0, 0
	flagged := make([]bool, len(ix.orders))
	excuse := func(v *orderView) bool { return v.undecided && v.captured == 0 }

	for o := range ix.orders {
		v := &ix.orders[o]
		if v.id == "" {
			continue // payments naming no order: no-lost-money's business
		}
		st := v.status()
		switch {
		case st == history.StatusPending:
			checked++
			if excuse(v) {
				excused++
				continue
			}
			f.violation(v.amount, "%s is still pending after settling", v.id)
		case st == history.StatusNone && (v.acked || v.captured > 0):
			checked++
			what := "acknowledged to a client"
			if !v.acked {
				what = fmt.Sprintf("charged %d", v.captured)
			}
			f.violation(v.amount, "%s was %s but the SUT no longer reports it", v.id, what)
		default:
			if v.order != nil {
				checked++
			}
			continue
		}
		flagged[o] = true
		f.order(v.id)
		for _, i := range ix.opsOfOrder(int32(o)) {
			if op := ix.op(i); op.Kind == history.Pay || op.Status == history.StatusPending {
				f.op(op.ID)
			}
		}
	}
	// Answers after the deadline that still said pending, even if the
	// order was resolved later.
	for _, i := range ix.readOps[ix.from(ix.readOps, settle):] {
		op := ix.op(i)
		if op.Call < settle || op.Outcome != history.OK || op.Status != history.StatusPending || op.Order == "" {
			continue
		}
		o := ix.byID[op.Order]
		v := &ix.orders[o]
		if flagged[o] || excuse(v) {
			continue
		}
		flagged[o] = true
		f.violation(v.amount, "%s was still pending at %v, after the settle deadline %v (op %d)", v.id, op.Call, settle, op.ID)
		f.order(v.id)
		f.op(op.ID)
	}
	asked := 0
	for _, id := range ix.in.Reconciled {
		o, ok := ix.byID[id]
		if !ok || id == "" {
			continue
		}
		asked++
		if !ix.in.BackgroundReconciler || flagged[o] {
			continue
		}
		flagged[o] = true
		v := &ix.orders[o]
		f.violation(v.amount, "%s resolved only when the harness called reconcile, although the SUT declares a background reconciler", v.id)
		f.order(v.id)
	}
	pass := fmt.Sprintf("%s resolved by %v", plural(checked-excused, "order"), settle)
	if asked > 0 {
		pass += fmt.Sprintf("; %s only once the harness asked the SUT to reconcile (it declares no background reconciler)", plural(asked, "order"))
	}
	if excused > 0 {
		pass += fmt.Sprintf("; %d pending while the provider has not decided their payment", excused)
	}
	return f.verdict(fmt.Sprintf("%s unresolved after the settle window", plural(f.n, "order")), pass)
}

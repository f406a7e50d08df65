package check

import (
	"fmt"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// failFast: while the provider is out, checkout answers quickly and
// clearly; it never leaves a customer hanging.
//
// Rule (needs a fault window and Input.FailFastBudget): every pay op sent
// during [FaultStart, FaultEnd) returns within the budget, with an answer:
// an HTTP status (a transport error or client timeout is no answer), and,
// for a 4xx or 5xx, the SUT's error code. A quick "pending" (2xx) is a
// clear answer; an error without a code is not, since the customer cannot
// tell a decline from an outage. Timing is by call time, so a request sent
// just before the fault and answered during it is not judged, nor one sent
// within Input.FailFastGrace of the fault's start, while the SUT learns
// that the provider is out.
type failFast struct{}

func (failFast) Name() string              { return "fail-fast" }
func (c failFast) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c failFast) checkIndex(ix *index) Verdict {
	w, budget := ix.in.Window, ix.in.FailFastBudget
	if w.FaultEnd <= w.FaultStart {
		return skip(c.Name(), "no fault window")
	}
	if budget <= 0 {
		return skip(c.Name(), "no fail-fast budget set")
	}
	f := finding{name: c.Name()}
	judged := 0
	var slowest time.Duration
	for _, i := range ix.payOps[ix.from(ix.payOps, w.FaultStart):] {
		op := ix.op(i)
		if ix.sorted && op.Call >= w.FaultEnd {
			break
		}
		if op.Call < w.FaultStart || op.Call >= w.FaultEnd {
			continue
		}
		judged++
		lat := op.Latency()
		slowest = max(slowest, lat)
		switch {
		case lat > budget:
			f.violation(op.Amount, "op %d (%s) took %v, over the %v budget%s", op.ID, orderName(op.Order), lat, budget, errSuffix(ix, op))
		case op.HTTPStatus == 0 && op.Outcome != history.OK:
			f.violation(op.Amount, "op %d (%s) got no answer after %v%s", op.ID, orderName(op.Order), lat, errSuffix(ix, op))
		case op.HTTPStatus >= 400 && op.Code == "":
			f.violation(op.Amount, "op %d (%s) got HTTP %d without an error code", op.ID, orderName(op.Order), op.HTTPStatus)
		default:
			continue
		}
		f.op(op.ID)
		f.order(op.Order)
	}
	if judged == 0 {
		return skip(c.Name(), fmt.Sprintf("no pay op was sent during the fault window %v–%v after a grace of %v", w.FaultStart, w.FaultEnd, ix.in.FailFastGrace))
	}
	return f.verdict(
		fmt.Sprintf("%s of %d during the fault were not answered clearly within %v", plural(f.n, "checkout"), judged, budget),
		fmt.Sprintf("%s during the fault answered clearly within %v (slowest %v)", plural(judged, "checkout"), budget, slowest))
}

// errSuffix quotes the op's error for a message, cut short and with any
// secret or card number masked: a verdict ends up in reports.
func errSuffix(ix *index, op *history.Op) string {
	if op.Error == "" {
		return ""
	}
	e := redact(op.Error, ix.in.Secrets)
	if r := []rune(e); len(r) > 80 {
		e = string(r[:80]) + "…"
	}
	return fmt.Sprintf(" (%s)", e)
}

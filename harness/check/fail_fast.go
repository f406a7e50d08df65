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
// during [FaultStart+FailFastGrace, FaultEnd) returns within the budget,
// with an answer: an HTTP status (a transport error or client timeout is
// no answer), and, for a 4xx or 5xx, the SUT's error code. A quick
// "pending" (2xx) is a clear answer; an error without a code is not, since
// the customer cannot tell a decline from an outage. Timing is by call
// time, so a request sent just before the fault and answered during it is
// not judged, nor one sent within Input.FailFastGrace of the fault's
// start, while the SUT learns that the provider is out — save that it
// never hangs: one still unanswered when the grace and then the budget
// have passed has left its customer hanging.
//
// The budget is wall-clock time measured by a harness that a busy machine
// starves too: each op's budget is widened by the time the harness itself
// lost while the op ran (Input.Lag), and an op over its budget by no more
// than that is not held against the SUT. When the harness lost half the
// budget or more during an op, the machine was too busy to tell a slow
// answer from a hang: only an op that took more than twice the budget
// beyond the time lost is then a violation, and with none the verdict is a
// skip that says the run was inconclusive for timing. A hang of seconds
// fails however busy the machine was.
type failFast struct{}

// timing is how an op's wait compares with its budget.
type timing int

const (
	inTime   timing = iota
	excused         // over the budget by no more than the harness lost itself
	tooBusy         // the machine was too busy to judge it
	overTime        // a violation
)

// judgeTime judges a wait against budget, given the time the harness lost
// meanwhile.
func judgeTime(wait, budget, lost time.Duration) timing {
	switch {
	case wait <= budget:
		return inTime
	case wait-lost <= budget:
		return excused
	case 2*lost >= budget && wait-lost <= 2*budget:
		return tooBusy
	}
	return overTime
}

func (failFast) Name() string              { return "fail-fast" }
func (c failFast) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c failFast) checkIndex(ix *index) Verdict {
	w, budget, grace := ix.in.Window, ix.in.FailFastBudget, max(ix.in.FailFastGrace, 0)
	if w.FaultEnd <= w.FaultStart {
		return skip(c.Name(), "no fault window")
	}
	if budget <= 0 {
		return skip(c.Name(), "no fail-fast budget set")
	}
	from := w.FaultStart + grace
	f := finding{name: c.Name()}
	var (
		judged, inGrace   int
		lagged            [overTime]int // ops by timing: over the budget, not judged so
		slowest, lostMost time.Duration
	)
	note := func(t timing, lost time.Duration) {
		if t == excused || t == tooBusy {
			lagged[t]++
			lostMost = max(lostMost, lost)
		}
	}
	for _, i := range ix.payOps[ix.from(ix.payOps, w.FaultStart):] {
		op := ix.op(i)
		if ix.sorted && op.Call >= w.FaultEnd {
			break
		}
		if op.Call < w.FaultStart || op.Call >= w.FaultEnd {
			continue
		}
		if op.Call < from {
			inGrace++
			// Not judged on its budget, but it must not hang.
			lost := ix.in.Lag.LostDuring(op.Call, op.Return)
			t := judgeTime(op.Return-from, budget, lost)
			note(t, lost)
			if t == overTime {
				f.violation(op.Amount, "op %d (%s), sent %v into the fault's grace, was still unanswered %v after the grace ended%s (took %v)%s",
					op.ID, orderName(op.Order), op.Call-w.FaultStart, budget, lostSuffix(lost), op.Latency(), errSuffix(ix, op))
				f.op(op.ID)
				f.order(op.Order)
			}
			continue
		}
		judged++
		lat := op.Latency()
		lost := ix.in.Lag.LostDuring(op.Call, op.Return)
		slowest = max(slowest, lat)
		t := judgeTime(lat, budget, lost)
		switch {
		case t == overTime:
			f.violation(op.Amount, "op %d (%s) took %v, over the %v budget%s%s", op.ID, orderName(op.Order), lat, budget, lostSuffix(lost), errSuffix(ix, op))
		case op.HTTPStatus == 0 && op.Outcome != history.OK:
			f.violation(op.Amount, "op %d (%s) got no answer after %v%s", op.ID, orderName(op.Order), lat, errSuffix(ix, op))
		case op.HTTPStatus >= 400 && op.Code == "":
			f.violation(op.Amount, "op %d (%s) got HTTP %d without an error code", op.ID, orderName(op.Order), op.HTTPStatus)
		default:
			note(t, lost)
			continue
		}
		f.op(op.ID)
		f.order(op.Order)
	}
	if judged == 0 && f.n == 0 && lagged[tooBusy] == 0 {
		return skip(c.Name(), fmt.Sprintf("no pay op was sent during the fault window %v–%v after a grace of %v (%d within it)", w.FaultStart, w.FaultEnd, grace, inGrace))
	}
	notes := ""
	if inGrace > 0 {
		notes += fmt.Sprintf("; %s sent within the %v grace not judged", plural(inGrace, "checkout"), grace)
	}
	if n := lagged[excused]; n > 0 {
		notes += fmt.Sprintf("; %s over the budget by no more than the time the harness lost itself meanwhile (up to %v), not held against the SUT", plural(n, "checkout"), lostMost)
	}
	if n := lagged[tooBusy]; n > 0 {
		notes += fmt.Sprintf("; %s over the budget while the harness lost half the budget or more (up to %v), too busy to judge", plural(n, "checkout"), lostMost)
		if f.n == 0 {
			v := skip(c.Name(), fmt.Sprintf("inconclusive for timing: the machine was too busy to judge %s against the %v budget%s", plural(n, "checkout"), budget, notes))
			v.Inconclusive = true
			return v
		}
	}
	return f.verdict(
		fmt.Sprintf("%s of %d during the fault were not answered clearly within %v%s", plural(f.n, "checkout"), judged+inGrace, budget, notes),
		fmt.Sprintf("%s during the fault answered clearly within %v (slowest %v)%s", plural(judged, "checkout"), budget, slowest, notes))
}

// lostSuffix says how much the budget was widened for the harness's own
// lag, if at all.
func lostSuffix(lost time.Duration) string {
	if lost <= 0 {
		return ""
	}
	return fmt.Sprintf(" and the %v the harness lost itself meanwhile", lost)
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

package check

import (
	"fmt"
	"strconv"

	"github.com/paychaos/paychaos/harness/history"
)

// inputSafety: malformed and malicious requests are refused cleanly.
//
// Rule: every Attack op gets an HTTP answer (a transport error means a
// crash or hang) below 500, of a status its Expect allows (history.Expect:
// classes such as 4xx or codes such as 404; any, when it names none), and
// leaves its target order's status as it was (Before == After), which
// every history.Effect requires; and every Health op
// sent after the first attack, outside the fault window, answers with
// outcome ok and a status below 400: the SUT is still standing.
type inputSafety struct{}

func (inputSafety) Name() string              { return "input-safety" }
func (c inputSafety) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c inputSafety) checkIndex(ix *index) Verdict {
	if len(ix.attackOps) == 0 {
		return skip(c.Name(), "no malicious request was sent")
	}
	f := finding{name: c.Name()}
	firstAttack, lastAttack := ix.op(ix.attackOps[0]).Call, ix.op(ix.attackOps[0]).Call
	for _, i := range ix.attackOps {
		op := ix.op(i)
		firstAttack, lastAttack = min(firstAttack, op.Call), max(lastAttack, op.Call)
		var money int64
		if op.Order != "" {
			money = ix.orders[ix.byID[op.Order]].amount
		}
		name := nameOr(op.Name, "(unnamed)")
		bad := true
		switch {
		case op.HTTPStatus == 0 && op.Outcome != history.OK:
			f.violation(0, "attack op %d %s got no answer%s", op.ID, name, errSuffix(ix, op))
		case op.HTTPStatus >= 500:
			f.violation(0, "attack op %d %s got HTTP %d", op.ID, name, op.HTTPStatus)
		case op.HTTPStatus != 0 && !op.Expect.Allows(op.HTTPStatus):
			f.violation(0, "attack op %d %s got HTTP %d, expected %q", op.ID, name, op.HTTPStatus, op.Expect.String())
		default:
			bad = false
		}
		if op.Before != op.After {
			bad = true
			f.violation(money, "attack op %d %s moved %s from %s to %s",
				op.ID, name, orderName(op.Order), statusWord(op.Before), statusWord(op.After))
		}
		if bad {
			f.op(op.ID)
			f.order(op.Order)
		}
	}
	w := ix.in.Window
	probes := 0
	probedAfterLast := false
	for _, i := range ix.healthOps {
		op := ix.op(i)
		if op.Call < firstAttack || (w.FaultEnd > w.FaultStart && op.Call >= w.FaultStart && op.Call < w.FaultEnd) {
			continue
		}
		probes++
		if op.Call > lastAttack {
			probedAfterLast = true
		}
		if op.Outcome == history.OK && op.HTTPStatus < 400 {
			continue
		}
		status := "no answer"
		if op.HTTPStatus != 0 {
			status = "HTTP " + strconv.Itoa(op.HTTPStatus)
		}
		f.violation(0, "health op %d at %v, after attacks began, got %s%s", op.ID, op.Call, status, errSuffix(ix, op))
		f.op(op.ID)
	}
	pass := fmt.Sprintf("%s refused cleanly with no state change; %s after them healthy",
		plural(len(ix.attackOps), "malicious request"), plural(probes, "health probe"))
	if !probedAfterLast {
		pass += "; the SUT's health was not probed after the last attack"
	}
	return f.verdict(fmt.Sprintf("%s of input safety", plural(f.n, "violation")), pass)
}

package check

import (
	"fmt"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// DefaultRecoveryBudget is how long after a fault heals the SUT may take
// to take payments again (a circuit breaker closing, a restart) when
// Input.RecoveryBudget is not set.
const DefaultRecoveryBudget = 2 * time.Second

// goodCards are the provider's test payment methods that succeed at once:
// with a healthy provider, a checkout paid with one must end paid.
var goodCards = map[string]bool{
	"pm_card_visa": true, "pm_card_visa_debit": true, "pm_card_mastercard": true,
	"pm_card_amex": true, "pm_card_bypassPending": true, "pm_card_refundFail": true,
}

// paymentsComplete: the SUT takes payments when nothing is wrong. A
// service that fails safely by never paying at all proves nothing, and one
// whose circuit breaker never closes again loses every sale after an
// outage.
//
// Rule (needs the SUT's final orders): every checkout with a good test
// card that ran while the provider was healthy (it returned before the
// fault started, or was sent once the recovery budget after the fault's
// end had passed; every checkout when there was no fault) ends paid: some
// checkout with the same customer and idempotency key names an order the
// SUT reports paid, or refunded or canceled by its customer. So a service
// that never takes payments, or whose circuit breaker never closes again
// after an outage, fails; a scenario must keep its traffic going past the
// recovery budget for the second to be judged. A checkout with no answer at all (a transport error) and no order is
// not judged: the harness cannot tell what the customer saw.
type paymentsComplete struct{}

func (paymentsComplete) Name() string              { return "payments-complete" }
func (c paymentsComplete) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c paymentsComplete) checkIndex(ix *index) Verdict {
	if len(ix.payOps) == 0 {
		return skip(c.Name(), "no checkout was sent")
	}
	if !ix.ordersRead {
		return skip(c.Name(), "the SUT's final orders were not read")
	}
	w := ix.in.Window
	budget := ix.in.RecoveryBudget
	if budget <= 0 {
		budget = DefaultRecoveryBudget
	}
	fault := w.FaultEnd > w.FaultStart
	healed := w.FaultEnd + budget

	// A checkout's customer may have sent it several times with one key:
	// the key ended paid if any of its sends did.
	type key struct{ customer, key string }
	paid := map[key]bool{}
	followed := ix.followedUp()
	completed := func(op *history.Op) bool {
		o, ok := ix.byID[op.Order]
		if op.Order == "" || !ok {
			return false
		}
		switch ix.orders[o].status() {
		case history.StatusPaid:
			return true
		case history.StatusRefunded, history.StatusCanceled:
			return followed[o]
		}
		return false
	}
	for _, i := range ix.payOps {
		op := ix.op(i)
		if completed(op) {
			paid[key{op.Customer, op.Key}] = true
		}
	}
	ended := func(op *history.Op) bool {
		if op.Key == "" {
			return completed(op)
		}
		return paid[key{op.Customer, op.Key}]
	}

	f := finding{name: c.Name()}
	judged, unanswered, afterFault, afterPaid := 0, 0, 0, 0
	for _, i := range ix.payOps {
		op := ix.op(i)
		if !goodCards[op.PaymentMethod] {
			continue
		}
		if fault && op.Call >= healed {
			afterFault++
			if ended(op) {
				afterPaid++
			}
		}
		healthy := !fault || op.Return <= w.FaultStart || op.Call >= healed
		if !healthy {
			continue
		}
		if ended(op) {
			judged++
			continue
		}
		if op.HTTPStatus == 0 && op.Order == "" {
			unanswered++
			continue
		}
		judged++
		when := "before the fault"
		switch {
		case !fault:
			when = "with no fault"
		case op.Call >= healed:
			when = fmt.Sprintf("%v after the fault healed", (op.Call - w.FaultEnd).Round(time.Millisecond))
		}
		f.violation(0, "op %d (%s, %d %s, %s, %s) ended %s: %s", op.ID, orderName(op.Order), op.Amount, op.Currency, op.PaymentMethod, when,
			c.endedAs(ix, op), answer(op))
		f.op(op.ID)
		f.order(op.Order)
	}
	if judged == 0 && f.n == 0 {
		return skip(c.Name(), "no checkout with a good card ran while the provider was healthy")
	}
	pass := fmt.Sprintf("%s with a good card while the provider was healthy ended paid", plural(judged, "checkout"))
	switch {
	case fault && afterFault == 0:
		pass += fmt.Sprintf("; recovery not judged: no checkout with a good card was sent %v or more after the fault healed", budget)
	case fault:
		pass += fmt.Sprintf("; %d of %d sent %v or more after the fault healed", afterPaid, afterFault, budget)
	}
	if unanswered > 0 {
		pass += fmt.Sprintf("; %d got no answer and are not judged", unanswered)
	}
	return f.verdict(fmt.Sprintf("%s did not complete with a healthy provider", plural(f.n, "checkout")), pass)
}

// endedAs is how a checkout that did not complete ended, for a message.
func (paymentsComplete) endedAs(ix *index, op *history.Op) string {
	if o, ok := ix.byID[op.Order]; ok && op.Order != "" {
		return statusWord(ix.orders[o].status())
	}
	return "with no order"
}

// answer describes what an op was answered.
func answer(op *history.Op) string {
	switch {
	case op.HTTPStatus != 0 && op.Code != "":
		return fmt.Sprintf("HTTP %d %s", op.HTTPStatus, op.Code)
	case op.HTTPStatus != 0:
		return fmt.Sprintf("HTTP %d", op.HTTPStatus)
	case op.Error != "":
		return "no answer: " + op.Error
	}
	return "no answer"
}

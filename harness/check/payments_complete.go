package check

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// DefaultRecoveryBudget is how long after a fault heals the SUT may take
// to take payments again (a circuit breaker closing, a restart) when
// Input.RecoveryBudget is not set.
const DefaultRecoveryBudget = 2 * time.Second

// goodCard reports whether pm is one of the provider's test payment
// methods that succeed at once: with a healthy provider, a checkout paid
// with one must end paid. (A switch: it runs once per checkout.)
func goodCard(pm string) bool {
	switch pm {
	case "pm_card_visa", "pm_card_visa_debit", "pm_card_mastercard", "pm_card_amex", "pm_card_bypassPending", "pm_card_refundFail":
		return true
	}
	return false
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
// recovery budget for the second to be judged. And, fault or not, a
// checkout the SUT answered with no order state (a 5xx, a 429, no answer:
// try again) that the customer sent again with the same key must not end
// failed unless the provider saw a payment for its order: a SUT that
// turns "never reached the provider" into a permanent failure of the key
// loses the sale for good. A checkout with no answer at all (a transport
// error) and no order is not judged: the harness cannot tell what the
// customer saw.
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
	// the key ended paid if any of its sends did. Most sends end paid
	// themselves; only the keys of those that did not are looked up.
	type key struct{ customer, key string }
	followed := ix.followedUp()
	completed := func(i int32) bool {
		o := ix.opOrder[i]
		if o < 0 {
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
	done := make([]bool, len(ix.payOps))
	paid := map[key]bool{}
	for k, i := range ix.payOps {
		op := ix.op(i)
		if done[k] = completed(i); !done[k] && op.Key != "" && goodCard(op.PaymentMethod) {
			paid[key{op.Customer, op.Key}] = false
		}
	}
	if len(paid) > 0 {
		for k, i := range ix.payOps {
			op := ix.op(i)
			if _, asked := paid[key{op.Customer, op.Key}]; asked && done[k] {
				paid[key{op.Customer, op.Key}] = true
			}
		}
	}
	ended := func(k int) bool {
		op := ix.op(ix.payOps[k])
		return done[k] || (op.Key != "" && paid[key{op.Customer, op.Key}])
	}

	// A customer who left the hosted Checkout page chose not to pay: the
	// SUT failing that order is no lost sale of its own making.
	abandoned := map[key]bool{}
	for i := range ix.in.History {
		if op := &ix.in.History[i]; op.Kind == history.CheckoutPage && op.Name == "abandon" {
			abandoned[key{op.Customer, op.Key}] = true
		}
	}

	f := finding{name: c.Name()}
	judged, unanswered, afterFault, afterPaid := 0, 0, 0, 0
	for k, i := range ix.payOps {
		op := ix.op(i)
		if !goodCard(op.PaymentMethod) || abandoned[key{op.Customer, op.Key}] {
			continue
		}
		if fault && op.Call >= healed {
			afterFault++
			if ended(k) {
				afterPaid++
			}
		}
		healthy := !fault || op.Return <= w.FaultStart || op.Call >= healed
		if !healthy {
			continue
		}
		if ended(k) {
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
	// Keys the SUT failed by itself after inviting a retry, each key's
	// sends in the order they were made.
	groups := map[key][]int32{}
	var keys []key
	for _, i := range ix.payOps {
		if op := ix.op(i); goodCard(op.PaymentMethod) && op.Key != "" && op.Outcome == history.Unknown && op.Status == history.StatusNone {
			if k := (key{op.Customer, op.Key}); groups[k] == nil {
				keys = append(keys, k)
				groups[k] = []int32{}
			}
		}
	}
	for _, i := range ix.payOps {
		op := ix.op(i)
		if g, ok := groups[key{op.Customer, op.Key}]; ok && goodCard(op.PaymentMethod) {
			groups[key{op.Customer, op.Key}] = append(g, i)
		}
	}
	for _, k := range keys {
		g := groups[k]
		if len(g) < 2 {
			continue
		}
		slices.SortFunc(g, func(a, b int32) int { return cmp.Or(cmp.Compare(ix.op(a).Call, ix.op(b).Call), cmp.Compare(a, b)) })
		var first *history.Op
		for _, i := range g {
			op := ix.op(i)
			if first != nil && op.Call >= first.Return && ix.failedAlone(op) {
				f.violation(0, "op %d (%s, %d %s) retried key %q after op %d was answered %s, and the SUT failed it though the provider never saw a payment for it",
					op.ID, op.Order, op.Amount, op.Currency, op.Key, first.ID, answer(first))
				f.op(first.ID)
				f.op(op.ID)
				f.order(op.Order)
				break
			}
			if first == nil && op.Outcome == history.Unknown && op.Status == history.StatusNone {
				first = op
			}
		}
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
	return f.verdict(fmt.Sprintf("%s did not complete with a healthy provider or after a retry", plural(f.n, "checkout")), pass)
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

// failedAlone reports whether op names an order the SUT ends failed while
// no payment at the provider names it: the SUT failed it by itself.
func (ix *index) failedAlone(op *history.Op) bool {
	o, ok := ix.byID[op.Order]
	return op.Order != "" && ok && ix.orders[o].status() == history.StatusFailed && len(ix.paysOfOrder(o)) == 0
}

package fakeprovider

import (
	"fmt"
	"net/http"
)

// refundedByRefunds is the captured money already returned by refunds that
// did not fail or get canceled.
func (ch *charge) refundedByRefunds() int64 {
	var n int64
	for _, r := range ch.refunds {
		if r.status == "succeeded" || r.status == "pending" {
			n += r.amount
		}
	}
	return n
}

func (p *Provider) refundCreate(c *call) *result {
	in := c.in()
	piID, _ := in.str("payment_intent")
	chID, _ := in.str("charge")
	if in.ok() && piID == "" && chID == "" {
		in.fail(&apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_missing", param: "payment_intent",
			message: "One of the following params should be provided for this request: payment_intent or charge."})
	}
	amt, hasAmt := in.num("amount")
	if hasAmt && amt < 1 {
		in.fail(&apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_invalid_integer", param: "amount",
			message: "This value must be greater than or equal to 1."})
	}
	// currency, when sent, must be a currency; whether it is the charge's
	// is checked once the charge is found.
	var cur string
	if s, ok := in.str("currency"); ok && in.ok() {
		cur, in.err = checkCurrency("currency", s)
	}
	reason := in.enum("reason", "duplicate", "fraudulent", "requested_by_customer")
	in.enum("origin", "customer_balance")
	md, _, _ := in.metadata()
	in.flag("refund_application_fee")
	in.flag("reverse_transfer")
	exp := in.expand(refundExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	var ch *charge
	if chID != "" {
		if ch = p.chargeLocked(chID); ch == nil {
			return p.errResult(c, resourceMissing("charge", "charge", chID))
		}
		if piID != "" && ch.pi.id != piID {
			return p.errResult(c, invalidParam("charge", fmt.Sprintf("Charge %s does not belong to PaymentIntent %s.", chID, truncateForMsg(piID))))
		}
	} else {
		pi := p.piLocked(piID)
		if pi == nil {
			return p.errResult(c, resourceMissing("payment_intent", "payment_intent", piID))
		}
		if pi.status != statusSucceeded || pi.latestCharge == nil {
			msg := fmt.Sprintf("This PaymentIntent (%s) does not have a successful charge to refund.", pi.id)
			if pi.status == statusRequiresCapture {
				msg = fmt.Sprintf("This PaymentIntent (%s) has not been captured; cancel it instead to release the authorization.", pi.id)
			}
			return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "charge_not_refundable", param: "payment_intent", message: msg, save: true})
		}
		ch = pi.latestCharge
	}
	if cur != "" && cur != ch.currency {
		return p.errResult(c, invalidParam("currency", fmt.Sprintf("The currency %s does not match the charge's currency %s.", cur, ch.currency)))
	}
	if !ch.captured || ch.status != "succeeded" {
		return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "charge_not_refundable", param: "charge",
			message: fmt.Sprintf("Charge %s has not been captured and cannot be refunded; cancel its PaymentIntent instead.", ch.id), save: true})
	}
	left := ch.amountCaptured - ch.refundedByRefunds()
	if left <= 0 {
		return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "charge_already_refunded",
			message: fmt.Sprintf("Charge %s has already been refunded.", ch.id), chargeID: ch.id, save: true})
	}
	if !hasAmt {
		amt = left
	}
	if amt > left {
		return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "amount_too_large", param: "amount",
			message: fmt.Sprintf("Refund amount (%s) is greater than unrefunded amount on charge (%s)", formatAmount(amt, ch.currency), formatAmount(left, ch.currency)), save: true})
	}
	now := p.nowFor(c)
	seq := len(p.st.refundOrder)
	re := p.st.refunds.new()
	*re = refund{seq: seq, id: p.ids.object(prefixRefund, p.st.gen, seq), charge: ch, amount: amt, currency: ch.currency,
		status: "succeeded", reason: reason, metadata: setMetadata(nil, md, false), created: now.Unix(), createdAt: now}
	if ch.card.refundFails {
		re.status = "pending"
		st, id := p.st, re.id
		p.sched.after(p.cfg.processingDelay, func() { p.failRefund(st, id) })
	} else {
		re.hasTxn = true
	}
	p.st.refundOrder = append(p.st.refundOrder, re)
	ch.refunds = append(ch.refunds, re)
	ch.amountRefunded += amt
	ch.refunded = ch.refundedByRefunds() >= ch.amountCaptured
	p.emitRefundLocked(c, "refund.created", re)
	p.emitChargeLocked(c, "charge.refunded", ch)
	return okResult(p.appendRefund(make([]byte, 0, 1024), re, exp))
}

// failRefund ends a pending refund (pm_card_refundFail) in failed: the
// money is back on the charge.
func (p *Provider) failRefund(st *state, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st != st {
		return
	}
	re := p.refundLocked(id)
	if re == nil || re.status != "pending" {
		return
	}
	re.status, re.failureReason = "failed", "declined"
	ch := re.charge
	ch.amountRefunded -= re.amount
	ch.refunded = ch.refundedByRefunds() >= ch.amountCaptured
	p.emitRefundLocked(nil, "refund.failed", re)
	p.emitChargeLocked(nil, "charge.refund.updated", ch)
}

func (p *Provider) refundRetrieve(c *call) *result {
	in := c.in()
	exp := in.expand(refundExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	re := p.refundLocked(c.id)
	if re == nil {
		return p.errResult(c, resourceMissing("refund", "id", c.id))
	}
	return okResult(p.appendRefund(make([]byte, 0, 1024), re, exp))
}

func (p *Provider) refundUpdate(c *call) *result {
	in := c.in()
	md, sent, cleared := in.metadata()
	exp := in.expand(refundExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	re := p.refundLocked(c.id)
	if re == nil {
		return p.errResult(c, resourceMissing("refund", "id", c.id))
	}
	if sent {
		re.metadata = setMetadata(re.metadata, md, cleared)
	}
	return okResult(p.appendRefund(make([]byte, 0, 1024), re, exp))
}

func (p *Provider) refundCancel(c *call) *result {
	in := c.in()
	exp := in.expand(refundExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	re := p.refundLocked(c.id)
	if re == nil {
		return p.errResult(c, resourceMissing("refund", "id", c.id))
	}
	if re.status != "pending" && re.status != "requires_action" {
		return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest,
			message: fmt.Sprintf("Refund %s has a status of %s and can no longer be canceled.", re.id, re.status), save: true})
	}
	re.status = "canceled"
	ch := re.charge
	ch.amountRefunded -= re.amount
	ch.refunded = ch.refundedByRefunds() >= ch.amountCaptured
	p.emitRefundLocked(c, "refund.updated", re)
	return okResult(p.appendRefund(make([]byte, 0, 1024), re, exp))
}

func (p *Provider) refundList(c *call) *result {
	in := c.in()
	lp := in.listParams()
	chID, _ := in.str("charge")
	piID, _ := in.str("payment_intent")
	exp := in.expandList(refundExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	page, hasMore, e := listPage(p, p.st.refundOrder, prefixRefund, lp, func(re *refund) bool {
		return lp.createdOK(re.created) && (chID == "" || re.charge.id == chID) && (piID == "" || re.charge.pi.id == piID)
	}, "refund")
	if e != nil {
		return p.errResult(c, e)
	}
	return listResult(page, 1024, hasMore, "/v1/refunds", func(b []byte, re *refund) []byte { return p.appendRefund(b, re, exp) })
}

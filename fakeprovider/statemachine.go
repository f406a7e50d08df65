package fakeprovider

import (
	"fmt"
	"net/http"
	"time"
)

// The PaymentIntent state machine. Every function here runs with
// Provider.mu held (the …Locked suffix) and emits the events Stripe
// would, the PaymentIntent's own event last.

// confirmOpts are the confirmation parameters that change its outcome.
type confirmOpts struct {
	returnURL             string
	offSession            bool
	errorOnRequiresAction bool
}

// confirmableStatus reports whether a PaymentIntent may be confirmed.
func confirmableStatus(s string) bool {
	return s == statusRequiresPaymentMethod || s == statusRequiresConfirmation || s == statusRequiresAction
}

// confirmLocked confirms pi with its payment method. A decline returns the
// 402 card error (already applied to pi); other errors change nothing.
func (p *Provider) confirmLocked(c *call, pi *paymentIntent, o confirmOpts) *apiError {
	if pi.paymentMethod == "" {
		return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "payment_intent_unexpected_state", pi: pi,
			message: "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method."}
	}
	if o.returnURL != "" && o.returnURL != pi.x.returnURL {
		pi.edit().returnURL = o.returnURL
	}
	if pi.apm && !pi.redirectsNever && pi.x.returnURL == "" {
		return missingReturnURL()
	}
	card := pi.pmCard
	out, declineCode := card.outcome, card.declineCode
	var settleDelay time.Duration
	if a := p.confirmFaultLocked(c.route); a != nil {
		switch a.f.Kind {
		case FaultDecline:
			out, declineCode = outcomeDecline, a.f.DeclineCode
			if declineCode == "" {
				declineCode = "generic_decline"
			}
		case FaultProcessing:
			settleDelay = a.f.Delay
			if out == outcomeDecline {
				out = outcomeProcessingFail
			} else {
				out = outcomeProcessing
			}
		case FaultRequiresAction:
			if out != outcomeAction {
				pi.pendingDecline = ""
				if out == outcomeDecline {
					pi.pendingDecline = declineCode
				}
				out = outcomeAction
			}
		}
	}
	pi.lastError = nil
	switch out {
	case outcomeAction:
		if pi.status == statusRequiresAction {
			return nil // still waiting for the customer
		}
		if o.offSession || o.errorOnRequiresAction {
			return p.declineLocked(c, pi, card, nil, "authentication_required")
		}
		pi.status = statusRequiresAction
		pi.pending = card
		pi.nextAction = actionUseStripeSDK
		if pi.x.returnURL != "" {
			pi.nextAction = actionRedirect
		}
		p.emitPILocked(c, "payment_intent.requires_action", pi)
		return nil
	case outcomeDecline:
		return p.declineLocked(c, pi, card, nil, declineCode)
	case outcomeProcessing, outcomeProcessingFail:
		p.startProcessingLocked(c, pi, card, out, declineCode, settleDelay)
		return nil
	default:
		p.succeedLocked(c, pi, card, nil)
		return nil
	}
}

// newChargeLocked creates pi's charge for card.
func (p *Provider) newChargeLocked(c *call, pi *paymentIntent, card *testCard) *charge {
	now := p.nowFor(c)
	seq := len(p.st.chargeOrder)
	ch := p.st.charges.new()
	*ch = charge{seq: seq, id: p.ids.object(prefixCharge, p.st.gen, seq), pi: pi, amount: pi.amount, currency: pi.currency,
		card: card, pmID: pi.paymentMethod, created: now.Unix(), createdAt: now,
		description: pi.x.description, customer: pi.x.customer, receiptEmail: pi.x.receiptEmail,
		metadata: pi.metadata} // copied once, as Stripe does: later updates of the PaymentIntent's stay there
	if ch.pmID == "" {
		ch.pmID = card.id
	}
	p.st.chargeOrder = append(p.st.chargeOrder, ch)
	pi.latestCharge = ch
	return ch
}

// succeedLocked authorises (and, unless capture is manual, captures) the
// payment. ch is the pending charge of a processing payment, or nil.
func (p *Provider) succeedLocked(c *call, pi *paymentIntent, card *testCard, ch *charge) {
	if ch == nil {
		ch = p.newChargeLocked(c, pi, card)
	}
	ch.status, ch.paid = "succeeded", true
	pi.nextAction, pi.pending, pi.pendingDecline = actionNone, nil, ""
	if pi.captureMethod == "manual" {
		pi.status = statusRequiresCapture
		pi.amountCapturable = pi.amount
		p.emitChargeLocked(c, "charge.succeeded", ch)
		p.emitPILocked(c, "payment_intent.amount_capturable_updated", pi)
		return
	}
	ch.captured, ch.amountCaptured = true, ch.amount
	ch.hasTxn = true
	pi.status = statusSucceeded
	pi.amountReceived = pi.amount
	p.emitChargeLocked(c, "charge.succeeded", ch)
	p.emitPILocked(c, "payment_intent.succeeded", pi)
}

// declineLocked fails the payment with declineCode: a failed charge, the
// PaymentIntent back to requires_payment_method, and the 402 card error
// (with the PaymentIntent embedded) for the caller.
func (p *Provider) declineLocked(c *call, pi *paymentIntent, card *testCard, ch *charge, declineCode string) *apiError {
	if ch == nil {
		ch = p.newChargeLocked(c, pi, card)
	}
	code := errorCodeForDecline(declineCode)
	msg := declineMessage(declineCode)
	if card.outcome == outcomeDecline && card.declineCode == declineCode && card.message != "" {
		msg = card.message
	}
	ch.status, ch.paid = "failed", false
	ch.failureCode, ch.failureMessage, ch.declineCode = code, msg, declineCode
	e := &apiError{status: http.StatusPaymentRequired, typ: errCard, code: code, declineCode: declineCode, message: msg,
		chargeID: ch.id, pmID: pi.paymentMethod, pmCard: pi.pmCard, save: true}
	if code == "authentication_required" {
		e.declineCode = "authentication_required"
	}
	pi.lastError = &apiError{typ: errCard, code: e.code, declineCode: e.declineCode, message: msg, chargeID: ch.id, pmID: pi.paymentMethod, pmCard: pi.pmCard}
	pi.status = statusRequiresPaymentMethod
	pi.setPM("", nil)
	pi.nextAction, pi.pending, pi.pendingDecline = actionNone, nil, ""
	p.emitChargeLocked(c, "charge.failed", ch)
	p.emitPILocked(c, "payment_intent.payment_failed", pi)
	e.pi = pi
	return e
}

// startProcessingLocked leaves the payment in processing and schedules
// its settlement.
func (p *Provider) startProcessingLocked(c *call, pi *paymentIntent, card *testCard, out outcome, declineCode string, delay time.Duration) {
	ch := p.newChargeLocked(c, pi, card)
	ch.status = "pending"
	pi.status = statusProcessing
	pi.pending = card
	pi.pendingDecline = ""
	if out == outcomeProcessingFail {
		pi.pendingDecline = declineCode
		if pi.pendingDecline == "" {
			pi.pendingDecline = "generic_decline"
		}
	}
	p.emitChargeLocked(c, "charge.pending", ch)
	p.emitPILocked(c, "payment_intent.processing", pi)
	if delay == 0 {
		delay = p.cfg.processingDelay
	}
	id, st := pi.id, p.st
	p.sched.after(delay, func() { p.settleProcessing(st, id) })
}

// settleProcessing ends a processing payment with its pending outcome.
func (p *Provider) settleProcessing(st *state, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st != st { // reset since
		return
	}
	pi := p.piLocked(id)
	if pi == nil || pi.status != statusProcessing {
		return
	}
	if pi.pendingDecline != "" {
		p.declineLocked(nil, pi, pi.pending, pi.latestCharge, pi.pendingDecline)
		return
	}
	p.succeedLocked(nil, pi, pi.pending, pi.latestCharge)
}

// authenticateLocked completes (or fails) the customer's 3-D Secure step
// for a PaymentIntent in requires_action.
func (p *Provider) authenticateLocked(pi *paymentIntent, ok bool) error {
	if pi.status != statusRequiresAction {
		return fmt.Errorf("payment intent %s has status %s, not requires_action", pi.id, pi.status)
	}
	card := pi.pending
	if !ok {
		pi.status = statusRequiresPaymentMethod
		pi.lastError = &apiError{typ: errInvalidRequest, code: "payment_intent_authentication_failure", pmID: pi.paymentMethod, pmCard: pi.pmCard,
			message: "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again."}
		pi.setPM("", nil)
		pi.nextAction, pi.pending, pi.pendingDecline = actionNone, nil, ""
		p.emitPILocked(nil, "payment_intent.payment_failed", pi)
		return nil
	}
	if pi.pendingDecline != "" {
		p.declineLocked(nil, pi, card, nil, pi.pendingDecline)
		return nil
	}
	if card.outcome == outcomeDecline {
		p.declineLocked(nil, pi, card, nil, card.declineCode)
		return nil
	}
	p.succeedLocked(nil, pi, card, nil)
	return nil
}

// captureLocked captures amount of an authorised payment; the rest of the
// authorisation is released.
func (p *Provider) captureLocked(c *call, pi *paymentIntent, amount int64) {
	ch := pi.latestCharge
	ch.captured, ch.amountCaptured = true, amount
	ch.released = pi.amountCapturable - amount
	ch.amountRefunded += ch.released // Stripe shows the released remainder as refunded
	ch.hasTxn = true
	pi.amountReceived = amount
	pi.amountCapturable = 0
	pi.status = statusSucceeded
	p.emitChargeLocked(c, "charge.captured", ch)
	p.emitPILocked(c, "payment_intent.succeeded", pi)
}

// cancelLocked cancels pi, releasing an authorisation.
func (p *Provider) cancelLocked(c *call, pi *paymentIntent, reason string) {
	now := p.nowFor(c)
	if ch := pi.latestCharge; ch != nil {
		switch {
		case pi.status == statusRequiresCapture:
			ch.released = pi.amountCapturable
			ch.amountRefunded = ch.amount
			ch.refunded = true
			p.emitChargeLocked(c, "charge.refunded", ch)
		case ch.status == "pending":
			ch.status = "failed"
			ch.failureCode, ch.failureMessage = "payment_intent_canceled", "The PaymentIntent was canceled."
			p.emitChargeLocked(c, "charge.failed", ch)
		}
	}
	pi.status = statusCanceled
	pi.amountCapturable = 0
	pi.canceledAt = now.Unix()
	if reason != "" {
		pi.edit().cancellationReason = reason
	}
	pi.nextAction, pi.pending, pi.pendingDecline = actionNone, nil, ""
	p.emitPILocked(c, "payment_intent.canceled", pi)
}

// missingReturnURL is Stripe's answer to confirming, without a return_url,
// a PaymentIntent that accepts redirect-based payment methods (the default
// of recent API versions unless payment_method_types is given or
// automatic_payment_methods[allow_redirects]=never).
func missingReturnURL() *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, param: "return_url",
		message: "A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents."}
}

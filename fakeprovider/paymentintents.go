package fakeprovider

import (
	"fmt"
	"net/http"
)

// cardOnly is the payment_method_types of card payments. It is shared:
// PaymentIntents replace their pmTypes, never change them in place.
var cardOnly = []string{"card"}

// piParams are the PaymentIntent fields create and update share.
type piParams struct {
	currency, pm, customer, description, receiptEmail, sfu, stmt, captureMethod string

	amountN           int64
	hasAmount         bool
	md                []pair
	mdSent, mdCleared bool
	pmTypes           []string
	pmTypesSent       bool
}

// readPIParams reads and checks the shared fields.
func readPIParams(f *form) (pp piParams, e *apiError) {
	if pp.amountN, pp.hasAmount, e = f.int64Param("amount"); e != nil {
		return pp, e
	}
	for _, fld := range []struct {
		name string
		dst  *string
	}{{"currency", &pp.currency}, {"payment_method", &pp.pm}, {"customer", &pp.customer}, {"description", &pp.description},
		{"receipt_email", &pp.receiptEmail}, {"statement_descriptor", &pp.stmt}} {
		if *fld.dst, _, e = f.strParam(fld.name); e != nil {
			return pp, e
		}
	}
	if pp.sfu, _, e = f.enumParam("setup_future_usage", "on_session", "off_session"); e != nil {
		return pp, e
	}
	if pp.captureMethod, _, e = f.enumParam("capture_method", "automatic", "automatic_async", "manual"); e != nil {
		return pp, e
	}
	if len(pp.stmt) > 22 {
		return pp, invalidParam("statement_descriptor", "The statement descriptor must be at most 22 characters.")
	}
	if len(pp.description) > 1000 {
		return pp, invalidParam("description", "The description must be at most 1000 characters.")
	}
	if pp.md, pp.mdSent, pp.mdCleared, e = f.metadataParam(); e != nil {
		return pp, e
	}
	var le *apiError
	pp.pmTypes, pp.pmTypesSent, le = f.list("payment_method_types")
	if le != nil {
		return pp, le
	}
	for _, t := range pp.pmTypes {
		if t != "card" {
			return pp, invalidParam("payment_method_types", fmt.Sprintf("The payment method type %q is invalid. This provider supports card only.", truncateForMsg(t)))
		}
	}
	if pp.pm != "" && testCards[pp.pm] == nil {
		return pp, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "resource_missing", param: "payment_method",
			message: fmt.Sprintf("No such PaymentMethod: '%s'", truncateForMsg(pp.pm))}
	}
	return pp, nil
}

// readConfirmOpts reads the confirmation parameters.
func readConfirmOpts(f *form) (o confirmOpts, e *apiError) {
	if o.returnURL, _, e = f.strParam("return_url"); e != nil {
		return o, e
	}
	// off_session is a boolean, or one_off/recurring.
	s, ok, e := f.strParam("off_session")
	if e != nil {
		return o, e
	}
	if ok {
		switch s {
		case "true", "one_off", "recurring":
			o.offSession = true
		case "false":
		default:
			return o, invalidBoolean("off_session", s)
		}
	}
	if o.errorOnRequiresAction, _, e = f.boolParam("error_on_requires_action"); e != nil {
		return o, e
	}
	if _, _, e = f.boolParam("use_stripe_sdk"); e != nil {
		return o, e
	}
	return o, nil
}

func (p *Provider) piCreate(c *call) *result {
	f := c.f
	pp, e := readPIParams(f)
	if e != nil {
		return p.errResult(c, e)
	}
	for _, name := range []string{"amount", "currency"} {
		if v, sent, _ := f.str(name); !sent {
			return p.errResult(c, missingParam(name))
		} else if v == "" {
			return p.errResult(c, emptyParam(name))
		}
	}
	cur, e := checkCurrency("currency", pp.currency)
	if e != nil {
		return p.errResult(c, e)
	}
	if e := checkAmount("amount", pp.amountN, cur); e != nil {
		return p.errResult(c, e)
	}
	confirm, _, e := f.boolParam("confirm")
	if e != nil {
		return p.errResult(c, e)
	}
	cm, _, e := f.enumParam("confirmation_method", "automatic", "manual")
	if e != nil {
		return p.errResult(c, e)
	}
	opts, e := readConfirmOpts(f)
	if e != nil {
		return p.errResult(c, e)
	}
	if !confirm && (f.has("off_session") || f.has("error_on_requires_action")) {
		return p.errResult(c, invalidParam("off_session", "You can only pass in off_session or error_on_requires_action when confirm is set to true."))
	}
	apmEnabled, apmSet, e := subBool(f, "automatic_payment_methods", "enabled")
	if e != nil {
		return p.errResult(c, e)
	}
	redirects, _, e := f.sub("automatic_payment_methods", "allow_redirects")
	if e != nil {
		return p.errResult(c, e)
	}
	if redirects != "" && redirects != "always" && redirects != "never" {
		return p.errResult(c, invalidParam("automatic_payment_methods[allow_redirects]", "Invalid automatic_payment_methods[allow_redirects]: must be one of always, never"))
	}
	if pp.pmTypesSent && apmSet && apmEnabled {
		return p.errResult(c, exclusiveParams("payment_method_types", "automatic_payment_methods"))
	}
	exp, e := f.expansionParam(expandLatestCharge | expandPaymentMethod)
	if e != nil {
		return p.errResult(c, e)
	}
	if confirm && pp.pm == "" {
		return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "payment_intent_unexpected_state", param: "payment_method",
			message: "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method."})
	}

	now := p.nowFor(c)
	v := paymentIntent{
		amount: pp.amountN, currency: cur, captureMethod: pp.captureMethod, manualConfirm: cm == "manual",
		createdNs: now.UnixNano(), paymentMethod: pp.pm, idemKey: c.idemKey,
		metadata: setMetadata(nil, pp.md, false), pmTypes: pp.pmTypes, x: noExtra,
	}
	if pp.customer != "" || pp.description != "" || pp.receiptEmail != "" || pp.sfu != "" || pp.stmt != "" || opts.returnURL != "" {
		v.x = &piExtra{customer: pp.customer, description: pp.description, receiptEmail: pp.receiptEmail,
			setupFutureUsage: pp.sfu, statementDesc: pp.stmt, returnURL: opts.returnURL}
	}
	if v.captureMethod == "" {
		v.captureMethod = "automatic_async"
	}
	if !pp.pmTypesSent || len(v.pmTypes) == 0 {
		v.pmTypes = cardOnly
		// Recent API versions turn automatic payment methods on unless
		// payment_method_types is given or they are switched off.
		if !apmSet || apmEnabled {
			v.apm = true
			v.redirectsNever = redirects == "never"
		}
	} else if len(v.pmTypes) == 1 {
		v.pmTypes = cardOnly // the only type accepted: share one slice
	}
	v.status = statusRequiresPaymentMethod
	if v.paymentMethod != "" {
		v.status = statusRequiresConfirmation
	}
	if confirm && v.apm && !v.redirectsNever && v.x.returnURL == "" {
		return p.errResult(c, missingReturnURL())
	}

	p.mu.Lock()
	pi := p.st.pis.new()
	*pi = v
	pi.seq = len(p.st.piOrder)
	pi.id = p.ids.object(prefixPI, p.st.gen, pi.seq)
	p.st.piOrder = append(p.st.piOrder, pi)
	p.emitPILocked(c, "payment_intent.created", pi)
	if confirm {
		if e := p.confirmLocked(c, pi, opts); e != nil {
			e.save = true // the PaymentIntent exists now: a retry must replay
			res := p.errResult(c, e)
			p.mu.Unlock()
			return res
		}
	}
	res := p.piResultLocked(c, pi, exp)
	p.mu.Unlock()
	return res
}

// piResultLocked is the answer showing pi. When the call's last event
// snapshotted pi and nothing is expanded, the answer is that snapshot,
// rendered when written; otherwise pi is rendered now.
func (p *Provider) piResultLocked(c *call, pi *paymentIntent, exp expansion) *result {
	if exp == 0 && c.lastSnapOf == pi {
		return &result{status: http.StatusOK, snap: c.lastSnap, save: true}
	}
	return okResult(p.appendPI(make([]byte, 0, 1536), pi, exp))
}

// subBool reads a boolean a[b].
func subBool(f *form, name, key string) (v, ok bool, e *apiError) {
	s, ok, e := f.sub(name, key)
	if e != nil || !ok {
		return false, ok, e
	}
	switch s {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, true, invalidBoolean(name+"["+key+"]", s)
}

// lookupPILocked finds the PaymentIntent in the path.
func (p *Provider) lookupPILocked(c *call) (*paymentIntent, *apiError) {
	pi := p.piLocked(c.id)
	if pi == nil {
		return nil, resourceMissing("payment_intent", "intent", c.id)
	}
	return pi, nil
}

func (p *Provider) piRetrieve(c *call) *result {
	exp, e := c.f.expansionParam(expandLatestCharge | expandPaymentMethod)
	if e != nil {
		return p.errResult(c, e)
	}
	secret, hasSecret, e := c.f.strParam("client_secret")
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pi, e := p.lookupPILocked(c)
	if e != nil {
		return p.errResult(c, e)
	}
	if hasSecret && secret != p.clientSecret(pi.id) {
		return p.errResult(c, invalidParam("client_secret", "The client_secret provided does not match the client_secret associated with the PaymentIntent."))
	}
	return okResult(p.appendPI(make([]byte, 0, 1536), pi, exp))
}

func (p *Provider) piUpdate(c *call) *result {
	pp, e := readPIParams(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	exp, e := c.f.expansionParam(expandLatestCharge | expandPaymentMethod)
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pi, e := p.lookupPILocked(c)
	if e != nil {
		return p.errResult(c, e)
	}
	payment := pp.hasAmount || pp.currency != "" || pp.pm != "" || pp.captureMethod != "" || pp.pmTypesSent
	if payment && !confirmableStatus(pi.status) {
		return p.errResult(c, unexpectedState(pi, fmt.Sprintf("You cannot update this PaymentIntent because it has a status of %s. You may only update a PaymentIntent's amount, currency or payment method while it has one of the following statuses: requires_payment_method, requires_confirmation, requires_action.", pi.status)))
	}
	if pi.status == statusCanceled {
		return p.errResult(c, unexpectedState(pi, "You cannot update this PaymentIntent because it has a status of canceled."))
	}
	cur := pi.currency
	if pp.currency != "" {
		if cur, e = checkCurrency("currency", pp.currency); e != nil {
			return p.errResult(c, e)
		}
	}
	amount := pi.amount
	if pp.hasAmount {
		amount = pp.amountN
	}
	if pp.hasAmount || pp.currency != "" {
		if e := checkAmount("amount", amount, cur); e != nil {
			return p.errResult(c, e)
		}
	}
	pi.amount, pi.currency = amount, cur
	if pp.captureMethod != "" {
		pi.captureMethod = pp.captureMethod
	}
	if pp.pmTypesSent && len(pp.pmTypes) > 0 {
		pi.pmTypes = cardOnly // card is the only type readPIParams accepts
		pi.apm = false
	}
	if pp.pm != "" {
		pi.paymentMethod = pp.pm
		if pi.status == statusRequiresPaymentMethod {
			pi.status = statusRequiresConfirmation
		}
	}
	if payment && pi.status == statusRequiresAction {
		pi.status = statusRequiresConfirmation
		pi.nextAction, pi.pending, pi.pendingDecline = actionNone, nil, ""
	}
	if c.f.has("customer") {
		pi.edit().customer = pp.customer
	}
	if c.f.has("description") {
		pi.edit().description = pp.description
	}
	if c.f.has("receipt_email") {
		pi.edit().receiptEmail = pp.receiptEmail
	}
	if pp.sfu != "" {
		pi.edit().setupFutureUsage = pp.sfu
	}
	if c.f.has("statement_descriptor") {
		pi.edit().statementDesc = pp.stmt
	}
	if pp.mdSent {
		pi.metadata = setMetadata(pi.metadata, pp.md, pp.mdCleared)
	}
	return okResult(p.appendPI(make([]byte, 0, 1536), pi, exp))
}

func (p *Provider) piConfirm(c *call) *result {
	pm, _, e := c.f.strParam("payment_method")
	if e != nil {
		return p.errResult(c, e)
	}
	if pm != "" && testCards[pm] == nil {
		return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "resource_missing", param: "payment_method",
			message: fmt.Sprintf("No such PaymentMethod: '%s'", truncateForMsg(pm))})
	}
	cm, _, e := c.f.enumParam("capture_method", "automatic", "automatic_async", "manual")
	if e != nil {
		return p.errResult(c, e)
	}
	opts, e := readConfirmOpts(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	receipt, hasReceipt, e := c.f.strParam("receipt_email")
	if e != nil {
		return p.errResult(c, e)
	}
	secret, hasSecret, e := c.f.strParam("client_secret")
	if e != nil {
		return p.errResult(c, e)
	}
	exp, e := c.f.expansionParam(expandLatestCharge | expandPaymentMethod)
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pi, e := p.lookupPILocked(c)
	if e != nil {
		return p.errResult(c, e)
	}
	if hasSecret && secret != p.clientSecret(pi.id) {
		return p.errResult(c, invalidParam("client_secret", "The client_secret provided does not match the client_secret associated with the PaymentIntent."))
	}
	if !confirmableStatus(pi.status) {
		msg := fmt.Sprintf("You cannot confirm this PaymentIntent because it has a status of %s. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.", pi.status)
		if pi.status == statusSucceeded {
			msg = "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed."
		}
		return p.errResult(c, unexpectedState(pi, msg))
	}
	if pm != "" {
		pi.paymentMethod = pm
		if pi.status == statusRequiresAction {
			pi.status = statusRequiresConfirmation
			pi.nextAction, pi.pending, pi.pendingDecline = actionNone, nil, ""
		}
	}
	if cm != "" {
		pi.captureMethod = cm
	}
	if hasReceipt {
		pi.edit().receiptEmail = receipt
	}
	if e := p.confirmLocked(c, pi, opts); e != nil {
		return p.errResult(c, e)
	}
	return p.piResultLocked(c, pi, exp)
}

func (p *Provider) piCapture(c *call) *result {
	amt, hasAmt, e := c.f.int64Param("amount_to_capture")
	if e != nil {
		return p.errResult(c, e)
	}
	final, hasFinal, e := c.f.boolParam("final_capture")
	if e != nil {
		return p.errResult(c, e)
	}
	if hasFinal && !final {
		return p.errResult(c, invalidParam("final_capture", "final_capture=false (multicapture) is not available on this account."))
	}
	md, mdSent, mdCleared, e := c.f.metadataParam()
	if e != nil {
		return p.errResult(c, e)
	}
	exp, e := c.f.expansionParam(expandLatestCharge | expandPaymentMethod)
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pi, e := p.lookupPILocked(c)
	if e != nil {
		return p.errResult(c, e)
	}
	if pi.status != statusRequiresCapture {
		msg := fmt.Sprintf("This PaymentIntent could not be captured because it has a status of %s. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.", pi.status)
		if pi.status == statusSucceeded {
			msg = "This PaymentIntent could not be captured because it has already been captured."
		}
		return p.errResult(c, unexpectedState(pi, msg))
	}
	if !hasAmt {
		amt = pi.amountCapturable
	}
	if amt < 1 {
		return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_invalid_integer", param: "amount_to_capture",
			message: "This value must be greater than or equal to 1."})
	}
	if amt > pi.amountCapturable {
		return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "amount_too_large", param: "amount_to_capture",
			message: fmt.Sprintf("The amount_to_capture (%d) cannot be greater than the amount_capturable (%d).", amt, pi.amountCapturable), pi: pi, save: true})
	}
	if mdSent {
		pi.metadata = setMetadata(pi.metadata, md, mdCleared)
	}
	p.captureLocked(c, pi, amt)
	return p.piResultLocked(c, pi, exp)
}

func (p *Provider) piCancel(c *call) *result {
	reason, _, e := c.f.enumParam("cancellation_reason", "duplicate", "fraudulent", "requested_by_customer", "abandoned")
	if e != nil {
		return p.errResult(c, e)
	}
	exp, e := c.f.expansionParam(expandLatestCharge | expandPaymentMethod)
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pi, e := p.lookupPILocked(c)
	if e != nil {
		return p.errResult(c, e)
	}
	switch pi.status {
	case statusRequiresPaymentMethod, statusRequiresCapture, statusRequiresConfirmation, statusRequiresAction, statusProcessing:
	default:
		return p.errResult(c, unexpectedState(pi, fmt.Sprintf("You cannot cancel this PaymentIntent because it has a status of %s. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.", pi.status)))
	}
	p.cancelLocked(c, pi, reason)
	return p.piResultLocked(c, pi, exp)
}

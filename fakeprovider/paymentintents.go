package fakeprovider

import (
	"fmt"
	"net/http"
	"strings"
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
	// card is the test card behind pm.
	card *testCard

	transferGroup, onBehalfOf, transferDest, stmtSuffix string
	appFee                                              int64
	hasAppFee                                           bool
}

// connectSent reports whether any Connect field was sent.
func (pp *piParams) connectSent() bool {
	return pp.transferGroup != "" || pp.onBehalfOf != "" || pp.transferDest != "" || pp.stmtSuffix != "" || pp.hasAppFee
}

// piParams reads and checks the fields create and update share; saved
// finds the card of a saved PaymentMethod.
func (in *reader) piParams(saved func(id string) *testCard) (pp piParams) {
	pp.amountN, pp.hasAmount = in.num("amount")
	pp.currency, _ = in.str("currency")
	pp.pm, pp.card = in.paymentMethod(saved)
	pp.customer, _ = in.str("customer")
	pp.description, _ = in.str("description")
	pp.receiptEmail, _ = in.str("receipt_email")
	pp.stmt, _ = in.str("statement_descriptor")
	pp.sfu = in.enum("setup_future_usage", "on_session", "off_session")
	pp.captureMethod = in.enum("capture_method", "automatic", "automatic_async", "manual")
	if len(pp.stmt) > 22 {
		in.fail(invalidParam("statement_descriptor", "The statement descriptor must be at most 22 characters."))
	}
	if len(pp.description) > 1000 {
		in.fail(invalidParam("description", "The description must be at most 1000 characters."))
	}
	pp.transferGroup, _ = in.str("transfer_group")
	pp.onBehalfOf, _ = in.str("on_behalf_of")
	pp.transferDest, _ = in.sub("transfer_data", "destination")
	pp.stmtSuffix, _ = in.str("statement_descriptor_suffix")
	pp.appFee, pp.hasAppFee = in.num("application_fee_amount")
	if pp.hasAppFee && pp.appFee < 0 {
		in.fail(invalidParam("application_fee_amount", "This value must be greater than or equal to 0."))
	}
	pp.md, pp.mdSent, pp.mdCleared = in.metadata()
	pp.pmTypes, pp.pmTypesSent = in.list("payment_method_types")
	in.cardOnly(pp.pmTypes)
	return pp
}

// cardOnly fails payment_method_types other than card.
func (in *reader) cardOnly(types []string) {
	for _, t := range types {
		if t != "card" {
			in.fail(invalidParam("payment_method_types", fmt.Sprintf("The payment method type %q is invalid. This provider supports card only.", truncateForMsg(t))))
		}
	}
}

// paymentMethod reads payment_method, or payment_method_data as Stripe.js
// and servers send a card: the id the PaymentIntent shows and the test
// card that decides its payments. A test id (pm_card_visa) stands for
// itself; a saved PaymentMethod (pm_…, made by create or attach, found
// by saved) keeps its own id; a token (tok_visa) and card data stand for
// their test card's id.
func (in *reader) paymentMethod(saved func(id string) *testCard) (string, *testCard) {
	pm, sent := in.str("payment_method")
	if in.has("payment_method_data") && in.ok() {
		if sent {
			in.fail(exclusiveParams("payment_method", "payment_method_data"))
			return "", nil
		}
		if card := in.cardData(); card != nil {
			return card.id, card
		}
		return "", nil
	}
	if pm == "" {
		return "", nil
	}
	if card := testCards[pm]; card != nil {
		return pm, card
	}
	if strings.HasPrefix(pm, prefixPM) && saved != nil {
		if card := saved(pm); card != nil {
			return pm, card
		}
	}
	if strings.HasPrefix(pm, "tok_") {
		if card := testCardFor(pm); card != nil {
			return card.id, card
		}
	}
	in.fail(&apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "resource_missing", param: "payment_method",
		message: fmt.Sprintf("No such PaymentMethod: '%s'", truncateForMsg(pm))})
	return "", nil
}

// confirmOpts reads the confirmation parameters.
func (in *reader) confirmOpts() (o confirmOpts) {
	o.returnURL, _ = in.str("return_url")
	// off_session is a boolean, or one_off/recurring.
	if s, ok := in.str("off_session"); ok {
		switch s {
		case "true", "one_off", "recurring":
			o.offSession = true
		case "false":
		default:
			in.fail(invalidBoolean("off_session", s))
		}
	}
	o.errorOnRequiresAction, _ = in.flag("error_on_requires_action")
	in.flag("use_stripe_sdk")
	return o
}

func (p *Provider) piCreate(c *call) *result {
	in := c.in()
	pp := in.piParams(p.savedCard)
	for _, name := range []string{"amount", "currency"} {
		if v, sent, _ := c.f.str(name); !sent {
			in.fail(missingParam(name))
		} else if v == "" {
			in.fail(emptyParam(name))
		}
	}
	var cur string
	if in.ok() {
		cur, in.err = checkCurrency("currency", pp.currency)
	}
	if in.ok() {
		in.fail(checkAmount("amount", pp.amountN, cur))
	}
	confirm, _ := in.flag("confirm")
	cm := in.enum("confirmation_method", "automatic", "manual")
	opts := in.confirmOpts()
	if !confirm && (in.has("off_session") || in.has("error_on_requires_action")) {
		in.fail(invalidParam("off_session", "You can only pass in off_session or error_on_requires_action when confirm is set to true."))
	}
	apmEnabled, apmSet := in.subFlag("automatic_payment_methods", "enabled")
	redirects, _ := in.sub("automatic_payment_methods", "allow_redirects")
	if redirects != "" && redirects != "always" && redirects != "never" {
		in.fail(invalidParam("automatic_payment_methods[allow_redirects]", "Invalid automatic_payment_methods[allow_redirects]: must be one of always, never"))
	}
	if pp.pmTypesSent && apmSet && apmEnabled {
		in.fail(exclusiveParams("payment_method_types", "automatic_payment_methods"))
	}
	exp := in.expand(piExpandable)
	if confirm && pp.pm == "" {
		in.fail(&apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "payment_intent_unexpected_state", param: "payment_method",
			message: "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method."})
	}
	if in.err != nil {
		return p.errResult(c, in.err)
	}

	now := p.nowFor(c)
	v := paymentIntent{
		amount: pp.amountN, currency: cur, captureMethod: pp.captureMethod, manualConfirm: cm == "manual",
		createdNs: now.UnixNano(), paymentMethod: pp.pm, pmCard: pp.card, idemKey: c.idemKey,
		metadata: setMetadata(nil, pp.md, false), pmTypes: pp.pmTypes, x: noExtra,
	}
	if pp.customer != "" || pp.description != "" || pp.receiptEmail != "" || pp.sfu != "" || pp.stmt != "" || opts.returnURL != "" || pp.connectSent() {
		v.x = &piExtra{customer: pp.customer, description: pp.description, receiptEmail: pp.receiptEmail,
			setupFutureUsage: pp.sfu, statementDesc: pp.stmt, returnURL: opts.returnURL,
			transferGroup: pp.transferGroup, onBehalfOf: pp.onBehalfOf, transferDest: pp.transferDest,
			statementSuffix: pp.stmtSuffix, appFee: pp.appFee, hasAppFee: pp.hasAppFee}
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
	in := c.in()
	exp := in.expand(piExpandable)
	secret, hasSecret := in.str("client_secret")
	if in.err != nil {
		return p.errResult(c, in.err)
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
	in := c.in()
	pp := in.piParams(p.savedCard)
	exp := in.expand(piExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
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
		pi.pmTypes = cardOnly // card is the only type piParams accepts
		pi.apm = false
	}
	if pp.pm != "" {
		pi.setPM(pp.pm, pp.card)
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
	if c.f.has("statement_descriptor_suffix") {
		pi.edit().statementSuffix = pp.stmtSuffix
	}
	if c.f.has("transfer_group") {
		pi.edit().transferGroup = pp.transferGroup
	}
	if c.f.has("application_fee_amount") {
		x := pi.edit()
		x.appFee, x.hasAppFee = pp.appFee, pp.hasAppFee
	}
	if pp.mdSent {
		pi.metadata = setMetadata(pi.metadata, pp.md, pp.mdCleared)
	}
	return okResult(p.appendPI(make([]byte, 0, 1536), pi, exp))
}

func (p *Provider) piConfirm(c *call) *result {
	in := c.in()
	pm, card := in.paymentMethod(p.savedCard)
	cm := in.enum("capture_method", "automatic", "automatic_async", "manual")
	opts := in.confirmOpts()
	receipt, hasReceipt := in.str("receipt_email")
	secret, hasSecret := in.str("client_secret")
	pmTypes, _ := in.list("payment_method_types")
	in.cardOnly(pmTypes)
	exp := in.expand(piExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
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
		pi.setPM(pm, card)
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
	in := c.in()
	amt, hasAmt := in.num("amount_to_capture")
	if final, hasFinal := in.flag("final_capture"); hasFinal && !final {
		in.fail(invalidParam("final_capture", "final_capture=false (multicapture) is not available on this account."))
	}
	md, mdSent, mdCleared := in.metadata()
	exp := in.expand(piExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
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
	in := c.in()
	reason := in.enum("cancellation_reason", "duplicate", "fraudulent", "requested_by_customer", "abandoned")
	exp := in.expand(piExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
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

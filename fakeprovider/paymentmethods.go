package fakeprovider

import (
	"fmt"
	"net/http"
	"strings"
)

// storedPM is a PaymentMethod made from a test card: created from a token
// or card details, or by attaching a test id (pm_card_visa) to a customer,
// which Stripe answers with a new PaymentMethod of that card.
type storedPM struct {
	seq      int
	id       string
	card     *testCard
	customer string
	created  int64
	metadata []pair
}

func (pm *storedPM) position() int                  { return pm.seq }
func (pm *storedPM) hasID(_ *idGen, id string) bool { return pm.id == id }

// testCardNumbers maps Stripe's test card numbers to the test cards they
// stand for (docs.stripe.com/testing), for the hosted page and card
// details sent as payment_method_data.
var testCardNumbers = map[string]string{
	"4242424242424242": "pm_card_visa",
	"4000056655665556": "pm_card_visa_debit",
	"5555555555554444": "pm_card_mastercard",
	"378282246310005":  "pm_card_amex",
	"4000000000000077": "pm_card_bypassPending",
	"4000000000005126": "pm_card_refundFail",
	"4000000000000002": "pm_card_chargeDeclined",
	"4000000000009995": "pm_card_chargeDeclinedInsufficientFunds",
	"4000000000009987": "pm_card_chargeDeclinedLostCard",
	"4000000000009979": "pm_card_chargeDeclinedStolenCard",
	"4100000000000019": "pm_card_chargeDeclinedFraudulent",
	"4000000000000069": "pm_card_chargeDeclinedExpiredCard",
	"4000000000000127": "pm_card_chargeDeclinedIncorrectCvc",
	"4000000000000119": "pm_card_chargeDeclinedProcessingError",
	"4000000000006975": "pm_card_visa_chargeDeclinedVelocityLimitExceeded",
	"4000000000000341": "pm_card_chargeCustomerFail",
	"4000002500003155": "pm_card_authenticationRequired",
	"4000000000003220": "pm_card_threeDSecure2Required",
	"4000000000003063": "pm_card_threeDSecureRequired",
}

// testCardFor resolves what a customer or a client may give as a card: a
// test PaymentMethod id (pm_card_visa), a test token (tok_visa), or a test
// card number (spaces and dashes allowed). It never keeps a number: only
// the test card's id comes back.
func testCardFor(s string) *testCard {
	if c := testCards[s]; c != nil {
		return c
	}
	if rest, ok := strings.CutPrefix(s, "tok_"); ok {
		return testCards["pm_card_"+rest]
	}
	digits := make([]byte, 0, 19)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '-':
		default:
			return nil
		}
		if len(digits) > 19 {
			return nil
		}
	}
	return testCards[testCardNumbers[string(digits)]]
}

// pmLocked finds a stored PaymentMethod.
func (p *Provider) pmLocked(id string) *storedPM {
	pm, _ := lookup(&p.ids, p.st.fl.pms, prefixPM, id, p.st.gen)
	return pm
}

// cardLocked is the test card behind a PaymentMethod id: a test id or a
// stored PaymentMethod.
func (p *Provider) cardLocked(id string) *testCard {
	if c := testCards[id]; c != nil {
		return c
	}
	if pm := p.pmLocked(id); pm != nil {
		return pm.card
	}
	return nil
}

// resolvePaymentMethod turns payment_method_data (a token, a test id or
// a test card number) and saved PaymentMethods into the test card id the
// PaymentIntent handlers charge. The request's parameters as sent (and so
// its idempotency fingerprint) are unchanged.
func (p *Provider) resolvePaymentMethod(c *call) *apiError {
	f := c.f
	pmNode := f.lookup("payment_method")
	if pmNode >= 0 && f.nodes[pmNode].kind == kindValue && testCards[f.nodes[pmNode].val] != nil {
		return nil // the common case: a test id
	}
	if f.has("payment_method_data") {
		if pmNode >= 0 {
			return exclusiveParams("payment_method", "payment_method_data")
		}
		card, e := cardFromData(f)
		if e != nil {
			return e
		}
		return f.insertErr("payment_method", card.id)
	}
	if pmNode < 0 || f.nodes[pmNode].kind != kindValue {
		return nil
	}
	id := f.nodes[pmNode].val
	if !strings.HasPrefix(id, prefixPM) && !strings.HasPrefix(id, "tok_") {
		return nil
	}
	p.mu.Lock()
	card := p.cardLocked(id)
	p.mu.Unlock()
	if card == nil {
		card = testCardFor(id)
	}
	if card != nil {
		f.nodes[pmNode].val = card.id
	}
	return nil
}

// insertErr places a value in the decoded tree (not in the pairs sent).
func (f *form) insertErr(key, val string) *apiError {
	if err := f.insert(key, val); err != nil {
		return formErr(err)
	}
	return nil
}

// cardFromData reads payment_method_data[type]=card with
// payment_method_data[card][token] (tok_visa or pm_card_visa) or
// payment_method_data[card][number].
func cardFromData(f *form) (*testCard, *apiError) {
	d := f.lookup("payment_method_data")
	if f.nodes[d].kind != kindHash {
		return nil, invalidParam("payment_method_data", "Invalid hash: payment_method_data must be a hash.")
	}
	typ := childVal(f, d, "type")
	if typ == "" {
		return nil, missingParam("payment_method_data[type]")
	}
	if typ != "card" {
		return nil, invalidParam("payment_method_data[type]", fmt.Sprintf("The payment method type %q is invalid. This provider supports card only.", truncateForMsg(typ)))
	}
	cn := f.child(d, "card")
	if cn < 0 || f.nodes[cn].kind != kindHash {
		return nil, missingParam("payment_method_data[card]")
	}
	return cardParam(f, cn, "payment_method_data[card]")
}

// cardParam reads a card hash (token or number) at node cn.
func cardParam(f *form, cn int32, name string) (*testCard, *apiError) {
	if tok := childVal(f, cn, "token"); tok != "" {
		if c := testCardFor(tok); c != nil && (strings.HasPrefix(tok, "tok_") || strings.HasPrefix(tok, "pm_card_")) {
			return c, nil
		}
		return nil, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "resource_missing", param: name + "[token]",
			message: fmt.Sprintf("No such token: '%s'", truncateForMsg(tok))}
	}
	if num := childVal(f, cn, "number"); num != "" {
		if c := testCardFor(num); c != nil {
			return c, nil
		}
		return nil, &apiError{status: http.StatusPaymentRequired, typ: errCard, code: "incorrect_number", param: name + "[number]",
			message: "Your card number is incorrect."}
	}
	return nil, missingParam(name + "[token]")
}

// childVal is the scalar child name of node n, or "".
func childVal(f *form, n int32, name string) string {
	c := f.child(n, name)
	if c < 0 || f.nodes[c].kind != kindValue {
		return ""
	}
	return f.nodes[c].val
}

// pmObject is a PaymentMethod in Stripe's shape.
type pmObject struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	AllowRedisplay string            `json:"allow_redisplay"`
	BillingDetails billingDetails    `json:"billing_details"`
	Card           pmCard            `json:"card"`
	Created        int64             `json:"created"`
	Customer       *string           `json:"customer"`
	Livemode       bool              `json:"livemode"`
	Metadata       map[string]string `json:"metadata"`
	Type           string            `json:"type"`
}

type billingDetails struct {
	Address *address `json:"address"`
	Email   *string  `json:"email"`
	Name    *string  `json:"name"`
	Phone   *string  `json:"phone"`
	TaxID   *string  `json:"tax_id"`
}

type address struct {
	City       *string `json:"city"`
	Country    *string `json:"country"`
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	PostalCode *string `json:"postal_code"`
	State      *string `json:"state"`
}

type pmCard struct {
	Brand        string      `json:"brand"`
	Checks       cardChecks  `json:"checks"`
	Country      string      `json:"country"`
	DisplayBrand string      `json:"display_brand"`
	ExpMonth     int64       `json:"exp_month"`
	ExpYear      int64       `json:"exp_year"`
	Fingerprint  string      `json:"fingerprint"`
	Funding      string      `json:"funding"`
	Last4        string      `json:"last4"`
	Networks     cardNetwork `json:"networks"`
	ThreeDSecure struct {
		Supported bool `json:"supported"`
	} `json:"three_d_secure_usage"`
	Wallet *struct{} `json:"wallet"`
}

type cardChecks struct {
	AddressLine1Check      *string `json:"address_line1_check"`
	AddressPostalCodeCheck *string `json:"address_postal_code_check"`
	CVCCheck               string  `json:"cvc_check"`
}

type cardNetwork struct {
	Available []string `json:"available"`
	Preferred *string  `json:"preferred"`
}

func (p *Provider) pmJSON(id string, card *testCard, customer string, created int64, md []pair) pmObject {
	o := pmObject{ID: id, Object: "payment_method", AllowRedisplay: "unspecified", BillingDetails: billingDetails{Address: &address{}},
		Created: created, Metadata: metadataMap(md), Type: "card"}
	if o.Metadata == nil {
		o.Metadata = map[string]string{}
	}
	if customer != "" {
		o.Customer = &customer
	}
	o.Card = pmCard{Brand: card.brand, Checks: cardChecks{CVCCheck: "pass"}, Country: card.country, DisplayBrand: card.brand,
		ExpMonth: 12, ExpYear: 2034, Fingerprint: "pcFp" + card.last4, Funding: card.funding, Last4: card.last4,
		Networks: cardNetwork{Available: []string{card.brand}}}
	o.Card.ThreeDSecure.Supported = true
	return o
}

func (p *Provider) storedPMJSON(pm *storedPM) pmObject {
	return p.pmJSON(pm.id, pm.card, pm.customer, pm.created, pm.metadata)
}

// newPMLocked stores a PaymentMethod of card.
func (p *Provider) newPMLocked(c *call, card *testCard, customer string, md []pair) *storedPM {
	fl := &p.st.fl
	pm := &storedPM{seq: len(fl.pms), card: card, customer: customer, created: p.nowFor(c).Unix(), metadata: md}
	pm.id = p.ids.object(prefixPM, p.st.gen, pm.seq)
	fl.pms = append(fl.pms, pm)
	return pm
}

func (p *Provider) pmCreate(c *call) *result {
	typ, ok, e := c.f.strParam("type")
	if e != nil {
		return p.errResult(c, e)
	}
	md, _, _, e := c.f.metadataParam()
	if e != nil {
		return p.errResult(c, e)
	}
	if !ok {
		return p.errResult(c, missingParam("type"))
	}
	if typ != "card" {
		return p.errResult(c, invalidParam("type", fmt.Sprintf("The payment method type %q is invalid. This provider supports card only.", truncateForMsg(typ))))
	}
	cn := c.f.lookup("card")
	if cn < 0 {
		return p.errResult(c, missingParam("card"))
	}
	card, e := cardParam(c.f, cn, "card")
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pm := p.newPMLocked(c, card, "", setMetadata(nil, md, false))
	return jsonResult(p.storedPMJSON(pm))
}

func (p *Provider) pmRetrieve(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pm := p.pmLocked(c.id); pm != nil {
		return jsonResult(p.storedPMJSON(pm))
	}
	if card := testCards[c.id]; card != nil {
		return jsonResult(p.pmJSON(c.id, card, "", p.nowFor(c).Unix(), nil))
	}
	return p.errResult(c, resourceMissing("payment_method", "payment_method", c.id))
}

func (p *Provider) pmAttach(c *call) *result {
	cus, ok, e := c.f.strParam("customer")
	if e != nil {
		return p.errResult(c, e)
	}
	if !ok || cus == "" {
		return p.errResult(c, missingParam("customer"))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if cu := p.customerLocked(cus); cu == nil || cu.deleted {
		return p.errResult(c, resourceMissing("customer", "customer", cus))
	}
	pm, e := p.attachLocked(c, c.id, cus, "payment_method")
	if e != nil {
		return p.errResult(c, e)
	}
	return jsonResult(p.storedPMJSON(pm))
}

// attachLocked saves the PaymentMethod pmID for the customer cus: a
// stored one, or a new one made from a test id or token, after the check
// Stripe makes when a card is saved (a declining card is refused;
// pm_card_chargeCustomerFail is saved and declines when charged). param
// names pmID in errors.
func (p *Provider) attachLocked(c *call, pmID, cus, param string) (*storedPM, *apiError) {
	pm := p.pmLocked(pmID)
	if pm == nil {
		card := testCardFor(pmID)
		if card == nil || !strings.HasPrefix(pmID, prefixPM) && !strings.HasPrefix(pmID, "tok_") {
			return nil, &apiError{status: http.StatusNotFound, typ: errInvalidRequest, code: "resource_missing", param: param,
				message: fmt.Sprintf("No such PaymentMethod: '%s'", truncateForMsg(pmID)), save: true}
		}
		if card.outcome == outcomeDecline && card.id != "pm_card_chargeCustomerFail" {
			return nil, &apiError{status: http.StatusPaymentRequired, typ: errCard, code: errorCodeForDecline(card.declineCode),
				declineCode: card.declineCode, message: card.message, param: param, save: true}
		}
		pm = p.newPMLocked(c, card, "", nil)
	}
	if pm.customer != "" && pm.customer != cus {
		return nil, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "payment_method_unexpected_state", param: param,
			message: "The payment method you provided has already been attached to a customer.", save: true}
	}
	pm.customer = cus
	p.emitObjLocked(c, "payment_method.attached", pm.id, p.storedPMJSON(pm))
	return pm, nil
}

func (p *Provider) pmDetach(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	pm := p.pmLocked(c.id)
	if pm == nil {
		return p.errResult(c, resourceMissing("payment_method", "payment_method", c.id))
	}
	if pm.customer == "" {
		return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "payment_method_unexpected_state",
			message: "The payment method you provided is not attached to a customer so detachment is impossible.", save: true})
	}
	pm.customer = ""
	obj := p.storedPMJSON(pm)
	p.emitObjLocked(c, "payment_method.detached", pm.id, obj)
	return jsonResult(obj)
}

// pmListFor lists the PaymentMethods saved for customer.
func (p *Provider) pmListFor(c *call, customer, url string) *result {
	lp, e := readListParams(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	typ, _, e := c.f.strParam("type")
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if customer != "" {
		if cu := p.customerLocked(customer); cu == nil || cu.deleted {
			return p.errResult(c, resourceMissing("customer", "customer", customer))
		}
	}
	page, hasMore, e := listPage(p, p.st.fl.pms, prefixPM, lp, func(pm *storedPM) bool {
		return pm.customer != "" && (customer == "" || pm.customer == customer) && (typ == "" || typ == "card") && lp.createdOK(pm.created)
	}, "payment_method")
	if e != nil {
		return p.errResult(c, e)
	}
	out := make([]pmObject, len(page))
	for i, pm := range page {
		out[i] = p.storedPMJSON(pm)
	}
	return jsonResult(newList(out, hasMore, url))
}

func (p *Provider) pmList(c *call) *result {
	customer, _, e := c.f.strParam("customer")
	if e != nil {
		return p.errResult(c, e)
	}
	return p.pmListFor(c, customer, "/v1/payment_methods")
}

func (p *Provider) customerPMList(c *call) *result {
	return p.pmListFor(c, c.id, "/v1/customers/"+c.id+"/payment_methods")
}

// customerPMRetrieve answers a PaymentMethod saved for the customer in
// the path, and 404 for any other.
func (p *Provider) customerPMRetrieve(c *call) *result {
	pmID := c.r.URL.Path[strings.LastIndexByte(c.r.URL.Path, '/')+1:]
	p.mu.Lock()
	defer p.mu.Unlock()
	if cu := p.customerLocked(c.id); cu == nil || cu.deleted {
		return p.errResult(c, resourceMissing("customer", "customer", c.id))
	}
	pm := p.pmLocked(pmID)
	if pm == nil || pm.customer != c.id {
		return p.errResult(c, resourceMissing("payment_method", "payment_method", pmID))
	}
	return jsonResult(p.storedPMJSON(pm))
}

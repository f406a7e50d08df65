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

// savedCard is the test card of a saved PaymentMethod, or nil.
func (p *Provider) savedCard(id string) *testCard {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pm := p.pmLocked(id); pm != nil {
		return pm.card
	}
	return nil
}

// cardData reads payment_method_data[type]=card with
// payment_method_data[card][token] (tok_visa or pm_card_visa) or
// payment_method_data[card][number].
func (in *reader) cardData() *testCard {
	if in.err != nil {
		return nil
	}
	f := in.f
	d := f.lookup("payment_method_data")
	if f.nodes[d].kind != kindHash {
		in.fail(invalidParam("payment_method_data", "Invalid hash: payment_method_data must be a hash."))
		return nil
	}
	switch typ := childVal(f, d, "type"); typ {
	case "card":
	case "":
		in.fail(missingParam("payment_method_data[type]"))
		return nil
	default:
		in.fail(invalidParam("payment_method_data[type]", fmt.Sprintf("The payment method type %q is invalid. This provider supports card only.", truncateForMsg(typ))))
		return nil
	}
	return in.cardAt(f.child(d, "card"), "payment_method_data[card]")
}

// card reads the card hash name (token or number) of a PaymentMethod.
func (in *reader) card(name string) *testCard {
	if in.err != nil {
		return nil
	}
	return in.cardAt(in.f.lookup(name), name)
}

// cardAt reads a card hash (token or number) at node cn, named name.
func (in *reader) cardAt(cn int32, name string) *testCard {
	f := in.f
	if cn < 0 || f.nodes[cn].kind != kindHash {
		in.fail(missingParam(name))
		return nil
	}
	if tok := childVal(f, cn, "token"); tok != "" {
		if c := testCardFor(tok); c != nil && (strings.HasPrefix(tok, "tok_") || strings.HasPrefix(tok, "pm_card_")) {
			return c
		}
		in.fail(&apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "resource_missing", param: name + "[token]",
			message: fmt.Sprintf("No such token: '%s'", truncateForMsg(tok))})
		return nil
	}
	if num := childVal(f, cn, "number"); num != "" {
		if c := testCardFor(num); c != nil {
			return c
		}
		in.fail(&apiError{status: http.StatusPaymentRequired, typ: errCard, code: "incorrect_number", param: name + "[number]",
			message: "Your card number is incorrect."})
		return nil
	}
	in.fail(missingParam(name + "[token]"))
	return nil
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
	in := c.in()
	typ, ok := in.str("type")
	md, _, _ := in.metadata()
	switch {
	case !in.ok():
	case !ok:
		in.fail(missingParam("type"))
	case typ != "card":
		in.fail(invalidParam("type", fmt.Sprintf("The payment method type %q is invalid. This provider supports card only.", truncateForMsg(typ))))
	}
	card := in.card("card")
	if in.err != nil {
		return p.errResult(c, in.err)
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
	in := c.in()
	cus, _ := in.str("customer")
	if in.ok() && cus == "" {
		in.fail(missingParam("customer"))
	}
	if in.err != nil {
		return p.errResult(c, in.err)
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

// pmListFor lists the PaymentMethods saved for customer (in the path, or
// the customer parameter when customer is "").
func (p *Provider) pmListFor(c *call, customer, url string) *result {
	in := c.in()
	if customer == "" {
		customer, _ = in.str("customer")
	}
	lp := in.listParams()
	typ, _ := in.str("type")
	if in.err != nil {
		return p.errResult(c, in.err)
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
	return p.pmListFor(c, "", "/v1/payment_methods")
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

package fakeprovider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Checkout Sessions in mode=payment. A session is open until the customer
// pays on the hosted page (hosted.go) or it expires (the expire call, or
// expires_at on the provider's clock: 24 hours by default). Its
// PaymentIntent is made when the customer first submits a card, as in
// current API versions, and the session follows that PaymentIntent:
// succeeded completes it paid; processing completes it unpaid and the
// settlement later sends async_payment_succeeded or async_payment_failed;
// a decline leaves it open.

const (
	sessionOpen     = "open"
	sessionComplete = "complete"
	sessionExpired  = "expired"

	sessionDefaultTTL = 24 * time.Hour
	maxLineItems      = 100
	sessionMinTTL     = 30 * time.Minute
)

type lineItem struct {
	id       string
	price    *price
	quantity int64
}

// lineDraft is a line item as read, before anything is made: a price, or
// the price_data of one (checked, with its currency and product).
type lineDraft struct {
	price    *price
	in       priceInput
	currency string
	product  *product
	quantity int64
}

func (d lineDraft) unit() (currency string, amount int64) {
	if d.price != nil {
		return d.price.currency, d.price.unitAmount
	}
	return d.currency, d.in.unitAmount
}

type checkoutSession struct {
	seq           int
	id            string
	status        string
	paymentStatus string // unpaid, paid, no_payment_required
	async         bool   // completed while its payment was processing
	items         []lineItem
	currency      string
	amountTotal   int64
	customer      string
	customerEmail string
	email         string // what the customer gave on the page
	successURL    string
	cancelURL     string
	url           string
	clientRef     string
	metadata      []pair
	piMetadata    []pair
	piCapture     string
	piDescription string
	created       int64
	expiresAt     int64
	pi            *paymentIntent
}

// SessionRecord is the ledger's view of a Checkout Session.
type SessionRecord struct {
	ID string `json:"id"`
	// Status is open, complete or expired; PaymentStatus unpaid, paid or
	// no_payment_required.
	Status            string            `json:"status"`
	PaymentStatus     string            `json:"payment_status"`
	PaymentIntent     string            `json:"payment_intent,omitempty"`
	AmountTotal       int64             `json:"amount_total"`
	Currency          string            `json:"currency"`
	ClientReferenceID string            `json:"client_reference_id,omitempty"`
	Customer          string            `json:"customer,omitempty"`
	Metadata          map[string]string `json:"metadata,omitempty"`
	Created           time.Time         `json:"created"`
}

func (p *Provider) sessionRecordsLocked() []SessionRecord {
	var out []SessionRecord
	for _, s := range p.st.fl.sessions {
		r := SessionRecord{ID: s.id, Status: s.status, PaymentStatus: s.paymentStatus, AmountTotal: s.amountTotal, Currency: s.currency,
			ClientReferenceID: s.clientRef, Customer: s.customer, Metadata: metadataMap(s.metadata), Created: time.Unix(s.created, 0).UTC()}
		if s.pi != nil {
			r.PaymentIntent = s.pi.id
		}
		out = append(out, r)
	}
	return out
}

func (s *checkoutSession) position() int                  { return s.seq }
func (s *checkoutSession) hasID(_ *idGen, id string) bool { return s.id == id }

func (p *Provider) sessionLocked(id string) *checkoutSession {
	s, _ := lookup(&p.ids, p.st.fl.sessions, prefixSession, id, p.st.gen)
	return s
}

// pathSessionLocked finds the session in the path.
func (p *Provider) pathSessionLocked(c *call) (*checkoutSession, *apiError) {
	if s := p.sessionLocked(c.id); s != nil {
		return s, nil
	}
	return nil, resourceMissing("checkout.session", "session", c.id)
}

// sessionObject is a Checkout Session in Stripe's shape.
type sessionObject struct {
	ID                       string                        `json:"id"`
	Object                   string                        `json:"object"`
	AllowPromotionCodes      *bool                         `json:"allow_promotion_codes"`
	AmountSubtotal           int64                         `json:"amount_subtotal"`
	AmountTotal              int64                         `json:"amount_total"`
	AutomaticTax             automaticTax                  `json:"automatic_tax"`
	BillingAddressCollection *string                       `json:"billing_address_collection"`
	CancelURL                *string                       `json:"cancel_url"`
	ClientReferenceID        *string                       `json:"client_reference_id"`
	ClientSecret             *string                       `json:"client_secret"`
	Created                  int64                         `json:"created"`
	Currency                 string                        `json:"currency"`
	CustomFields             []struct{}                    `json:"custom_fields"`
	CustomText               customText                    `json:"custom_text"`
	Customer                 json.RawMessage               `json:"customer"`
	CustomerCreation         *string                       `json:"customer_creation"`
	CustomerDetails          *customerDetails              `json:"customer_details"`
	CustomerEmail            *string                       `json:"customer_email"`
	ExpiresAt                int64                         `json:"expires_at"`
	Invoice                  *string                       `json:"invoice"`
	LineItems                *listEnvelope[lineItemObject] `json:"line_items,omitempty"`
	Livemode                 bool                          `json:"livemode"`
	Locale                   *string                       `json:"locale"`
	Metadata                 map[string]string             `json:"metadata"`
	Mode                     string                        `json:"mode"`
	PaymentIntent            json.RawMessage               `json:"payment_intent"`
	PaymentLink              *string                       `json:"payment_link"`
	PaymentMethodCollection  string                        `json:"payment_method_collection"`
	PaymentMethodTypes       []string                      `json:"payment_method_types"`
	PaymentStatus            string                        `json:"payment_status"`
	PhoneNumberCollection    struct {
		Enabled bool `json:"enabled"`
	} `json:"phone_number_collection"`
	RecoveredFrom   *string      `json:"recovered_from"`
	SetupIntent     *string      `json:"setup_intent"`
	ShippingOptions []struct{}   `json:"shipping_options"`
	Status          string       `json:"status"`
	SubmitType      *string      `json:"submit_type"`
	Subscription    *string      `json:"subscription"`
	SuccessURL      *string      `json:"success_url"`
	TotalDetails    totalDetails `json:"total_details"`
	UIMode          *string      `json:"ui_mode"`
	URL             *string      `json:"url"`
}

type automaticTax struct {
	Enabled   bool      `json:"enabled"`
	Liability *struct{} `json:"liability"`
	Provider  *string   `json:"provider"`
	Status    *string   `json:"status"`
}

type customText struct {
	AfterSubmit              *struct{} `json:"after_submit"`
	ShippingAddress          *struct{} `json:"shipping_address"`
	Submit                   *struct{} `json:"submit"`
	TermsOfServiceAcceptance *struct{} `json:"terms_of_service_acceptance"`
}

type customerDetails struct {
	Address   *address   `json:"address"`
	Email     *string    `json:"email"`
	Name      *string    `json:"name"`
	Phone     *string    `json:"phone"`
	TaxExempt string     `json:"tax_exempt"`
	TaxIDs    []struct{} `json:"tax_ids"`
}

type totalDetails struct {
	AmountDiscount int64 `json:"amount_discount"`
	AmountShipping int64 `json:"amount_shipping"`
	AmountTax      int64 `json:"amount_tax"`
}

type lineItemObject struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	AmountDiscount int64             `json:"amount_discount"`
	AmountSubtotal int64             `json:"amount_subtotal"`
	AmountTax      int64             `json:"amount_tax"`
	AmountTotal    int64             `json:"amount_total"`
	Currency       string            `json:"currency"`
	Description    string            `json:"description"`
	Metadata       map[string]string `json:"metadata"`
	Price          priceObject       `json:"price"`
	Quantity       int64             `json:"quantity"`
}

func (li lineItem) object() lineItemObject {
	amt := li.price.unitAmount * li.quantity
	return lineItemObject{ID: li.id, Object: "item", AmountSubtotal: amt, AmountTotal: amt, Currency: li.price.currency,
		Description: li.price.product.name, Metadata: map[string]string{}, Price: li.price.object(), Quantity: li.quantity}
}

// sessionExpand is what a session answer expands.
type sessionExpand struct{ pi, lineItems, customer bool }

func readSessionExpand(f *form) (sessionExpand, *apiError) {
	var x sessionExpand
	l, _, e := f.list("expand")
	if e != nil {
		return x, e
	}
	for _, s := range l {
		switch s {
		case "payment_intent":
			x.pi = true
		case "line_items":
			x.lineItems = true
		case "customer":
			x.customer = true
		default:
			return x, invalidParam("expand", fmt.Sprintf("This property cannot be expanded (%s).", truncateForMsg(s)))
		}
	}
	return x, nil
}

func (p *Provider) sessionJSONLocked(s *checkoutSession, x sessionExpand) sessionObject {
	o := sessionObject{ID: s.id, Object: "checkout.session", AmountSubtotal: s.amountTotal, AmountTotal: s.amountTotal,
		CancelURL: strOrNil(s.cancelURL), ClientReferenceID: strOrNil(s.clientRef), Created: s.created, Currency: s.currency,
		CustomFields: []struct{}{}, Customer: json.RawMessage("null"), CustomerEmail: strOrNil(s.customerEmail),
		ExpiresAt: s.expiresAt, Metadata: metadataMap(s.metadata), Mode: "payment", PaymentIntent: json.RawMessage("null"),
		PaymentMethodCollection: "if_required", PaymentMethodTypes: []string{"card"}, PaymentStatus: s.paymentStatus,
		ShippingOptions: []struct{}{}, Status: s.status, SuccessURL: strOrNil(s.successURL)}
	if o.Metadata == nil {
		o.Metadata = map[string]string{}
	}
	if s.status == sessionOpen {
		o.URL = &s.url
	}
	if s.customer != "" {
		o.Customer, _ = json.Marshal(s.customer)
		if cu := p.customerLocked(s.customer); x.customer && cu != nil && !cu.deleted {
			o.Customer, _ = json.Marshal(cu.object())
		}
	}
	if s.status == sessionComplete {
		email := s.email
		if email == "" {
			email = s.customerEmail
		}
		if cu := p.customerLocked(s.customer); email == "" && cu != nil {
			email = cu.email
		}
		o.CustomerDetails = &customerDetails{Email: strOrNil(email), TaxExempt: "none", TaxIDs: []struct{}{}}
	}
	if s.pi != nil {
		if x.pi {
			o.PaymentIntent = p.appendPI(nil, s.pi, 0)
		} else {
			o.PaymentIntent, _ = json.Marshal(s.pi.id)
		}
	}
	if x.lineItems {
		items := make([]lineItemObject, len(s.items))
		for i, li := range s.items {
			items[i] = li.object()
		}
		l := newList(items, false, "/v1/checkout/sessions/"+s.id+"/line_items")
		o.LineItems = &l
	}
	return o
}

// emitSessionLocked records a checkout.session.* event.
func (p *Provider) emitSessionLocked(c *call, typ string, s *checkoutSession) {
	p.emitObjLocked(c, typ, s.id, p.sessionJSONLocked(s, sessionExpand{}))
}

// readLineItemsLocked reads line_items[i][price] or line_items[i][price_data]
// with line_items[i][quantity].
func (p *Provider) readLineItemsLocked(c *call) ([]lineDraft, *apiError) {
	f := c.f
	n := f.lookup("line_items")
	if n < 0 {
		return nil, missingParam("line_items")
	}
	if f.nodes[n].kind == kindValue {
		return nil, invalidParam("line_items", "Invalid array: line_items must be an array of hashes.")
	}
	var items []lineDraft
	i := 0
	for k := f.nodes[n].first; k >= 0; k = f.nodes[k].next {
		name := "line_items[" + strconv.Itoa(i) + "]"
		if i++; i > maxLineItems {
			return nil, invalidParam("line_items", fmt.Sprintf("A Checkout Session can have at most %d line items.", maxLineItems))
		}
		if f.nodes[k].kind != kindHash {
			return nil, invalidParam(name, "Invalid hash: each line item must be a hash.")
		}
		for sub := f.nodes[k].first; sub >= 0; sub = f.nodes[sub].next {
			switch f.nodes[sub].name {
			case "price", "price_data", "quantity", "adjustable_quantity", "dynamic_tax_rates", "tax_rates", "metadata":
			default:
				return nil, unknownParam(name + "[" + truncateForMsg(f.nodes[sub].name) + "]")
			}
		}
		qs := childVal(f, k, "quantity")
		if qs == "" {
			return nil, missingParam(name + "[quantity]")
		}
		q, err := strconv.ParseInt(qs, 10, 64)
		if err != nil {
			return nil, invalidInteger(name+"[quantity]", qs)
		}
		if q < 1 || q > 999999 {
			return nil, invalidParam(name+"[quantity]", "Quantity must be between 1 and 999999.")
		}
		d := lineDraft{quantity: q}
		priceID := childVal(f, k, "price")
		pd := f.child(k, "price_data")
		switch {
		case priceID != "" && pd >= 0:
			return nil, exclusiveParams(name+"[price]", name+"[price_data]")
		case priceID != "":
			if d.price = p.priceLocked(priceID); d.price == nil {
				return nil, priceMissing(name+"[price]", priceID)
			}
			if !d.price.active {
				return nil, invalidParam(name+"[price]", fmt.Sprintf("The price %s is not active.", d.price.id))
			}
		case pd >= 0:
			if f.nodes[pd].kind != kindHash {
				return nil, invalidParam(name+"[price_data]", "Invalid hash: price_data must be a hash.")
			}
			in := priceInput{currency: childVal(f, pd, "currency"), productID: childVal(f, pd, "product")}
			if pdd := f.child(pd, "product_data"); pdd >= 0 {
				in.productName = childVal(f, pdd, "name")
				if in.productName == "" {
					return nil, missingParam(name + "[price_data][product_data][name]")
				}
			}
			ua := childVal(f, pd, "unit_amount")
			if ua == "" {
				return nil, missingParam(name + "[price_data][unit_amount]")
			}
			amt, err := strconv.ParseInt(ua, 10, 64)
			if err != nil {
				return nil, invalidInteger(name+"[price_data][unit_amount]", ua)
			}
			in.unitAmount = amt
			pdName := name + "[price_data]"
			if e := checkPriceInput(in, pdName); e != nil {
				return nil, e
			}
			var e *apiError
			if d.currency, d.product, e = p.checkPriceRefsLocked(in, pdName); e != nil {
				return nil, e
			}
			d.in = in
		default:
			return nil, missingParam(name + "[price]")
		}
		items = append(items, d)
	}
	if len(items) == 0 {
		return nil, missingParam("line_items")
	}
	return items, nil
}

// readPIData reads payment_intent_data: metadata, capture_method and
// description are kept; the other documented keys are accepted.
func readPIData(f *form, s *checkoutSession) *apiError {
	n := f.lookup("payment_intent_data")
	if n < 0 {
		return nil
	}
	if f.nodes[n].kind != kindHash {
		return invalidParam("payment_intent_data", "Invalid hash: payment_intent_data must be a hash.")
	}
	for k := f.nodes[n].first; k >= 0; k = f.nodes[k].next {
		nd := f.nodes[k]
		name := "payment_intent_data[" + truncateForMsg(nd.name) + "]"
		switch nd.name {
		case "metadata":
			if nd.kind != kindHash {
				return invalidParam(name, "Invalid hash: metadata must be a hash.")
			}
			for m := nd.first; m >= 0; m = f.nodes[m].next {
				if f.nodes[m].kind != kindValue {
					return invalidParam(name, "Invalid hash: metadata values must be strings.")
				}
				if len(f.nodes[m].name) > 40 || len(f.nodes[m].val) > 500 {
					return invalidParam(name, "Invalid metadata: keys are at most 40 characters, values at most 500.")
				}
				s.piMetadata = setMetadata(s.piMetadata, []pair{{f.nodes[m].name, f.nodes[m].val}}, false)
			}
		case "capture_method":
			switch nd.val {
			case "automatic", "automatic_async", "manual":
				s.piCapture = nd.val
			default:
				return invalidParam(name, "Invalid payment_intent_data[capture_method]: must be one of automatic, automatic_async, manual")
			}
		case "description":
			s.piDescription = nd.val
		case "application_fee_amount", "on_behalf_of", "receipt_email", "setup_future_usage", "shipping", "statement_descriptor",
			"statement_descriptor_suffix", "transfer_data", "transfer_group":
		default:
			return unknownParam(name)
		}
	}
	return nil
}

func (p *Provider) sessionCreate(c *call) *result {
	f := c.f
	mode, ok, e := f.strParam("mode")
	if e != nil {
		return p.errResult(c, e)
	}
	if !ok {
		return p.errResult(c, missingParam("mode"))
	}
	if mode != "payment" {
		return p.errResult(c, invalidParam("mode", fmt.Sprintf("Invalid mode %q: this provider serves mode=payment only (setup and subscription are not supported).", truncateForMsg(mode))))
	}
	s := &checkoutSession{status: sessionOpen, paymentStatus: "unpaid"}
	for _, fld := range []struct {
		name string
		dst  *string
	}{{"customer", &s.customer}, {"customer_email", &s.customerEmail}, {"success_url", &s.successURL}, {"cancel_url", &s.cancelURL}, {"client_reference_id", &s.clientRef}} {
		if *fld.dst, _, e = f.strParam(fld.name); e != nil {
			return p.errResult(c, e)
		}
	}
	if s.customer != "" && s.customerEmail != "" {
		return p.errResult(c, exclusiveParams("customer", "customer_email"))
	}
	if len(s.clientRef) > 200 {
		return p.errResult(c, invalidParam("client_reference_id", "client_reference_id must be at most 200 characters."))
	}
	// ui_mode is hosted/embedded/custom up to the clover API versions,
	// hosted_page/embedded_page/elements since; the answer says null (the
	// default, hosted), which both accept.
	if ui, _, e := f.enumParam("ui_mode", "hosted", "embedded", "custom", "hosted_page", "embedded_page", "elements"); e != nil {
		return p.errResult(c, e)
	} else if ui != "" && ui != "hosted" && ui != "hosted_page" {
		return p.errResult(c, invalidParam("ui_mode", "This provider serves hosted Checkout only (ui_mode=hosted)."))
	}
	if s.successURL == "" {
		return p.errResult(c, missingParam("success_url"))
	}
	for _, u := range []struct{ name, v string }{{"success_url", s.successURL}, {"cancel_url", s.cancelURL}} {
		if u.v != "" && !strings.HasPrefix(u.v, "http://") && !strings.HasPrefix(u.v, "https://") {
			return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "url_invalid", param: u.name,
				message: "Not a valid URL"})
		}
	}
	md, _, _, e := f.metadataParam()
	if e != nil {
		return p.errResult(c, e)
	}
	s.metadata = setMetadata(nil, md, false)
	if e := readPIData(f, s); e != nil {
		return p.errResult(c, e)
	}
	types, _, e := f.list("payment_method_types")
	if e != nil {
		return p.errResult(c, e)
	}
	for _, t := range types {
		if t != "card" {
			return p.errResult(c, invalidParam("payment_method_types", fmt.Sprintf("The payment method type %q is invalid. This provider supports card only.", truncateForMsg(t))))
		}
	}
	x, e := readSessionExpand(f)
	if e != nil {
		return p.errResult(c, e)
	}
	exp, hasExp, e := f.int64Param("expires_at")
	if e != nil {
		return p.errResult(c, e)
	}
	now := p.nowFor(c)
	s.created = now.Unix()
	s.expiresAt = now.Add(sessionDefaultTTL).Unix()
	if hasExp {
		if exp < now.Add(sessionMinTTL).Unix() || exp > s.expiresAt {
			return p.errResult(c, invalidParam("expires_at", "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation."))
		}
		s.expiresAt = exp
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if s.customer != "" {
		if cu := p.customerLocked(s.customer); cu == nil || cu.deleted {
			return p.errResult(c, resourceMissing("customer", "customer", s.customer))
		}
	}
	drafts, e := p.readLineItemsLocked(c)
	if e != nil {
		return p.errResult(c, e)
	}
	s.currency, _ = drafts[0].unit()
	for _, d := range drafts {
		cur, amt := d.unit()
		if cur != s.currency {
			return p.errResult(c, invalidParam("line_items", "All line items must have the same currency."))
		}
		s.amountTotal += amt * d.quantity
	}
	// A free order (a total of 0) is completed without a card, as
	// no_payment_required.
	if s.amountTotal != 0 {
		if e := checkAmount("line_items", s.amountTotal, s.currency); e != nil {
			return p.errResult(c, e)
		}
	}
	// Everything is checked: now the prices of price_data are made.
	fl := &p.st.fl
	s.seq = len(fl.sessions)
	s.id = p.ids.object(prefixSession, p.st.gen, s.seq)
	for i, d := range drafts {
		pr := d.price
		if pr == nil {
			pr = p.makePriceLocked(c, d.in, d.currency, d.product, nil)
		}
		s.items = append(s.items, lineItem{id: p.ids.object(prefixLineItem, p.st.gen, s.seq*1000+i), price: pr, quantity: d.quantity})
	}
	s.url = p.hostedURL(c.r, s.id)
	fl.sessions = append(fl.sessions, s)
	if d := time.Duration(s.expiresAt-now.Unix()) * time.Second; d > 0 {
		p.sched.after(d, p.expireDueSessions)
	}
	return jsonResult(p.sessionJSONLocked(s, x))
}

// hostedURL is the address of the session's page: the provider's base URL
// (WithHostedURL), or else the address the request reached.
func (p *Provider) hostedURL(r *http.Request, id string) string {
	base := p.cfg.hostedBase
	if base == "" {
		scheme := "http://"
		if r.TLS != nil {
			scheme = "https://"
		}
		base = scheme + r.Host
	}
	return strings.TrimRight(base, "/") + hostedPrefix + id
}

func (p *Provider) sessionRetrieve(c *call) *result {
	x, e := readSessionExpand(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s, e := p.pathSessionLocked(c)
	if e != nil {
		return p.errResult(c, e)
	}
	return jsonResult(p.sessionJSONLocked(s, x))
}

func (p *Provider) sessionList(c *call) *result {
	lp, e := readListParams(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	var filt struct{ customer, pi, status string }
	for _, fld := range []struct {
		name string
		dst  *string
	}{{"customer", &filt.customer}, {"payment_intent", &filt.pi}} {
		if *fld.dst, _, e = c.f.strParam(fld.name); e != nil {
			return p.errResult(c, e)
		}
	}
	if filt.status, _, e = c.f.enumParam("status", sessionOpen, sessionComplete, sessionExpired); e != nil {
		return p.errResult(c, e)
	}
	x, e := readSessionExpand(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	page, hasMore, e := listPage(p, p.st.fl.sessions, prefixSession, lp, func(s *checkoutSession) bool {
		return lp.createdOK(s.created) && (filt.customer == "" || s.customer == filt.customer) &&
			(filt.status == "" || s.status == filt.status) && (filt.pi == "" || s.pi != nil && s.pi.id == filt.pi)
	}, "checkout.session")
	if e != nil {
		return p.errResult(c, e)
	}
	out := make([]sessionObject, len(page))
	for i, s := range page {
		out[i] = p.sessionJSONLocked(s, x)
	}
	return jsonResult(newList(out, hasMore, "/v1/checkout/sessions"))
}

func (p *Provider) sessionLineItems(c *call) *result {
	lp, e := readListParams(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s, e := p.pathSessionLocked(c)
	if e != nil {
		return p.errResult(c, e)
	}
	// Line items keep the order they were given in.
	start := 0
	if lp.startingAfter != "" {
		start = -1
		for i, li := range s.items {
			if li.id == lp.startingAfter {
				start = i + 1
			}
		}
		if start < 0 {
			return p.errResult(c, resourceMissing("line_item", "starting_after", lp.startingAfter))
		}
	}
	end := min(start+lp.limit, len(s.items))
	out := make([]lineItemObject, 0, end-start)
	for _, li := range s.items[start:end] {
		out = append(out, li.object())
	}
	return jsonResult(newList(out, end < len(s.items), "/v1/checkout/sessions/"+s.id+"/line_items"))
}

func (p *Provider) sessionExpire(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, e := p.pathSessionLocked(c)
	if e != nil {
		return p.errResult(c, e)
	}
	if s.status != sessionOpen {
		return p.errResult(c, &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "checkout_session_unexpected_state",
			message: fmt.Sprintf("Only Checkout Sessions with a status of open can be expired. This Checkout Session has a status of %s.", s.status), save: true})
	}
	p.expireSessionLocked(c, s)
	return jsonResult(p.sessionJSONLocked(s, sessionExpand{}))
}

// expireSessionLocked ends an open session; its PaymentIntent, if one
// was started and is not paid, is canceled.
func (p *Provider) expireSessionLocked(c *call, s *checkoutSession) {
	s.status = sessionExpired
	if pi := s.pi; pi != nil {
		switch pi.status {
		case statusRequiresPaymentMethod, statusRequiresConfirmation, statusRequiresAction:
			p.cancelLocked(c, pi, "abandoned")
		}
	}
	p.emitSessionLocked(c, "checkout.session.expired", s)
}

// expireDueSessions expires the open sessions whose expires_at has come
// on the provider's clock. It runs when the clock moves and when a
// session's time runs out.
func (p *Provider) expireDueSessions() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.now().Unix()
	for _, s := range p.st.fl.sessions {
		if s.status == sessionOpen && s.expiresAt <= now {
			p.expireSessionLocked(nil, s)
		}
	}
}

// startSessionPILocked makes the session's PaymentIntent on the first card
// the customer submits.
func (p *Provider) startSessionPILocked(c *call, s *checkoutSession) *paymentIntent {
	if s.pi != nil {
		return s.pi
	}
	now := p.nowFor(c)
	pi := p.st.pis.new()
	*pi = paymentIntent{amount: s.amountTotal, currency: s.currency, captureMethod: s.piCapture, createdNs: now.UnixNano(),
		metadata: s.piMetadata, pmTypes: cardOnly, status: statusRequiresPaymentMethod,
		x: &piExtra{customer: s.customer, description: s.piDescription, returnURL: s.url}}
	if pi.captureMethod == "" {
		pi.captureMethod = "automatic_async"
	}
	pi.seq = len(p.st.piOrder)
	pi.id = p.ids.object(prefixPI, p.st.gen, pi.seq)
	p.st.piOrder = append(p.st.piOrder, pi)
	s.pi = pi
	if p.st.fl.sessByPI == nil {
		p.st.fl.sessByPI = make(map[*paymentIntent]*checkoutSession)
	}
	p.st.fl.sessByPI[pi] = s
	p.emitPILocked(c, "payment_intent.created", pi)
	return pi
}

// sessionFollowPILocked moves a session along with its PaymentIntent
// (called for every PaymentIntent event once a session has one).
func (p *Provider) sessionFollowPILocked(c *call, typ string, pi *paymentIntent) {
	s := p.st.fl.sessByPI[pi]
	if s == nil {
		return
	}
	switch typ {
	case "payment_intent.succeeded":
		switch {
		case s.status == sessionOpen:
			s.status, s.paymentStatus = sessionComplete, "paid"
			p.emitSessionLocked(c, "checkout.session.completed", s)
		case s.status == sessionComplete && s.paymentStatus == "unpaid":
			s.paymentStatus = "paid"
			if s.async {
				p.emitSessionLocked(c, "checkout.session.async_payment_succeeded", s)
			}
		}
	case "payment_intent.processing":
		if s.status == sessionOpen {
			s.status, s.async = sessionComplete, true
			p.emitSessionLocked(c, "checkout.session.completed", s)
		}
	case "payment_intent.amount_capturable_updated":
		if s.status == sessionOpen {
			s.status = sessionComplete
			p.emitSessionLocked(c, "checkout.session.completed", s)
		}
	case "payment_intent.payment_failed":
		if s.status == sessionComplete && s.async && s.paymentStatus == "unpaid" {
			s.async = false
			p.emitSessionLocked(c, "checkout.session.async_payment_failed", s)
		}
	}
}

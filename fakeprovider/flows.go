package fakeprovider

import (
	"encoding/json"
	"net/http"
	"strings"
)

// flows is the state of the objects real integrations use around their
// payments: Customers and their saved PaymentMethods, Products and Prices
// for Checkout's line items, and Checkout Sessions. They are rare next to
// PaymentIntents, so they are rendered with encoding/json from structs in
// Stripe's shapes (flowobjects.go) instead of hand-written appenders.
// Guarded by Provider.mu, reset with the rest of state.
type flows struct {
	customers []*customer
	pms       []*storedPM
	products  []*product
	prices    []*price
	sessions  []*checkoutSession
	// sessByPI finds the Checkout Session a PaymentIntent pays; nil until
	// the first session has one, so PaymentIntent events skip it.
	sessByPI map[*paymentIntent]*checkoutSession
}

// objSnap is an event's object of a kind rendered with encoding/json.
type objSnap struct {
	id   string
	body []byte
}

// Id prefixes of the objects in flows.
const (
	prefixCustomer = "cus_"
	prefixPM       = "pm_"
	prefixProduct  = "prod_"
	prefixPrice    = "price_"
	prefixSession  = "cs_test_"
	prefixLineItem = "li_"
)

// emitObjLocked records an event about obj (marshalled now, so later
// changes do not show in it).
func (p *Provider) emitObjLocked(c *call, typ, id string, obj any) {
	body, err := json.Marshal(obj)
	if err != nil {
		body = []byte(`{}`)
	}
	p.emitLocked(c, event{typ: typ, x: &objSnap{id: id, body: body}})
}

// jsonResult is a 200 answer with v marshalled.
func jsonResult(v any) *result {
	b, err := json.Marshal(v)
	if err != nil {
		return &result{status: http.StatusInternalServerError, body: []byte(`{"error":{"type":"api_error","message":"An object could not be rendered."}}`)}
	}
	return okResult(b)
}

// listEnvelope is Stripe's list object around rendered objects.
type listEnvelope[T any] struct {
	Object  string `json:"object"`
	Data    []T    `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

func newList[T any](data []T, hasMore bool, url string) listEnvelope[T] {
	if data == nil {
		data = []T{}
	}
	return listEnvelope[T]{Object: "list", Data: data, HasMore: hasMore, URL: url}
}

// prepareCall runs before a handler for what Stripe checks in front of
// the endpoints: a publishable key names a PaymentIntent's client_secret,
// and payment_method_data, tokens and saved PaymentMethods resolve to the
// test card that decides the payment.
func (p *Provider) prepareCall(c *call) *apiError {
	if c.keyInForm {
		if e := p.keyFromForm(c); e != nil {
			return e
		}
	}
	if c.publishable {
		if e := p.checkClientSecret(c); e != nil {
			return e
		}
	}
	switch c.route {
	case routePICreate, routePIConfirm, routePIUpdate:
		return p.resolvePaymentMethod(c)
	}
	return nil
}

// matchFlowRoute maps the paths of flows (rest is the path after /v1/).
func matchFlowRoute(method, rest string) (routeID, string, bool) {
	coll, tail, slash := strings.Cut(rest, "/")
	switch coll {
	case "customers", "payment_methods", "products", "prices", "checkout":
	default:
		return routeNone, "", false
	}
	if coll == "checkout" {
		var ok bool
		if tail, ok = strings.CutPrefix(tail, "sessions"); !ok || tail != "" && tail[0] != '/' {
			return routeNone, "", true
		}
		tail, slash = strings.CutPrefix(tail, "/")
		coll = "checkout/sessions"
	}
	id, action, act := strings.Cut(tail, "/")
	if pm, ok := strings.CutPrefix(action, "payment_methods/"); ok && coll == "customers" && method == http.MethodGet &&
		id != "" && pm != "" && strings.IndexByte(pm, '/') < 0 {
		return routeCustomerPMRetrieve, id, true // the PaymentMethod id is read from the path
	}
	if slash && id == "" || act && (action == "" || strings.IndexByte(action, '/') >= 0) {
		return routeNone, "", true
	}
	get, post, del := method == http.MethodGet, method == http.MethodPost, method == http.MethodDelete
	rt := routeNone
	switch coll {
	case "customers":
		switch {
		case !slash && post:
			rt = routeCustomerCreate
		case !slash && get:
			rt = routeCustomerList
		case !act && id == "search" && get:
			rt = routeCustomerSearch
		case !act && get:
			rt = routeCustomerRetrieve
		case !act && post:
			rt = routeCustomerUpdate
		case !act && del:
			rt = routeCustomerDelete
		case get && action == "payment_methods":
			rt = routeCustomerPMList
		}
	case "payment_methods":
		switch {
		case !slash && post:
			rt = routePMCreate
		case !slash && get:
			rt = routePMList
		case !act && get:
			rt = routePMRetrieve
		case post && action == "attach":
			rt = routePMAttach
		case post && action == "detach":
			rt = routePMDetach
		}
	case "products":
		switch {
		case !slash && post:
			rt = routeProductCreate
		case !slash && get:
			rt = routeProductList
		case !act && get:
			rt = routeProductRetrieve
		}
	case "prices":
		switch {
		case !slash && post:
			rt = routePriceCreate
		case !slash && get:
			rt = routePriceList
		case !act && get:
			rt = routePriceRetrieve
		}
	case "checkout/sessions":
		switch {
		case !slash && post:
			rt = routeCheckoutCreate
		case !slash && get:
			rt = routeCheckoutList
		case !act && get:
			rt = routeCheckoutRetrieve
		case get && action == "line_items":
			rt = routeCheckoutLineItems
		case post && action == "expire":
			rt = routeCheckoutExpire
		}
	}
	if rt == routeNone {
		return routeNone, "", true
	}
	return rt, id, true
}

// addFlowRoutes adds the routes of flows to the route table.
func addFlowRoutes(t *[numRoutes]route) {
	add := func(id routeID, method, path string, h func(*Provider, *call) *result, params map[string]paramSpec) {
		t[id] = route{pattern: method + " " + path, method: method, handle: h, params: params}
	}
	address := paramSpec{kind: pHash, subs: []string{"city", "country", "line1", "line2", "postal_code", "state"}}
	custParams := func() map[string]paramSpec {
		return specs(map[string]paramSpec{"email": scalar, "name": scalar, "description": scalar, "phone": scalar,
			"metadata": meta, "payment_method": scalar, "address": address, "shipping": anyP, "invoice_settings": anyP,
			"preferred_locales": list, "tax_exempt": scalar, "balance": scalar, "invoice_prefix": scalar, "source": scalar,
			"tax": anyP, "tax_id_data": anyP, "test_clock": scalar, "next_invoice_sequence": scalar, "cash_balance": anyP,
			"individual_name": scalar, "business_name": scalar, "coupon": scalar, "promotion_code": scalar, "default_source": scalar})
	}
	add(routeCustomerCreate, http.MethodPost, "/v1/customers", (*Provider).customerCreate, custParams())
	add(routeCustomerList, http.MethodGet, "/v1/customers", (*Provider).customerList, withList(map[string]paramSpec{"email": scalar, "test_clock": scalar}))
	add(routeCustomerSearch, http.MethodGet, "/v1/customers/search", (*Provider).customerSearch, specs(map[string]paramSpec{"query": scalar, "limit": scalar, "page": scalar}))
	add(routeCustomerRetrieve, http.MethodGet, "/v1/customers/{id}", (*Provider).customerRetrieve, specs(map[string]paramSpec{}))
	add(routeCustomerUpdate, http.MethodPost, "/v1/customers/{id}", (*Provider).customerUpdate, custParams())
	for _, k := range []string{"bank_account", "card", "default_alipay_account", "default_bank_account", "default_card"} {
		t[routeCustomerUpdate].params[k] = anyP
	}
	add(routeCustomerDelete, http.MethodDelete, "/v1/customers/{id}", (*Provider).customerDelete, map[string]paramSpec{})
	add(routeCustomerPMList, http.MethodGet, "/v1/customers/{id}/payment_methods", (*Provider).customerPMList,
		withList(map[string]paramSpec{"type": scalar, "allow_redisplay": scalar}))
	add(routeCustomerPMRetrieve, http.MethodGet, "/v1/customers/{id}/payment_methods/{payment_method}", (*Provider).customerPMRetrieve, specs(map[string]paramSpec{}))

	card := paramSpec{kind: pHash, subs: []string{"token", "number", "exp_month", "exp_year", "cvc", "networks"}}
	add(routePMCreate, http.MethodPost, "/v1/payment_methods", (*Provider).pmCreate, specs(map[string]paramSpec{
		"type": scalar, "card": card, "billing_details": anyP, "metadata": meta, "customer": scalar, "payment_method": scalar,
		"allow_redisplay": scalar, "radar_options": anyP}))
	// The other payment method types' details: taken, and refused by type
	// (card only) with a clear message.
	for _, k := range strings.Fields(`acss_debit affirm afterpay_clearpay alipay alma amazon_pay au_becs_debit bacs_debit bancontact
		billie bizum blik boleto cashapp crypto custom customer_balance eps fpx giropay grabpay ideal interac_present kakao_pay klarna
		konbini kr_card link mb_way mobilepay multibanco naver_pay nz_bank_account oxxo p24 pay_by_bank payco paynow paypal payto pix
		promptpay revolut_pay samsung_pay satispay scalapay sepa_debit sofort sunbit swish twint upi us_bank_account wechat_pay zip`) {
		t[routePMCreate].params[k] = anyP
	}
	add(routePMList, http.MethodGet, "/v1/payment_methods", (*Provider).pmList, withList(map[string]paramSpec{"customer": scalar, "customer_account": scalar, "type": scalar, "allow_redisplay": scalar}))
	add(routePMRetrieve, http.MethodGet, "/v1/payment_methods/{id}", (*Provider).pmRetrieve, specs(map[string]paramSpec{}))
	add(routePMAttach, http.MethodPost, "/v1/payment_methods/{id}/attach", (*Provider).pmAttach, specs(map[string]paramSpec{"customer": scalar, "customer_account": scalar}))
	add(routePMDetach, http.MethodPost, "/v1/payment_methods/{id}/detach", (*Provider).pmDetach, specs(map[string]paramSpec{}))

	add(routeProductCreate, http.MethodPost, "/v1/products", (*Provider).productCreate, specs(map[string]paramSpec{
		"name": scalar, "id": scalar, "active": scalar, "description": scalar, "metadata": meta, "images": list,
		"url": scalar, "unit_label": scalar, "statement_descriptor": scalar, "shippable": scalar, "tax_code": scalar,
		"default_price_data": anyP, "marketing_features": anyP, "package_dimensions": anyP}))
	add(routeProductList, http.MethodGet, "/v1/products", (*Provider).productList, withList(map[string]paramSpec{"active": scalar, "ids": list, "shippable": scalar, "url": scalar}))
	add(routeProductRetrieve, http.MethodGet, "/v1/products/{id}", (*Provider).productRetrieve, specs(map[string]paramSpec{}))
	add(routePriceCreate, http.MethodPost, "/v1/prices", (*Provider).priceCreate, specs(map[string]paramSpec{
		"currency": scalar, "unit_amount": scalar, "unit_amount_decimal": scalar, "product": scalar, "product_data": anyP,
		"active": scalar, "metadata": meta, "nickname": scalar, "lookup_key": scalar, "tax_behavior": scalar,
		"billing_scheme": scalar, "recurring": anyP, "currency_options": anyP, "custom_unit_amount": anyP,
		"tiers": anyP, "tiers_mode": scalar, "transfer_lookup_key": scalar, "transform_quantity": anyP}))
	add(routePriceList, http.MethodGet, "/v1/prices", (*Provider).priceList, withList(map[string]paramSpec{
		"active": scalar, "currency": scalar, "product": scalar, "type": scalar, "lookup_keys": list, "recurring": anyP}))
	add(routePriceRetrieve, http.MethodGet, "/v1/prices/{id}", (*Provider).priceRetrieve, specs(map[string]paramSpec{}))

	add(routeCheckoutCreate, http.MethodPost, "/v1/checkout/sessions", (*Provider).sessionCreate, specs(map[string]paramSpec{
		"mode": scalar, "line_items": anyP, "customer": scalar, "customer_email": scalar, "success_url": scalar,
		"cancel_url": scalar, "metadata": meta, "client_reference_id": scalar, "payment_intent_data": anyP,
		"payment_method_types": list, "expires_at": scalar, "locale": scalar, "submit_type": scalar, "currency": scalar,
		"customer_creation": scalar, "billing_address_collection": scalar, "allow_promotion_codes": scalar,
		"automatic_tax": anyP, "phone_number_collection": anyP, "shipping_address_collection": anyP, "ui_mode": scalar,
		"return_url": scalar, "redirect_on_completion": scalar, "payment_method_options": anyP, "custom_text": anyP,
		"custom_fields": anyP, "consent_collection": anyP, "invoice_creation": anyP, "tax_id_collection": anyP,
		"discounts": anyP, "shipping_options": anyP, "after_expiration": anyP, "customer_update": anyP,
		"payment_method_collection": scalar, "payment_method_configuration": scalar, "saved_payment_method_options": anyP,
		"adaptive_pricing": anyP, "optional_items": anyP, "branding_settings": anyP, "name_collection": anyP,
		"origin_context": scalar, "permissions": anyP, "wallet_options": anyP, "excluded_payment_method_types": list,
		"customer_account": scalar, "integration_identifier": scalar, "managed_payments": anyP, "payment_method_data": anyP,
		"setup_intent_data": anyP, "subscription_data": anyP}))
	add(routeCheckoutList, http.MethodGet, "/v1/checkout/sessions", (*Provider).sessionList, withList(map[string]paramSpec{
		"customer": scalar, "customer_account": scalar, "customer_details": anyP, "payment_intent": scalar, "payment_link": scalar, "status": scalar, "subscription": scalar}))
	add(routeCheckoutRetrieve, http.MethodGet, "/v1/checkout/sessions/{id}", (*Provider).sessionRetrieve, specs(map[string]paramSpec{}))
	add(routeCheckoutLineItems, http.MethodGet, "/v1/checkout/sessions/{id}/line_items", (*Provider).sessionLineItems, withList(map[string]paramSpec{}))
	add(routeCheckoutExpire, http.MethodPost, "/v1/checkout/sessions/{id}/expire", (*Provider).sessionExpire, specs(map[string]paramSpec{}))

	// The hosted page is the customer's, not the API's: no key and no
	// idempotency, but its routes can be chosen by faults.
	add(routeHostedPage, http.MethodGet, hostedPrefix+"{id}", (*Provider).hostedPage, map[string]paramSpec{})
	add(routeHostedSubmit, http.MethodPost, hostedPrefix+"{id}", (*Provider).hostedSubmit, map[string]paramSpec{
		"card": scalar, "email": scalar, "exp": scalar, "cvc": scalar, "name": scalar, "postal_code": scalar})
	add(routeHostedAuth, http.MethodPost, hostedPrefix+"{id}/authenticate", (*Provider).hostedAuth, map[string]paramSpec{"result": scalar})

	// The browser's side of the Payment Element flow, and cards given as
	// payment_method_data.
	for _, rt := range []routeID{routePIRetrieve, routePIConfirm, routePMCreate} {
		t[rt].publishable = true
		t[rt].params["key"] = scalar // Stripe.js sends its key as a parameter
	}
	t[routePIConfirm].params["expected_payment_method_type"] = scalar
	t[routePICreate].params["payment_method_data"] = anyP
	t[routePIConfirm].params["payment_method_data"] = anyP
}

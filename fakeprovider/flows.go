package fakeprovider

import (
	"encoding/json"
	"net/http"
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

// appendJSON appends v marshalled, or {} should it not marshal (the
// structs of flows always do).
func appendJSON(b []byte, v any) []byte {
	j, err := json.Marshal(v)
	if err != nil {
		return append(b, "{}"...)
	}
	return append(b, j...)
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
// the endpoints: a publishable key names a PaymentIntent's client_secret.
func (p *Provider) prepareCall(c *call) *apiError {
	if c.publishable {
		if e := p.checkClientSecret(c); e != nil {
			return e
		}
	}
	return nil
}

// addFlowRoutes adds the routes of flows to the route table. Their
// parameters come from Stripe's spec, like the rest; only the hosted page,
// which is not in the spec, lists its own.
func addFlowRoutes(t *[numRoutes]route) {
	add := func(id routeID, method, path string, h func(*Provider, *call) *result) {
		t[id] = route{pattern: method + " " + path, method: method, handle: h}
	}
	add(routeCustomerCreate, http.MethodPost, "/v1/customers", (*Provider).customerCreate)
	add(routeCustomerList, http.MethodGet, "/v1/customers", (*Provider).customerList)
	add(routeCustomerSearch, http.MethodGet, "/v1/customers/search", (*Provider).customerSearch)
	add(routeCustomerRetrieve, http.MethodGet, "/v1/customers/{id}", (*Provider).customerRetrieve)
	add(routeCustomerUpdate, http.MethodPost, "/v1/customers/{id}", (*Provider).customerUpdate)
	add(routeCustomerDelete, http.MethodDelete, "/v1/customers/{id}", (*Provider).customerDelete)
	add(routeCustomerPMList, http.MethodGet, "/v1/customers/{id}/payment_methods", (*Provider).customerPMList)
	add(routeCustomerPMRetrieve, http.MethodGet, "/v1/customers/{id}/payment_methods/{payment_method}", (*Provider).customerPMRetrieve)
	add(routePMCreate, http.MethodPost, "/v1/payment_methods", (*Provider).pmCreate)
	add(routePMList, http.MethodGet, "/v1/payment_methods", (*Provider).pmList)
	add(routePMRetrieve, http.MethodGet, "/v1/payment_methods/{id}", (*Provider).pmRetrieve)
	add(routePMAttach, http.MethodPost, "/v1/payment_methods/{id}/attach", (*Provider).pmAttach)
	add(routePMDetach, http.MethodPost, "/v1/payment_methods/{id}/detach", (*Provider).pmDetach)
	add(routeProductCreate, http.MethodPost, "/v1/products", (*Provider).productCreate)
	add(routeProductList, http.MethodGet, "/v1/products", (*Provider).productList)
	add(routeProductRetrieve, http.MethodGet, "/v1/products/{id}", (*Provider).productRetrieve)
	add(routePriceCreate, http.MethodPost, "/v1/prices", (*Provider).priceCreate)
	add(routePriceList, http.MethodGet, "/v1/prices", (*Provider).priceList)
	add(routePriceRetrieve, http.MethodGet, "/v1/prices/{id}", (*Provider).priceRetrieve)
	add(routeCheckoutCreate, http.MethodPost, "/v1/checkout/sessions", (*Provider).sessionCreate)
	add(routeCheckoutList, http.MethodGet, "/v1/checkout/sessions", (*Provider).sessionList)
	add(routeCheckoutRetrieve, http.MethodGet, "/v1/checkout/sessions/{id}", (*Provider).sessionRetrieve)
	add(routeCheckoutLineItems, http.MethodGet, "/v1/checkout/sessions/{id}/line_items", (*Provider).sessionLineItems)
	add(routeCheckoutExpire, http.MethodPost, "/v1/checkout/sessions/{id}/expire", (*Provider).sessionExpire)

	// The hosted page is the customer's, not the API's: no key and no
	// idempotency, but its routes can be chosen by faults.
	add(routeHostedPage, http.MethodGet, hostedPrefix+"{id}", (*Provider).hostedPage)
	add(routeHostedSubmit, http.MethodPost, hostedPrefix+"{id}", (*Provider).hostedSubmit)
	add(routeHostedAuth, http.MethodPost, hostedPrefix+"{id}/authenticate", (*Provider).hostedAuth)
	t[routeHostedPage].params = map[string]paramSpec{}
	t[routeHostedSubmit].params = map[string]paramSpec{
		"card": scalar, "email": scalar, "exp": scalar, "cvc": scalar, "name": scalar, "postal_code": scalar}
	t[routeHostedAuth].params = map[string]paramSpec{"result": scalar}

	// The browser's side of the Payment Element flow. Stripe.js sends its
	// key as the key parameter, which the spec does not list (decodeInto).
	for _, rt := range []routeID{routePIRetrieve, routePIConfirm, routePMCreate} {
		t[rt].publishable = true
	}
}

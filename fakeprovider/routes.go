package fakeprovider

import (
	"net/http"
	"strings"
)

// routeID names one API route; the zero value is "no such route".
type routeID uint8

const (
	routeNone routeID = iota
	routePICreate
	routePIList
	routePISearch
	routePIRetrieve
	routePIUpdate
	routePIConfirm
	routePICapture
	routePICancel
	routeChargeList
	routeChargeRetrieve
	routeRefundCreate
	routeRefundList
	routeRefundRetrieve
	routeRefundUpdate
	routeRefundCancel
	routeEventList
	routeEventRetrieve
	// Customers, PaymentMethods, Products, Prices, Checkout Sessions and
	// the hosted payment page (flowroutes.go).
	routeCustomerCreate
	routeCustomerList
	routeCustomerSearch
	routeCustomerRetrieve
	routeCustomerUpdate
	routeCustomerDelete
	routeCustomerPMList
	routeCustomerPMRetrieve
	routePMCreate
	routePMList
	routePMRetrieve
	routePMAttach
	routePMDetach
	routeProductCreate
	routeProductList
	routeProductRetrieve
	routePriceCreate
	routePriceList
	routePriceRetrieve
	routeCheckoutCreate
	routeCheckoutList
	routeCheckoutRetrieve
	routeCheckoutLineItems
	routeCheckoutExpire
	routeHostedPage
	routeHostedSubmit
	routeHostedAuth
	numRoutes
)

// paramKind is the shape a parameter may take.
type paramKind uint8

const (
	pScalar paramKind = iota + 1
	pList             // a[0]=x, a[]=x
	pMeta             // metadata[k]=v, any key, string values
	pHash             // a[k]=v for the listed sub-keys only
	pAny              // accepted and ignored, any shape
)

type paramSpec struct {
	kind paramKind
	subs []string // allowed keys of a pHash
}

// route is one entry of the route table.
type route struct {
	pattern string // "METHOD /v1/path/{id}", the name used by faults and counters
	method  string
	handle  func(*Provider, *call) *result
	params  map[string]paramSpec
	// publishable says the route takes a publishable key (pk_test_…),
	// as Stripe.js calls it from a browser.
	publishable bool
}

var (
	scalar  = paramSpec{kind: pScalar}
	list    = paramSpec{kind: pList}
	meta    = paramSpec{kind: pMeta}
	anyP    = paramSpec{kind: pAny}
	created = paramSpec{kind: pHash, subs: []string{"gt", "gte", "lt", "lte"}}
)

func specs(names map[string]paramSpec) map[string]paramSpec {
	names["expand"] = list
	return names
}

var listParamSpecs = map[string]paramSpec{"limit": scalar, "starting_after": scalar, "ending_before": scalar, "created": created}

func withList(m map[string]paramSpec) map[string]paramSpec {
	for k, v := range listParamSpecs {
		m[k] = v
	}
	return specs(m)
}

// routes is the route table, indexed by routeID.
var routes [numRoutes]route

func init() {
	routes = [numRoutes]route{
		routePICreate: {pattern: "POST /v1/payment_intents", method: http.MethodPost, handle: (*Provider).piCreate, params: specs(map[string]paramSpec{
			"amount": scalar, "currency": scalar, "payment_method": scalar, "confirm": scalar, "capture_method": scalar,
			"confirmation_method": scalar, "customer": scalar, "description": scalar, "metadata": meta,
			"payment_method_types": list, "automatic_payment_methods": {kind: pHash, subs: []string{"enabled", "allow_redirects"}},
			"return_url": scalar, "off_session": scalar, "error_on_requires_action": scalar, "receipt_email": scalar,
			"setup_future_usage": scalar, "statement_descriptor": scalar, "statement_descriptor_suffix": scalar,
			"shipping": anyP, "payment_method_options": anyP, "use_stripe_sdk": scalar, "mandate_data": anyP, "radar_options": anyP,
		})},
		routePIList:     {pattern: "GET /v1/payment_intents", method: http.MethodGet, handle: (*Provider).piList, params: withList(map[string]paramSpec{"customer": scalar})},
		routePISearch:   {pattern: "GET /v1/payment_intents/search", method: http.MethodGet, handle: (*Provider).piSearch, params: specs(map[string]paramSpec{"query": scalar, "limit": scalar, "page": scalar})},
		routePIRetrieve: {pattern: "GET /v1/payment_intents/{id}", method: http.MethodGet, handle: (*Provider).piRetrieve, params: specs(map[string]paramSpec{"client_secret": scalar})},
		routePIUpdate: {pattern: "POST /v1/payment_intents/{id}", method: http.MethodPost, handle: (*Provider).piUpdate, params: specs(map[string]paramSpec{
			"amount": scalar, "currency": scalar, "customer": scalar, "description": scalar, "metadata": meta,
			"payment_method": scalar, "payment_method_types": list, "receipt_email": scalar, "setup_future_usage": scalar,
			"statement_descriptor": scalar, "statement_descriptor_suffix": scalar, "capture_method": scalar,
			"shipping": anyP, "payment_method_options": anyP,
		})},
		routePIConfirm: {pattern: "POST /v1/payment_intents/{id}/confirm", method: http.MethodPost, handle: (*Provider).piConfirm, params: specs(map[string]paramSpec{
			"payment_method": scalar, "capture_method": scalar, "return_url": scalar, "off_session": scalar,
			"error_on_requires_action": scalar, "receipt_email": scalar, "setup_future_usage": scalar, "use_stripe_sdk": scalar,
			"client_secret": scalar, "shipping": anyP, "payment_method_options": anyP, "mandate_data": anyP, "radar_options": anyP,
		})},
		routePICapture: {pattern: "POST /v1/payment_intents/{id}/capture", method: http.MethodPost, handle: (*Provider).piCapture, params: specs(map[string]paramSpec{
			"amount_to_capture": scalar, "final_capture": scalar, "metadata": meta, "statement_descriptor": scalar, "statement_descriptor_suffix": scalar,
		})},
		routePICancel:       {pattern: "POST /v1/payment_intents/{id}/cancel", method: http.MethodPost, handle: (*Provider).piCancel, params: specs(map[string]paramSpec{"cancellation_reason": scalar})},
		routeChargeList:     {pattern: "GET /v1/charges", method: http.MethodGet, handle: (*Provider).chargeList, params: withList(map[string]paramSpec{"customer": scalar, "payment_intent": scalar})},
		routeChargeRetrieve: {pattern: "GET /v1/charges/{id}", method: http.MethodGet, handle: (*Provider).chargeRetrieve, params: specs(map[string]paramSpec{})},
		routeRefundCreate: {pattern: "POST /v1/refunds", method: http.MethodPost, handle: (*Provider).refundCreate, params: specs(map[string]paramSpec{
			"amount": scalar, "charge": scalar, "payment_intent": scalar, "reason": scalar, "metadata": meta,
			"instructions_email": scalar, "refund_application_fee": scalar, "reverse_transfer": scalar,
		})},
		routeRefundList:     {pattern: "GET /v1/refunds", method: http.MethodGet, handle: (*Provider).refundList, params: withList(map[string]paramSpec{"charge": scalar, "payment_intent": scalar})},
		routeRefundRetrieve: {pattern: "GET /v1/refunds/{id}", method: http.MethodGet, handle: (*Provider).refundRetrieve, params: specs(map[string]paramSpec{})},
		routeRefundUpdate:   {pattern: "POST /v1/refunds/{id}", method: http.MethodPost, handle: (*Provider).refundUpdate, params: specs(map[string]paramSpec{"metadata": meta})},
		routeRefundCancel:   {pattern: "POST /v1/refunds/{id}/cancel", method: http.MethodPost, handle: (*Provider).refundCancel, params: specs(map[string]paramSpec{})},
		routeEventList: {pattern: "GET /v1/events", method: http.MethodGet, handle: (*Provider).eventList, params: withList(map[string]paramSpec{
			"type": scalar, "types": list, "delivery_success": scalar,
		})},
		routeEventRetrieve: {pattern: "GET /v1/events/{id}", method: http.MethodGet, handle: (*Provider).eventRetrieve, params: specs(map[string]paramSpec{})},
	}
	addFlowRoutes(&routes)
}

// RoutePatterns lists the API routes the provider serves, in the form a
// Fault's Endpoint takes ("POST /v1/payment_intents/{id}/confirm").
func RoutePatterns() []string {
	out := make([]string, 0, numRoutes-1)
	for _, r := range routes[1:] {
		out = append(out, r.pattern)
	}
	return out
}

// routeByPattern finds a route by its pattern.
func routeByPattern(pattern string) routeID {
	for i := routeID(1); i < numRoutes; i++ {
		if routes[i].pattern == pattern {
			return i
		}
	}
	return routeNone
}

// matchRoute maps a method and path to a route and the id in the path.
// It is a hand-written switch, not a regexp table: it runs on every request.
func matchRoute(method, path string) (routeID, string) {
	rest, ok := strings.CutPrefix(path, "/v1/")
	if !ok {
		return routeNone, ""
	}
	if rt, id, ok := matchFlowRoute(method, rest); ok {
		return rt, id
	}
	coll, rest, slash := strings.Cut(rest, "/")
	id, action, act := strings.Cut(rest, "/")
	if slash && id == "" || act && (action == "" || strings.IndexByte(action, '/') >= 0) {
		return routeNone, ""
	}
	get, post := method == http.MethodGet, method == http.MethodPost
	switch coll {
	case "payment_intents":
		switch {
		case !slash && post:
			return routePICreate, ""
		case !slash && get:
			return routePIList, ""
		case !act && id == "search" && get:
			return routePISearch, ""
		case !act && get:
			return routePIRetrieve, id
		case !act && post:
			return routePIUpdate, id
		case post && action == "confirm":
			return routePIConfirm, id
		case post && action == "capture":
			return routePICapture, id
		case post && action == "cancel":
			return routePICancel, id
		}
	case "charges":
		switch {
		case !slash && get:
			return routeChargeList, ""
		case slash && !act && get:
			return routeChargeRetrieve, id
		}
	case "refunds":
		switch {
		case !slash && post:
			return routeRefundCreate, ""
		case !slash && get:
			return routeRefundList, ""
		case !act && get:
			return routeRefundRetrieve, id
		case !act && post:
			return routeRefundUpdate, id
		case post && action == "cancel":
			return routeRefundCancel, id
		}
	case "events":
		switch {
		case !slash && get:
			return routeEventList, ""
		case slash && !act && get:
			return routeEventRetrieve, id
		}
	}
	return routeNone, ""
}

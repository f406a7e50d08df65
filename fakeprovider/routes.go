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
	routeChargeSearch
	routeChargeRetrieve
	routeRefundCreate
	routeRefundList
	routeRefundRetrieve
	routeRefundUpdate
	routeRefundCancel
	routeEventList
	routeEventRetrieve
	// Customers, PaymentMethods, Products, Prices, Checkout Sessions and
	// the hosted payment page (flows.go, hosted.go).
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
	// params are the parameters of a route Stripe's spec does not have
	// (the hosted page); the spec's, when it has the route, take
	// precedence.
	params map[string]paramSpec
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
	// Parameters come from Stripe's spec (specparams.go); params is for a
	// route the spec does not have.
	routes = [numRoutes]route{
		routePICreate:       {pattern: "POST /v1/payment_intents", method: http.MethodPost, handle: (*Provider).piCreate},
		routePIList:         {pattern: "GET /v1/payment_intents", method: http.MethodGet, handle: (*Provider).piList},
		routePISearch:       {pattern: "GET /v1/payment_intents/search", method: http.MethodGet, handle: (*Provider).piSearch},
		routePIRetrieve:     {pattern: "GET /v1/payment_intents/{id}", method: http.MethodGet, handle: (*Provider).piRetrieve},
		routePIUpdate:       {pattern: "POST /v1/payment_intents/{id}", method: http.MethodPost, handle: (*Provider).piUpdate},
		routePIConfirm:      {pattern: "POST /v1/payment_intents/{id}/confirm", method: http.MethodPost, handle: (*Provider).piConfirm},
		routePICapture:      {pattern: "POST /v1/payment_intents/{id}/capture", method: http.MethodPost, handle: (*Provider).piCapture},
		routePICancel:       {pattern: "POST /v1/payment_intents/{id}/cancel", method: http.MethodPost, handle: (*Provider).piCancel},
		routeChargeList:     {pattern: "GET /v1/charges", method: http.MethodGet, handle: (*Provider).chargeList},
		routeChargeSearch:   {pattern: "GET /v1/charges/search", method: http.MethodGet, handle: (*Provider).chargeSearch},
		routeChargeRetrieve: {pattern: "GET /v1/charges/{id}", method: http.MethodGet, handle: (*Provider).chargeRetrieve},
		routeRefundCreate:   {pattern: "POST /v1/refunds", method: http.MethodPost, handle: (*Provider).refundCreate},
		routeRefundList:     {pattern: "GET /v1/refunds", method: http.MethodGet, handle: (*Provider).refundList},
		routeRefundRetrieve: {pattern: "GET /v1/refunds/{id}", method: http.MethodGet, handle: (*Provider).refundRetrieve},
		routeRefundUpdate:   {pattern: "POST /v1/refunds/{id}", method: http.MethodPost, handle: (*Provider).refundUpdate},
		routeRefundCancel:   {pattern: "POST /v1/refunds/{id}/cancel", method: http.MethodPost, handle: (*Provider).refundCancel},
		routeEventList:      {pattern: "GET /v1/events", method: http.MethodGet, handle: (*Provider).eventList},
		routeEventRetrieve:  {pattern: "GET /v1/events/{id}", method: http.MethodGet, handle: (*Provider).eventRetrieve},
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
	coll, rest, slash := strings.Cut(rest, "/")
	if coll == "checkout" { // the one collection of two segments
		coll, rest, slash = "checkout/sessions", "", false
		var tail string
		if tail, ok = strings.CutPrefix(path, "/v1/checkout/sessions"); !ok || tail != "" && tail[0] != '/' {
			return routeNone, ""
		}
		rest, slash = strings.CutPrefix(tail, "/")
	}
	id, action, act := strings.Cut(rest, "/")
	if coll == "customers" && method == http.MethodGet && id != "" {
		// /v1/customers/{id}/payment_methods/{payment_method}: the
		// PaymentMethod id is read from the path by the handler.
		if pm, ok := strings.CutPrefix(action, "payment_methods/"); ok && pm != "" && strings.IndexByte(pm, '/') < 0 {
			return routeCustomerPMRetrieve, id
		}
	}
	if slash && id == "" || act && (action == "" || strings.IndexByte(action, '/') >= 0) {
		return routeNone, ""
	}
	get, post, del := method == http.MethodGet, method == http.MethodPost, method == http.MethodDelete
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
		case !act && id == "search" && get:
			return routeChargeSearch, ""
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
	case "customers":
		switch {
		case !slash && post:
			return routeCustomerCreate, ""
		case !slash && get:
			return routeCustomerList, ""
		case !act && id == "search" && get:
			return routeCustomerSearch, ""
		case !act && get:
			return routeCustomerRetrieve, id
		case !act && post:
			return routeCustomerUpdate, id
		case slash && !act && del:
			return routeCustomerDelete, id
		case get && action == "payment_methods":
			return routeCustomerPMList, id
		}
	case "payment_methods":
		switch {
		case !slash && post:
			return routePMCreate, ""
		case !slash && get:
			return routePMList, ""
		case !act && get:
			return routePMRetrieve, id
		case post && action == "attach":
			return routePMAttach, id
		case post && action == "detach":
			return routePMDetach, id
		}
	case "products":
		switch {
		case !slash && post:
			return routeProductCreate, ""
		case !slash && get:
			return routeProductList, ""
		case !act && get:
			return routeProductRetrieve, id
		}
	case "prices":
		switch {
		case !slash && post:
			return routePriceCreate, ""
		case !slash && get:
			return routePriceList, ""
		case !act && get:
			return routePriceRetrieve, id
		}
	case "checkout/sessions":
		switch {
		case !slash && post:
			return routeCheckoutCreate, ""
		case !slash && get:
			return routeCheckoutList, ""
		case !act && get:
			return routeCheckoutRetrieve, id
		case get && action == "line_items":
			return routeCheckoutLineItems, id
		case post && action == "expire":
			return routeCheckoutExpire, id
		}
	}
	return routeNone, ""
}

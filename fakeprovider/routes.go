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
	// params are the parameters of a route Stripe's spec does not have;
	// the spec's, when it has the route, take precedence.
	params map[string]paramSpec
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
	}
	return routeNone, ""
}

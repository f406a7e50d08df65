package fakeprovider

import (
	"net/http"
	"strings"
	"testing"
)

// TestEveryRouteMatches walks the route table through matchRoute (the
// hosted page's through matchHosted): the two are written apart, and a
// route the matcher does not reach is dead.
func TestEveryRouteMatches(t *testing.T) {
	for rt := routeID(1); rt < numRoutes; rt++ {
		r := routes[rt]
		method, tmpl, ok := strings.Cut(r.pattern, " ")
		if !ok || method != r.method || r.handle == nil {
			t.Errorf("route %d %q: method %q, handler set %v", rt, r.pattern, r.method, r.handle != nil)
			continue
		}
		wantID := ""
		path := tmpl
		if strings.Contains(tmpl, "{id}") {
			wantID = "obj_Ab9"
			path = strings.Replace(tmpl, "{id}", wantID, 1)
		}
		path = strings.Replace(path, "{payment_method}", "pm_Cd7", 1)
		match := matchRoute
		if strings.HasPrefix(tmpl, hostedPrefix) {
			match = matchHosted
			if specFor(rt) != nil || r.params == nil {
				t.Errorf("%s: the hosted page lists its own parameters", r.pattern)
			}
		} else if specFor(rt) == nil {
			t.Errorf("%s: not in Stripe's spec (specparams.json)", r.pattern)
		}
		if got, id := match(method, path); got != rt || id != wantID {
			t.Errorf("%s: matched %q with id %q", r.pattern, routes[got].pattern, id)
		}
		if got := routeByPattern(r.pattern); got != rt {
			t.Errorf("%s: routeByPattern gives %d", r.pattern, got)
		}
		for _, bad := range []string{path + "/", path + "/extra/more", "/v2" + strings.TrimPrefix(path, "/v1")} {
			if got, _ := match(method, bad); got != routeNone {
				t.Errorf("%s %s: matched %s", method, bad, routes[got].pattern)
			}
		}
		other := http.MethodDelete
		if method == http.MethodDelete {
			other = http.MethodPut
		}
		if got, _ := match(other, path); got != routeNone && routes[got].method != other {
			t.Errorf("%s %s: matched %s", other, path, routes[got].pattern)
		}
	}
	for _, path := range []string{"/v1/checkout", "/v1/checkout/sessionsX", "/v1/checkout/other/cs_1", "/v1/checkout/sessions/"} {
		if got, _ := matchRoute(http.MethodGet, path); got != routeNone {
			t.Errorf("GET %s: matched %s", path, routes[got].pattern)
		}
	}
	if got, _ := matchRoute(http.MethodGet, "/v1/charges/search"); got != routeChargeSearch {
		t.Errorf("GET /v1/charges/search: matched %s", routes[got].pattern)
	}
	if got, id := matchRoute(http.MethodGet, "/v1/charges/ch_search"); got != routeChargeRetrieve || id != "ch_search" {
		t.Errorf("GET /v1/charges/ch_search: matched %s %q", routes[got].pattern, id)
	}
}

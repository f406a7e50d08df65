package fakeprovider

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stripe/stripe-go/v84"
)

// opParams lists the parameters the spec defines for an operation
// (query parameters, or the form body's fields), path parameters left out.
func opParams(op *openapi3.Operation) map[string]*openapi3.SchemaRef {
	out := map[string]*openapi3.SchemaRef{}
	for _, p := range op.Parameters {
		if p.Value.In == "query" {
			out[p.Value.Name] = p.Value.Schema
		}
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		if mt := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded"); mt != nil && mt.Schema != nil {
			for n, s := range mt.Schema.Value.Properties {
				out[n] = s
			}
		}
	}
	return out
}

// sampleParam writes name=value pairs that the spec's schema accepts for
// name: the first enum value, the first property of a hash, one element
// of an array.
func sampleParam(v url.Values, name string, s *openapi3.SchemaRef, depth int) {
	if s == nil || s.Value == nil || depth > 8 {
		v.Set(name, "x")
		return
	}
	sc := s.Value
	if len(sc.AnyOf) > 0 {
		for _, b := range sc.AnyOf {
			if b.Value != nil && !(len(b.Value.Enum) == 1 && b.Value.Enum[0] == "") {
				sampleParam(v, name, b, depth)
				return
			}
		}
	}
	switch {
	case len(sc.Enum) > 0:
		v.Set(name, fmt.Sprint(sc.Enum[0]))
	case sc.Type.Is("integer"):
		v.Set(name, "1")
	case sc.Type.Is("number"):
		v.Set(name, "1.5")
	case sc.Type.Is("boolean"):
		v.Set(name, "true")
	case sc.Type.Is("array"):
		sampleParam(v, name+"[0]", sc.Items, depth+1)
	case sc.Type.Is("object") && len(sc.Properties) > 0:
		keys := make([]string, 0, len(sc.Properties))
		for k := range sc.Properties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		k := keys[0]
		for _, r := range sc.Required { // a required field makes a valid hash
			k = r
			break
		}
		for _, r := range sc.Required {
			sampleParam(v, name+"["+r+"]", sc.Properties[r], depth+1)
		}
		if len(sc.Required) == 0 {
			sampleParam(v, name+"["+k+"]", sc.Properties[k], depth+1)
		}
	case sc.Type.Is("object") && sc.AdditionalProperties.Schema != nil:
		sampleParam(v, name+"[k]", sc.AdditionalProperties.Schema, depth+1)
	case sc.Type.Is("object"):
		v.Set(name+"[k]", "v")
	default:
		v.Set(name, "x")
	}
}

// unknownSpecParams sends every parameter the spec defines for every
// served operation, one a request, and lists those the provider refuses
// as unknown.
func unknownSpecParams(t *testing.T) (refused []string, total, ops int) {
	doc, err := openAPI()
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	for rt := routeID(1); rt < numRoutes; rt++ {
		method, tmpl, _ := strings.Cut(routes[rt].pattern, " ")
		if strings.HasPrefix(tmpl, hostedPrefix) {
			continue // the customer's page, not the API
		}
		path := strings.ReplaceAll(tmpl, "{id}", "x_1")
		_, op := specOperation(doc, method, path)
		if op == nil {
			t.Errorf("%s: not in the spec", routes[rt].pattern)
			continue
		}
		ops++
		names := []string{}
		params := opParams(op)
		for n := range params {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			total++
			v := url.Values{}
			sampleParam(v, n, params[n], 0)
			q, body := v.Encode(), ""
			if method == "POST" {
				q, body = "", q
			}
			p := path
			if q != "" {
				p += "?" + q
			}
			status, _, out := h.raw(method, p, body, nil)
			if status >= 500 {
				t.Errorf("%s %s: %d %s", method, p, status, out)
			}
			if strings.Contains(out, `"code":"parameter_unknown"`) {
				refused = append(refused, routes[rt].pattern+" "+n)
			}
		}
	}
	return refused, total, ops
}

// TestEverySpecParamAccepted: no parameter the spec defines for a served
// operation is refused as unknown.
func TestEverySpecParamAccepted(t *testing.T) {
	refused, total, ops := unknownSpecParams(t)
	if len(refused) > 0 {
		t.Errorf("%d of %d spec parameters refused as unknown:\n%s", len(refused), total, strings.Join(refused, "\n"))
	}
	t.Logf("%d spec parameters over %d operations sent; %d refused as unknown", total, ops, len(refused))
}

// TestSpecParamsRejectWhatSpecRejects: names the spec lacks, at any
// depth, and values of the wrong type or shape get Stripe's 400 naming
// the parameter; what the spec allows passes.
func TestSpecParamsRejectWhatSpecRejects(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		method, path, body string
		code, param        string // "" with status 200: accepted
	}{
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&bogus=1", "parameter_unknown", "bogus"},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&payment_method_options[card][bogus]=1", "parameter_unknown", "payment_method_options[card][bogus]"},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&automatic_payment_methods[allow_redirects]=never", "parameter_missing", "automatic_payment_methods[enabled]"},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&payment_method_options[card][request_multicapture]=sometimes", "", "payment_method_options[card][request_multicapture]"},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&application_fee_amount=ten", "parameter_invalid_integer", "application_fee_amount"},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&confirm=yes", "", "confirm"},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&transfer_data=x", "", "transfer_data"},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&metadata[a][b]=c", "", "metadata[a]"},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&payment_method_types[a]=card", "", "payment_method_types"},
		{"GET", "/v1/payment_intents?created[soon]=1", "", "parameter_unknown", "created[soon]"},
		{"GET", "/v1/payment_intents?created[gte]=x", "", "parameter_invalid_integer", "created[gte]"},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&payment_method_types[]=card&transfer_group=g1&on_behalf_of=acct_1&transfer_data[destination]=acct_2&application_fee_amount=5&payment_method_options[card][request_three_d_secure]=any&shipping[name]=N&shipping[address][line1]=L&mandate_data[customer_acceptance][type]=offline", "", ""},
		{"POST", "/v1/payment_intents", "amount=100&currency=usd&payment_method_types[]=card&metadata=", "", "metadata"},
	} {
		status, _, out := h.raw(c.method, c.path, c.body, nil)
		var env struct {
			Error struct{ Code, Param, Message string }
		}
		_ = json.Unmarshal([]byte(out), &env)
		if c.param == "" {
			if status != 200 {
				t.Errorf("%s %s %s: %d %s, want it accepted", c.method, c.path, c.body, status, out)
			}
			continue
		}
		if status != 400 || env.Error.Code != c.code || env.Error.Param != c.param {
			t.Errorf("%s %s %s: %d %q %q, want 400 %q %q", c.method, c.path, c.body, status, env.Error.Code, env.Error.Param, c.code, c.param)
		}
	}
	if n := h.p.Snapshot().UnknownParams; n != 3 {
		t.Errorf("%d unknown parameters counted, want 3", n)
	}
}

// handParams is the parameter list of a route the spec does not have.
var handParams = withList(map[string]paramSpec{"name": scalar, "tags": list, "metadata": meta, "extra": anyP, "window": created})

func TestHandParamsForRoutesTheSpecLacks(t *testing.T) {
	for body, want := range map[string]string{
		"name=a&tags[]=x&metadata[k]=v&extra[a][b]=1&window[gte]=1&limit=3&expand[]=data": "",
		"bogus=1":         "bogus",
		"name[a]=1":       "name",
		"window[soon]=1":  "window[soon]",
		"metadata[k][]=1": "metadata[k]",
	} {
		f := getForm()
		if err := f.parse(body); err != nil {
			t.Fatal(err)
		}
		e := validateParams(f, handParams)
		putForm(f)
		switch {
		case want == "" && e != nil:
			t.Errorf("%s: %v", body, e)
		case want != "" && (e == nil || e.param != want):
			t.Errorf("%s: %v, want an error on %s", body, e, want)
		}
	}
	if specFor(routeNone) != nil {
		t.Error("routeNone has spec parameters")
	}
}

// TestConnectFieldsShownAsSent: parameters the provider accepts but does
// not act on (it moves no money between accounts) are kept and shown, as
// Stripe shows them.
func TestConnectFieldsShownAsSent(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	p := visaParams("o1", 2000)
	p.TransferGroup = stripe.String("group_1")
	p.OnBehalfOf = stripe.String("acct_seller")
	p.ApplicationFeeAmount = stripe.Int64(150)
	p.TransferData = &stripe.PaymentIntentCreateTransferDataParams{Destination: stripe.String("acct_seller")}
	p.StatementDescriptorSuffix = stripe.String("ORDER 1")
	pi, err := sc.V1PaymentIntents.Create(bg, p)
	if err != nil {
		t.Fatal(err)
	}
	if pi.TransferGroup != "group_1" || pi.OnBehalfOf == nil || pi.OnBehalfOf.ID != "acct_seller" || pi.ApplicationFeeAmount != 150 ||
		pi.TransferData == nil || pi.TransferData.Destination.ID != "acct_seller" || pi.StatementDescriptorSuffix != "ORDER 1" {
		t.Fatalf("create: %+v", pi)
	}
	ch, err := sc.V1Charges.Retrieve(bg, pi.LatestCharge.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ch.TransferGroup != "group_1" || ch.ApplicationFeeAmount != 150 || ch.TransferData == nil {
		t.Fatalf("charge: %+v", ch)
	}
	pi, err = sc.V1PaymentIntents.Update(bg, pi.ID, &stripe.PaymentIntentUpdateParams{TransferGroup: stripe.String("group_2")})
	if err != nil {
		t.Fatal(err)
	}
	if pi.TransferGroup != "group_2" || pi.ApplicationFeeAmount != 150 {
		t.Fatalf("update: %+v", pi)
	}
	if status, _, body := h.raw("POST", "/v1/payment_intents", "amount=100&currency=usd&application_fee_amount=-1", nil); status != 400 || !strings.Contains(body, "application_fee_amount") {
		t.Fatalf("negative fee: %d %s", status, body)
	}
}

// leafSamples returns, for each leaf under name, a form that reaches it
// and that the spec allows (required siblings filled in), and bad forms
// with the path and code Stripe would name: a key the spec does not
// define in each hash, a word for each integer.
func leafSamples(name string, s *openapi3.SchemaRef, depth int, good *[]url.Values, bad *[][3]string) {
	if s == nil || s.Value == nil || depth > 6 {
		return
	}
	sc := s.Value
	if len(sc.AnyOf) > 0 {
		for _, b := range sc.AnyOf {
			if b.Value != nil && !(len(b.Value.Enum) == 1 && b.Value.Enum[0] == "") {
				leafSamples(name, b, depth, good, bad)
			}
		}
		return
	}
	switch {
	case sc.Type.Is("array"):
		leafSamples(name+"[0]", sc.Items, depth+1, good, bad)
	case sc.Type.Is("object") && len(sc.Properties) > 0:
		base := url.Values{}
		for _, r := range sc.Required {
			sampleParam(base, name+"["+r+"]", sc.Properties[r], depth+1)
		}
		child := func(key string) string { // the child of name a key sits under
			c, _, _ := strings.Cut(key[len(name)+1:], "]")
			return c
		}
		for _, k := range slices.Sorted(maps.Keys(sc.Properties)) {
			var sub []url.Values
			leafSamples(name+"["+k+"]", sc.Properties[k], depth+1, &sub, bad)
			for _, v := range sub {
				sent := map[string]bool{}
				for key := range v {
					sent[child(key)] = true
				}
				for bk, bv := range base {
					if !sent[child(bk)] {
						v[bk] = bv
					}
				}
				*good = append(*good, v)
			}
		}
		*bad = append(*bad, [3]string{encodeWith(base, name+"[zz_not_in_spec]", "1"), name + "[zz_not_in_spec]", "parameter_unknown"})
	case sc.Type.Is("object") && sc.AdditionalProperties.Schema != nil:
		leafSamples(name+"[k]", sc.AdditionalProperties.Schema, depth+1, good, bad)
	default:
		v := url.Values{}
		sampleParam(v, name, s, depth)
		*good = append(*good, v)
		if sc.Type.Is("integer") {
			*bad = append(*bad, [3]string{encodeWith(v, name, "twelve"), name, "parameter_invalid_integer"})
		}
	}
}

func encodeWith(v url.Values, k, val string) string {
	c := url.Values{}
	for a, b := range v {
		c[a] = b
	}
	c.Set(k, val)
	return c.Encode()
}

// TestSpecTablesMatchTheSpec checks the compiled tables of every
// operation in specparams.json, served or not yet, against the spec read
// by another parser: every leaf parameter the spec defines passes, an
// unknown key in any hash is parameter_unknown with its path, a word
// where an integer goes parameter_invalid_integer.
func TestSpecTablesMatchTheSpec(t *testing.T) {
	doc, err := openAPI()
	if err != nil {
		t.Fatal(err)
	}
	sp := compiledSpec()
	goodN, badN := 0, 0
	for key, top := range sp.ops {
		method, tmpl, _ := strings.Cut(key, " ")
		_, op := specOperation(doc, method, strings.ReplaceAll(tmpl, "{}", "x_1"))
		if op == nil {
			t.Errorf("%s: not in the spec", key)
			continue
		}
		for name, s := range opParams(op) {
			var good []url.Values
			var bad [][3]string
			leafSamples(name, s, 0, &good, &bad)
			for _, v := range good {
				goodN++
				f := getForm()
				if err := f.parse(v.Encode()); err != nil {
					t.Fatalf("%s %s: %v", key, v.Encode(), err)
				}
				if e := validateSpec(f, top); e != nil {
					t.Errorf("%s %s: %s", key, v.Encode(), e.message)
				}
				putForm(f)
			}
			for _, b := range bad {
				badN++
				f := getForm()
				if err := f.parse(b[0]); err != nil {
					t.Fatalf("%s %s: %v", key, b[0], err)
				}
				// A word where an integer or an enum may go is refused
				// either way; the path must be right.
				e := validateSpec(f, top)
				if e == nil || e.param != b[1] || e.code != b[2] && b[2] != "parameter_invalid_integer" {
					t.Errorf("%s %s: %v, want %s %s", key, b[0], e, b[2], b[1])
				}
				putForm(f)
			}
		}
	}
	t.Logf("%d operations: %d forms the spec allows passed, %d it does not refused", len(sp.ops), goodN, badN)
}

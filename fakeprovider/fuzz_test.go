package fakeprovider

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzFormDecode feeds arbitrary bodies to the form decoder: it must
// never panic, and what it accepts must read back consistently.
func FuzzFormDecode(f *testing.F) {
	for _, s := range []string{
		"amount=2000&currency=usd&metadata[order_id]=o+1%262&expand[0]=latest_charge",
		"a[b][c]=1&a[b][d]=2&a[e][]=x&a[e][]=y",
		"a[]=1&a[][b]=2&a[][b]=3",
		"a=1&a[b]=2", "a[b]=1&a=2", "a[b", "[a]=1", "a]=1", "a[b]c=1", "a=%zz", "%", "&&&", "=", "a==b",
		"metadata=", "payment_method_types[0]=card&payment_method_types[1]=card",
		strings.Repeat("a[", 20) + strings.Repeat("]", 20) + "=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fm := newForm()
		if err := fm.parse(body); err != nil {
			if _, ok := err.(*formError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		for i, n := range fm.nodes {
			for _, idx := range []int32{n.first, n.last, n.next} {
				if idx < -1 || int(idx) >= len(fm.nodes) || idx == int32(i) {
					t.Fatalf("node %d links to %d", i, idx)
				}
			}
		}
		last := map[string]string{}
		for _, p := range fm.pairs {
			if !strings.ContainsAny(p.key, "[]") {
				last[p.key] = p.val
			}
		}
		for k, v := range last {
			got, ok, e := fm.str(k)
			if e != nil || !ok || got != v {
				t.Fatalf("%q: got %q %v %v, want %q", k, got, ok, e, v)
			}
		}
		_ = validateParams(fm, routes[routePICreate].params)
		_, _, _ = fm.list("expand")
		_, _, _, _ = fm.hash("metadata")
	})
}

// FuzzHandlers sends arbitrary requests to every route of one provider:
// each must get a well-formed JSON answer with a status below 500 (the
// hosted page: any page below 500).
func FuzzHandlers(f *testing.F) {
	p := New(WithSeed(1))
	f.Cleanup(func() { _ = p.Close() })
	paths := []string{
		"/v1/payment_intents", "/v1/payment_intents/search", "/v1/payment_intents/%s", "/v1/payment_intents/%s/confirm",
		"/v1/payment_intents/%s/capture", "/v1/payment_intents/%s/cancel", "/v1/charges", "/v1/charges/%s",
		"/v1/refunds", "/v1/refunds/%s", "/v1/refunds/%s/cancel", "/v1/events", "/v1/events/%s",
		// 13-
		"/v1/customers", "/v1/customers/search", "/v1/customers/%s", "/v1/customers/%s/payment_methods",
		"/v1/payment_methods", "/v1/payment_methods/%s", "/v1/payment_methods/%s/attach", "/v1/payment_methods/%s/detach",
		"/v1/products", "/v1/products/%s", "/v1/prices", "/v1/prices/%s",
		"/v1/checkout/sessions", "/v1/checkout/sessions/%s", "/v1/checkout/sessions/%s/line_items", "/v1/checkout/sessions/%s/expire",
		"/pay/%s", "/pay/%s/authenticate", "/v1/customers/%s/payment_methods/pm_x",
	}
	seeds := []struct {
		post   bool
		path   uint8
		id     string
		body   string
		idem   string
		query  string
		method string
	}{
		{post: true, path: 0, body: "amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true&payment_method_types[0]=card&metadata[order_id]=o1"},
		{post: true, path: 0, body: "amount=1000&currency=eur&capture_method=manual&payment_method=pm_card_visa&confirm=true&payment_method_types[]=card", idem: "k1"},
		{post: true, path: 0, body: "amount=1000&currency=usd&payment_method=pm_card_chargeDeclined&confirm=true&payment_method_types[0]=card"},
		{post: true, path: 0, body: "amount=1000&currency=usd&payment_method=pm_card_authenticationRequired&confirm=true&return_url=https://x"},
		{post: true, path: 3, id: "pi_x", body: "payment_method=pm_card_visa"},
		{post: true, path: 4, id: "pi_x", body: "amount_to_capture=5"},
		{post: true, path: 5, id: "pi_x", body: "cancellation_reason=duplicate"},
		{post: true, path: 2, id: "pi_x", body: "metadata[a]=&amount=50"},
		{post: true, path: 8, body: "payment_intent=pi_x&amount=10"},
		{post: true, path: 9, id: "re_x", body: "metadata[k]=v"},
		{post: true, path: 10, id: "re_x"},
		{path: 1, query: "query=metadata['order_id']:'o1'&limit=3"},
		{path: 1, query: "query=status:'succeeded' AND amount>10&page=page_0"},
		{path: 0, query: "limit=2&starting_after=pi_x&created[gte]=1"},
		{path: 11, query: "types[0]=payment_intent.*&delivery_success=false"},
		{path: 6, query: "payment_intent=pi_x&expand[0]=data.x"},
		{path: 7, id: "ch_x", query: "expand[]=payment_intent"},
		{path: 12, id: "evt_x"},
		{post: true, path: 0, body: "amount[a][b][c]=1&currency[]=usd&%41=1"},
		{post: false, path: 0, method: "DELETE"},
		{post: true, path: 0, body: strings.Repeat("metadata[k]=v&", 60)},
		{post: true, path: 3, id: "pi_x", body: "payment_method_data[type]=card&payment_method_data[card][token]=tok_visa&client_secret=x"},
		{post: true, path: 3, id: "pi_x", body: "payment_method_data[type]=card&payment_method_data[card][number]=4000000000000002"},
		{post: true, path: 3, id: "pi_x", body: "payment_method_data=x&payment_method=pm_card_visa"},
		{post: true, path: 13, body: "email=a@b.c&name=Ada&metadata[k]=v&payment_method=pm_card_visa&address[city]=X"},
		{post: true, path: 13, body: "email=@&address[nope]=1&invoice_settings[default_payment_method]=pm_x"},
		{path: 14, query: "query=email:'a@b.c' OR name~'Ad'&limit=2&page=page_0"},
		{post: true, path: 15, id: "cus_x", body: "name=&metadata=&phone=1"},
		{post: false, path: 15, id: "cus_x", method: "DELETE"},
		{path: 16, id: "cus_x", query: "type=card&limit=1"},
		{post: true, path: 17, body: "type=card&card[token]=tok_chargeDeclined"},
		{post: true, path: 17, body: "type=card&card[number]=4242424242424242&card[exp_month]=12"},
		{post: true, path: 19, id: "pm_card_visa", body: "customer=cus_x"},
		{post: true, path: 20, id: "pm_x"},
		{post: true, path: 21, body: "name=Mug&active=maybe"},
		{post: true, path: 23, body: "currency=usd&unit_amount=100&product_data[name]=x"},
		{post: true, path: 23, body: "currency=usd&unit_amount=1e3&product=prod_x&recurring[interval]=month"},
		{post: true, path: 25, body: "mode=payment&success_url=https://x/ok&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=500&line_items[0][price_data][product_data][name]=x&line_items[0][quantity]=1&payment_intent_data[metadata][order_id]=o"},
		{post: true, path: 25, body: "mode=payment&success_url=https://x/ok&line_items[][price]=price_x&line_items[][quantity]=2&customer=cus_x&expand[]=payment_intent"},
		{post: true, path: 25, body: "mode=payment&line_items=x&payment_intent_data=1&expires_at=-1"},
		{path: 26, id: "cs_x", query: "expand[]=payment_intent&expand[]=line_items"},
		{path: 27, id: "cs_x", query: "limit=1&starting_after=li_x"},
		{post: true, path: 28, id: "cs_x"},
		{path: 29, id: "cs_x"},
		{post: true, path: 29, id: "cs_x", body: "card=4000002500003155&email=a@b.c"},
		{post: true, path: 29, id: "cs_x", body: "card[x]=1"},
		{post: true, path: 30, id: "cs_x", body: "result=complete"},
	}
	for _, s := range seeds {
		f.Add(s.post, s.path, s.id, s.body, s.idem, s.query, s.method)
	}
	var created []string
	f.Fuzz(func(t *testing.T, post bool, pathIdx uint8, id, body, idem, query, method string) {
		tmpl := paths[int(pathIdx)%len(paths)]
		// Reuse a real id now and then so handlers get past the lookup.
		if strings.HasSuffix(id, "_x") && len(created) > 0 {
			id = created[len(created)-1]
		}
		path := tmpl
		if strings.Contains(tmpl, "%s") {
			path = strings.Replace(tmpl, "%s", id, 1)
		}
		m := http.MethodGet
		if post {
			m = http.MethodPost
		}
		if method == "DELETE" || method == "PUT" {
			m = method
		}
		req, err := http.NewRequest(m, "http://fake"+path, strings.NewReader(body))
		if err != nil {
			return // not a URL net/http would deliver
		}
		req.URL.RawQuery = query
		req.RemoteAddr = "127.0.0.1:1"
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if idem != "" {
			req.Header.Set("Idempotency-Key", idem)
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", m, path, body, rec.Code, rec.Body.String())
		}
		if strings.HasPrefix(path, hostedPrefix) {
			return // the customer's page: HTML, checked for its status only
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s: answer is not JSON: %s", m, path, rec.Body.String())
		}
		if !strings.HasPrefix(rec.Header().Get("Request-Id"), "req_") {
			t.Fatal("no Request-Id")
		}
		if rec.Code == 200 && m == http.MethodPost {
			var obj struct{ ID string }
			if json.Unmarshal(rec.Body.Bytes(), &obj) == nil && obj.ID != "" {
				created = append(created, obj.ID)
			}
		}
		if rec.Code >= 400 {
			var env struct {
				Error *struct {
					Type    string `json:"type"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if json.Unmarshal(rec.Body.Bytes(), &env) != nil || env.Error == nil || env.Error.Type == "" || env.Error.Message == "" {
				t.Fatalf("error answer not in Stripe's shape: %s", rec.Body.String())
			}
		}
	})
}

package fakeprovider

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSpecConformance drives every route of the route table to a success
// and to an error, and every fault kind that answers with JSON, so that
// the spec check newHarness registers sees each of them; it fails if a
// route was left out.
func TestSpecConformance(t *testing.T) {
	h := newHarness(t, WithProcessingDelay(time.Minute)) // a pending refund stays pending
	ids := map[string]string{}
	do := func(method, path, body string, want int) map[string]any {
		t.Helper()
		for k, v := range ids {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
			body = strings.ReplaceAll(body, "{"+k+"}", v)
		}
		status, _, out := h.raw(method, path, body, nil)
		if status != want {
			t.Fatalf("%s %s %s: %d, want %d: %s", method, path, body, status, want, out)
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(out), &m)
		return m
	}
	idOf := func(m map[string]any) string { s, _ := m["id"].(string); return s }
	firstOf := func(list map[string]any) string {
		t.Helper()
		data, _ := list["data"].([]any)
		if len(data) == 0 {
			t.Fatalf("empty list: %v", list)
		}
		m, _ := data[0].(map[string]any)
		return idOf(m)
	}

	ids["pi"] = idOf(do("POST", "/v1/payment_intents", "amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true&payment_method_types[]=card&metadata[order_id]=o1", 200))
	do("POST", "/v1/payment_intents", "amount=1000&currency=usd&payment_method=pm_card_chargeDeclined&confirm=true&payment_method_types[]=card", 402)
	do("POST", "/v1/payment_intents", "amount=1000&currency=usd&payment_method=pm_card_threeDSecureRequired&confirm=true&return_url=https://shop.example/back", 200)
	do("POST", "/v1/payment_intents", "amount=1000&currency=usd&payment_method=pm_card_authenticationRequired&confirm=true&payment_method_types[]=card&use_stripe_sdk=true", 200)
	do("POST", "/v1/payment_intents", "amount=1000&currency=usd&payment_method=pm_card_processing&confirm=true&payment_method_types[]=card", 200)
	do("POST", "/v1/payment_intents", "currency=usd", 400)
	do("POST", "/v1/payment_intents", "amount=1000&currency=usd&bogus=1", 400)
	do("GET", "/v1/payment_intents?limit=3&expand[]=data.latest_charge.balance_transaction&expand[]=data.payment_method", "", 200)
	do("GET", "/v1/payment_intents?created[gte]=1&created[lt]=99999999999", "", 200)
	do("GET", "/v1/payment_intents?limit=0", "", 400)
	do("GET", "/v1/payment_intents/search?query="+urlQueryEscape("metadata['order_id']:'o1'"), "", 200)
	do("GET", "/v1/payment_intents/search?query="+urlQueryEscape("nope:'x'"), "", 400)
	do("GET", "/v1/payment_intents/{pi}?expand[]=latest_charge&expand[]=payment_method", "", 200)
	do("GET", "/v1/payment_intents/pi_missing", "", 404)
	do("POST", "/v1/payment_intents/{pi}", "metadata[k]=v&description=d", 200)
	do("POST", "/v1/payment_intents/{pi}", "amount=5", 400)

	ids["open"] = idOf(do("POST", "/v1/payment_intents", "amount=700&currency=eur&payment_method_types[]=card", 200))
	do("POST", "/v1/payment_intents/{open}/confirm", "payment_method=pm_card_visa", 200)
	do("POST", "/v1/payment_intents/{open}/confirm", "", 400)
	ids["manual"] = idOf(do("POST", "/v1/payment_intents", "amount=900&currency=usd&payment_method=pm_card_visa&confirm=true&capture_method=manual&payment_method_types[]=card", 200))
	do("POST", "/v1/payment_intents/{manual}/capture", "amount_to_capture=800", 200)
	do("POST", "/v1/payment_intents/{manual}/capture", "", 400)
	ids["cancel"] = idOf(do("POST", "/v1/payment_intents", "amount=900&currency=usd&payment_method_types[]=card", 200))
	do("POST", "/v1/payment_intents/{cancel}/cancel", "cancellation_reason=abandoned", 200)
	do("POST", "/v1/payment_intents/{cancel}/cancel", "", 400)

	ids["ch"] = firstOf(do("GET", "/v1/charges?limit=5", "", 200))
	do("GET", "/v1/charges?limit=101", "", 400)
	do("GET", "/v1/charges/{ch}?expand[]=payment_intent.latest_charge&expand[]=balance_transaction", "", 200)
	do("GET", "/v1/charges/search?query="+urlQueryEscape("status:'succeeded' AND amount>100")+"&expand[]=data.payment_intent", "", 200)
	do("GET", "/v1/charges/search?query="+urlQueryEscape("nope:'x'"), "", 400)
	do("GET", "/v1/charges/ch_missing", "", 404)

	ids["re"] = idOf(do("POST", "/v1/refunds", "payment_intent={pi}&amount=100&reason=requested_by_customer&expand[]=charge", 200))
	do("POST", "/v1/refunds", "amount=100", 400)
	do("GET", "/v1/refunds?payment_intent={pi}", "", 200)
	do("GET", "/v1/refunds?limit=x", "", 400)
	do("GET", "/v1/refunds/{re}?expand[]=payment_intent&expand[]=charge.balance_transaction&expand[]=balance_transaction", "", 200)
	do("GET", "/v1/refunds/re_missing", "", 404)
	do("POST", "/v1/refunds/{re}", "metadata[why]=test", 200)
	do("POST", "/v1/refunds/re_missing", "metadata[why]=test", 404)
	ids["failpi"] = idOf(do("POST", "/v1/payment_intents", "amount=500&currency=usd&payment_method=pm_card_refundFail&confirm=true&payment_method_types[]=card", 200))
	ids["pending"] = idOf(do("POST", "/v1/refunds", "payment_intent={failpi}", 200))
	do("POST", "/v1/refunds/{pending}/cancel", "", 200)
	do("POST", "/v1/refunds/{re}/cancel", "", 400)

	ids["evt"] = firstOf(do("GET", "/v1/events?limit=100", "", 200))
	do("GET", "/v1/events?delivery_success=maybe", "", 400)
	do("GET", "/v1/events/{evt}", "", 200)
	do("GET", "/v1/events/evt_missing", "", 404)

	ids["cus"] = idOf(do("POST", "/v1/customers", "email=ada@example.com&name=Ada&metadata[tier]=gold&address[city]=Paris", 200))
	do("POST", "/v1/customers", "email[x]=1", 400)
	do("GET", "/v1/customers?limit=2&email=ada@example.com&created[gte]=1", "", 200)
	do("GET", "/v1/customers?limit=0", "", 400)
	do("GET", "/v1/customers/search?query="+urlQueryEscape("email:'ada@example.com' AND created>1"), "", 200)
	do("GET", "/v1/customers/search?query="+urlQueryEscape("amount>1"), "", 400)
	do("GET", "/v1/customers/{cus}", "", 200)
	do("GET", "/v1/customers/cus_missing", "", 404)
	do("POST", "/v1/customers/{cus}", "phone=123&metadata[tier]=", 200)
	do("POST", "/v1/customers/cus_missing", "phone=123", 404)
	ids["pm"] = idOf(do("POST", "/v1/payment_methods", "type=card&card[token]=tok_visa&billing_details[name]=Ada", 200))
	do("POST", "/v1/payment_methods", "type=card", 400)
	do("POST", "/v1/payment_methods/{pm}/attach", "customer={cus}", 200)
	do("POST", "/v1/payment_methods/{pm}/attach", "", 400)
	do("GET", "/v1/payment_methods?customer={cus}&type=card", "", 200)
	do("GET", "/v1/payment_methods?limit=x", "", 400)
	do("GET", "/v1/payment_methods/{pm}", "", 200)
	do("GET", "/v1/payment_methods/pm_missing", "", 404)
	do("GET", "/v1/customers/{cus}/payment_methods?type=card", "", 200)
	do("GET", "/v1/customers/cus_missing/payment_methods", "", 404)
	do("GET", "/v1/customers/{cus}/payment_methods/{pm}", "", 200)
	do("GET", "/v1/customers/{cus}/payment_methods/pm_missing", "", 404)
	ids["saved"] = idOf(do("POST", "/v1/payment_intents", "amount=1200&currency=usd&customer={cus}&payment_method={pm}&confirm=true&payment_method_types[]=card", 200))
	do("POST", "/v1/payment_methods/{pm}/detach", "", 200)
	do("POST", "/v1/payment_methods/{pm}/detach", "", 400)
	ids["gone"] = idOf(do("POST", "/v1/customers", "email=gone@example.com", 200))
	do("DELETE", "/v1/customers/{gone}", "", 200)
	do("DELETE", "/v1/customers/cus_missing", "", 404)

	ids["prod"] = idOf(do("POST", "/v1/products", "name=Mug&metadata[sku]=m1", 200))
	do("POST", "/v1/products", "description=nameless", 400)
	do("GET", "/v1/products?active=true", "", 200)
	do("GET", "/v1/products?active=maybe", "", 400)
	do("GET", "/v1/products/{prod}", "", 200)
	do("GET", "/v1/products/prod_missing", "", 404)
	ids["price"] = idOf(do("POST", "/v1/prices", "currency=usd&unit_amount=1500&product={prod}", 200))
	do("POST", "/v1/prices", "currency=usd&unit_amount=1500", 400)
	do("GET", "/v1/prices?product={prod}&expand[]=data.product", "", 200)
	do("GET", "/v1/prices?limit=x", "", 400)
	if got := do("GET", "/v1/prices/{price}?expand[]=product", "", 200); got["product"].(map[string]any)["id"] != ids["prod"] {
		t.Fatalf("price with its product expanded: %v", got)
	}
	do("GET", "/v1/prices/{price}?expand[]=currency_options", "", 400)
	do("GET", "/v1/prices/price_missing", "", 404)

	ids["cs"] = idOf(do("POST", "/v1/checkout/sessions", "mode=payment&success_url=https://shop.example/ok&cancel_url=https://shop.example/no&line_items[0][price]={price}&line_items[0][quantity]=2&customer={cus}&client_reference_id=o7&metadata[order_id]=o7&payment_intent_data[metadata][order_id]=o7", 200))
	do("POST", "/v1/checkout/sessions", "mode=payment&success_url=https://shop.example/ok", 400)
	do("GET", "/v1/checkout/sessions?customer={cus}&expand[]=data.payment_intent", "", 200)
	do("GET", "/v1/checkout/sessions?status=nope", "", 400)
	do("GET", "/v1/checkout/sessions/{cs}?expand[]=payment_intent&expand[]=line_items", "", 200)
	do("GET", "/v1/checkout/sessions/cs_test_missing", "", 404)
	do("GET", "/v1/checkout/sessions/{cs}/line_items?limit=1", "", 200)
	do("GET", "/v1/checkout/sessions/cs_test_missing/line_items", "", 404)
	do("POST", "/v1/checkout/sessions/{cs}/expire", "", 200)
	do("POST", "/v1/checkout/sessions/{cs}/expire", "", 400)

	// The browser's calls with the publishable key.
	pk := map[string]string{"Authorization": "Bearer " + h.p.PublishableKey()}
	ids["secret"] = ""
	open2 := do("POST", "/v1/payment_intents", "amount=800&currency=usd&payment_method_types[]=card&metadata[order_id]=o8", 200)
	ids["open2"], ids["secret"] = idOf(open2), open2["client_secret"].(string)
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/v1/payment_intents/{open2}?client_secret={secret}", "", 200},
		{"GET", "/v1/payment_intents/{open2}", "", 400},
		{"POST", "/v1/payment_methods", "type=card&card[token]=tok_visa", 200},
		{"POST", "/v1/payment_intents/{open2}/confirm", "client_secret={secret}&payment_method_data[type]=card&payment_method_data[card][token]=tok_visa", 200},
		{"POST", "/v1/payment_intents/{open2}/confirm", "client_secret=wrong", 400},
	} {
		for k, v := range ids {
			c.path, c.body = strings.ReplaceAll(c.path, "{"+k+"}", v), strings.ReplaceAll(c.body, "{"+k+"}", v)
		}
		if status, _, out := h.raw(c.method, c.path, c.body, pk); status != c.want {
			t.Fatalf("publishable %s %s %s: %d, want %d: %s", c.method, c.path, c.body, status, c.want, out)
		}
	}

	do("GET", "/v1/nope", "", 404)
	if status, _, _ := h.raw("GET", "/v1/payment_intents", "", map[string]string{"Authorization": "Bearer sk_live_nope"}); status != http.StatusUnauthorized {
		t.Fatalf("live key: %d", status)
	}

	// Faults that still answer with Stripe's JSON.
	for _, f := range []Fault{
		{Kind: FaultHTTPError, Status: 500},
		{Kind: FaultHTTPError, Status: 503, Mode: ModeSaved},
		{Kind: FaultRateLimit},
		{Kind: FaultLockTimeout},
		{Kind: FaultIdempotencyConflict},
		{Kind: FaultCommitThenFail, Status: 502},
		{Kind: FaultAway, Status: 503},
	} {
		id := mustAdd(t, h.p, f)
		status, _, _ := h.raw("POST", "/v1/payment_intents", "amount=100&currency=usd&payment_method_types[]=card", map[string]string{"Idempotency-Key": "k-" + string(f.Kind)})
		if status < 400 {
			t.Fatalf("%s: %d", f.Kind, status)
		}
		if err := h.p.RemoveFault(bg, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []Fault{{Kind: FaultDecline}, {Kind: FaultProcessing}, {Kind: FaultRequiresAction},
		{Kind: FaultSlow, Delay: time.Millisecond}, {Kind: FaultShouldRetry}, {Kind: FaultAmnesia}} {
		id := mustAdd(t, h.p, f)
		h.raw("POST", "/v1/payment_intents", "amount=100&currency=usd&payment_method=pm_card_visa&confirm=true&payment_method_types[]=card", nil)
		if err := h.p.RemoveFault(bg, id); err != nil {
			t.Fatal(err)
		}
	}

	ok, failed := h.spec.seen()
	for rt := routeID(1); rt < numRoutes; rt++ {
		if strings.Contains(routes[rt].pattern, hostedPrefix) {
			continue // the customer's page, not the API: no spec for it
		}
		if ok[rt] == 0 || failed[rt] == 0 {
			t.Errorf("%s: %d successes and %d errors checked against the spec; want both", routes[rt].pattern, ok[rt], failed[rt])
		}
	}
}

// TestSpecCheckCatchesBadAnswers shows the check fails the answers it
// exists for: fields the spec does not allow, nulls where it wants an
// object, a missing required field, a wrong type.
func TestSpecCheckCatchesBadAnswers(t *testing.T) {
	doc, err := openAPI()
	if err != nil {
		t.Fatal(err)
	}
	refund := `{"id":"re_1","object":"refund","amount":100,"balance_transaction":null,"charge":"ch_1","created":1,"currency":"usd",%s"metadata":{},"payment_intent":"pi_1","reason":null,"receipt_number":null,"source_transfer_reversal":null,"status":"succeeded","transfer_reversal":null}`
	for _, c := range []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"null destination_details", "GET", "/v1/refunds/re_1", 200, strings.Replace(refund, "%s", `"destination_details":null,`, 1)},
		{"null failure_reason", "GET", "/v1/refunds/re_1", 200, strings.Replace(refund, "%s", `"failure_reason":null,`, 1)},
		{"field the spec lacks", "GET", "/v1/refunds/re_1", 200, strings.Replace(refund, "%s", `"source":null,`, 1)},
		{"amount as a string", "GET", "/v1/refunds/re_1", 200, strings.Replace(strings.Replace(refund, "%s", "", 1), `"amount":100`, `"amount":"100"`, 1)},
		{"missing id", "GET", "/v1/refunds/re_1", 200, strings.Replace(strings.Replace(refund, "%s", "", 1), `"id":"re_1",`, "", 1)},
		{"expanded charge that is no charge", "GET", "/v1/refunds/re_1", 200, strings.Replace(strings.Replace(refund, "%s", "", 1), `"charge":"ch_1"`, `"charge":{"id":"ch_1"}`, 1)},
		{"list without has_more", "GET", "/v1/refunds", 200, `{"object":"list","data":[],"url":"/v1/refunds"}`},
		{"list of another url", "GET", "/v1/refunds", 200, `{"object":"list","data":[],"has_more":false,"url":"/v1/charges"}`},
		{"error without type", "GET", "/v1/refunds/re_1", 404, `{"error":{"message":"No such refund"}}`},
		{"unknown error type", "GET", "/v1/nope", 404, `{"error":{"type":"oops","message":"x"}}`},
		{"success on an unknown route", "GET", "/v1/nope", 200, `{}`},
		{"event whose object is wrong", "GET", "/v1/events/evt_1", 200, `{"id":"evt_1","object":"event","api_version":"2026-08-26.dahlia","created":1,"data":{"object":{"object":"refund","id":"re_1"}},"livemode":false,"pending_webhooks":0,"request":{"id":null,"idempotency_key":null},"type":"refund.created"}`},
		{"not JSON", "GET", "/v1/refunds/re_1", 200, `{,}`},
	} {
		if _, err := validateAnswer(doc, c.method, c.path, c.status, []byte(c.body)); err == nil {
			t.Errorf("%s: the check passed an answer the spec does not allow", c.name)
		}
	}
	good := strings.Replace(refund, "%s", `"destination_details":{"card":{"type":"refund"},"type":"card"},`, 1)
	if _, err := validateAnswer(doc, "GET", "/v1/refunds/re_1", 200, []byte(good)); err != nil {
		t.Errorf("a good refund fails the check: %v", err)
	}
}

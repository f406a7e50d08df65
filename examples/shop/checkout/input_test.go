package checkout

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBadInput sends malformed and malicious requests at every endpoint:
// each gets its 4xx and stable code, nothing echoes the input back, and
// neither the shop's database nor the provider's ledger changes.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	paid := e.pay(aliceToken, "paid", 1000, "pm_card_visa").order(t)
	failed := e.pay(aliceToken, "failed", 1000, "pm_card_chargeDeclined").order(t)
	if paid.Status != StatusPaid || failed.Status != StatusFailed {
		t.Fatalf("setup: %+v %+v", paid, failed)
	}
	const card = "4242424242424242"
	valid := func(extra string) string {
		return `{"amount":1000,"currency":"usd","payment_method":"pm_card_visa"` + extra + `}`
	}
	items := func(list string) string {
		return `{"currency":"usd","payment_method":"pm_card_visa","items":` + list + `}`
	}
	manyItems := "[" + strings.TrimSuffix(strings.Repeat(`{"sku":"mug","quantity":1},`, 51), ",") + "]"
	order := "/orders/" + paid.ID

	cases := []struct {
		name   string
		r      req
		status int
		code   string
	}{
		// POST /orders
		{"no auth", req{method: "POST", path: "/orders", body: valid("")}, 401, "unauthorized"},
		{"unknown token", req{method: "POST", path: "/orders", token: "nope", body: valid("")}, 401, "unauthorized"},
		{"basic auth", req{method: "POST", path: "/orders", body: valid(""), header: map[string]string{"Authorization": "Basic dG9rLWFsaWNlOg=="}}, 401, "unauthorized"},
		{"form body", req{method: "POST", path: "/orders", token: aliceToken, body: "amount=1000", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, "unsupported_media_type"},
		{"huge body", req{method: "POST", path: "/orders", token: aliceToken, body: valid(`,"x":"` + strings.Repeat("a", 20<<10) + `"`)}, 413, "body_too_large"},
		{"empty body", req{method: "POST", path: "/orders", token: aliceToken, body: ""}, 400, "invalid_json"},
		{"not json", req{method: "POST", path: "/orders", token: aliceToken, body: "{amount:1"}, 400, "invalid_json"},
		{"json array", req{method: "POST", path: "/orders", token: aliceToken, body: "[1,2]"}, 400, "invalid_json"},
		{"trailing data", req{method: "POST", path: "/orders", token: aliceToken, body: valid("") + `{"amount":1}`}, 400, "invalid_json"},
		{"unknown field", req{method: "POST", path: "/orders", token: aliceToken, body: valid(`,"card_number":"` + card + `"`)}, 400, "unknown_field"},
		{"card number as field name", req{method: "POST", path: "/orders", token: aliceToken, body: valid(`,"` + card + `":1`)}, 400, "unknown_field"},
		{"amount as string", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":"1000","currency":"usd","payment_method":"pm_card_visa"}`}, 400, "invalid_json"},
		{"amount with decimals", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":10.5,"currency":"usd","payment_method":"pm_card_visa"}`}, 400, "invalid_json"},
		{"amount overflow", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":99999999999999999999999,"currency":"usd","payment_method":"pm_card_visa"}`}, 400, "invalid_json"},
		{"zero amount", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":0,"currency":"usd","payment_method":"pm_card_visa"}`}, 422, "invalid_amount"},
		{"negative amount", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":-5,"currency":"usd","payment_method":"pm_card_visa"}`}, 422, "invalid_amount"},
		{"amount over max", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":1000001,"currency":"usd","payment_method":"pm_card_visa"}`}, 422, "invalid_amount"},
		{"no amount, no items", req{method: "POST", path: "/orders", token: aliceToken, body: `{"currency":"usd","payment_method":"pm_card_visa"}`}, 422, "missing_amount"},
		{"no currency", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":1000,"payment_method":"pm_card_visa"}`}, 422, "invalid_currency"},
		{"uppercase currency", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":1000,"currency":"USD","payment_method":"pm_card_visa"}`}, 422, "invalid_currency"},
		{"unsold currency", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":1000,"currency":"chf","payment_method":"pm_card_visa"}`}, 422, "invalid_currency"},
		{"kwd amount not a multiple of ten", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":1005,"currency":"kwd","payment_method":"pm_card_visa"}`}, 422, "invalid_amount"},
		{"no payment method", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":1000,"currency":"usd"}`}, 422, "invalid_payment_method"},
		{"card number as payment method", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":1000,"currency":"usd","payment_method":"` + card + `"}`}, 422, "invalid_payment_method"},
		{"injection in payment method", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":1000,"currency":"usd","payment_method":"pm_x'; DROP TABLE orders;--"}`}, 422, "invalid_payment_method"},
		{"empty items", req{method: "POST", path: "/orders", token: aliceToken, body: items(`[]`)}, 422, "invalid_items"},
		{"too many items", req{method: "POST", path: "/orders", token: aliceToken, body: items(manyItems)}, 422, "invalid_items"},
		{"unknown sku", req{method: "POST", path: "/orders", token: aliceToken, body: items(`[{"sku":"yacht","quantity":1}]`)}, 422, "unknown_sku"},
		{"zero quantity", req{method: "POST", path: "/orders", token: aliceToken, body: items(`[{"sku":"mug","quantity":0}]`)}, 422, "invalid_quantity"},
		{"negative quantity", req{method: "POST", path: "/orders", token: aliceToken, body: items(`[{"sku":"mug","quantity":-3}]`)}, 422, "invalid_quantity"},
		{"huge quantity", req{method: "POST", path: "/orders", token: aliceToken, body: items(`[{"sku":"mug","quantity":9223372036854775807}]`)}, 422, "invalid_quantity"},
		{"total over max", req{method: "POST", path: "/orders", token: aliceToken, body: items(`[{"sku":"hoodie","quantity":1000}]`)}, 422, "invalid_amount"},
		{"item field unknown", req{method: "POST", path: "/orders", token: aliceToken, body: items(`[{"sku":"mug","quantity":1,"price":1}]`)}, 400, "unknown_field"},
		{"tampered amount", req{method: "POST", path: "/orders", token: aliceToken, body: `{"amount":1,"currency":"usd","payment_method":"pm_card_visa","items":[{"sku":"hoodie","quantity":1}]}`}, 422, "amount_mismatch"},
		{"key too long", req{method: "POST", path: "/orders", token: aliceToken, key: strings.Repeat("k", 256), body: valid("")}, 400, "invalid_idempotency_key"},
		{"key with spaces", req{method: "POST", path: "/orders", token: aliceToken, key: "a key", body: valid("")}, 400, "invalid_idempotency_key"},
		{"key reused with another body", req{method: "POST", path: "/orders", token: aliceToken, key: "paid", body: `{"amount":999,"currency":"usd","payment_method":"pm_card_visa"}`}, 422, "idempotency_key_reused"},

		// GET /orders, /orders/{id}
		{"list without auth", req{method: "GET", path: "/orders"}, 401, "unauthorized"},
		{"get without auth", req{method: "GET", path: order}, 401, "unauthorized"},
		{"get malformed id", req{method: "GET", path: "/orders/ord_x%27%20OR%201=1", token: aliceToken}, 404, "not_found"},
		{"get unknown id", req{method: "GET", path: "/orders/ord_000000000000000000000000", token: aliceToken}, 404, "not_found"},
		{"get other's order", req{method: "GET", path: order, token: bobToken}, 404, "not_found"},

		// POST /orders/{id}/cancel
		{"cancel without auth", req{method: "POST", path: order + "/cancel"}, 401, "unauthorized"},
		{"cancel unknown", req{method: "POST", path: "/orders/ord_000000000000000000000000/cancel", token: aliceToken}, 404, "not_found"},
		{"cancel other's", req{method: "POST", path: order + "/cancel", token: bobToken}, 404, "not_found"},
		{"cancel failed order", req{method: "POST", path: "/orders/" + failed.ID + "/cancel", token: aliceToken}, 409, "order_not_cancelable"},

		// POST /orders/{id}/refund
		{"refund without auth", req{method: "POST", path: order + "/refund", body: `{"amount":1}`}, 401, "unauthorized"},
		{"refund other's", req{method: "POST", path: order + "/refund", token: bobToken, body: `{"amount":1}`}, 404, "not_found"},
		{"refund zero", req{method: "POST", path: order + "/refund", token: aliceToken, body: `{"amount":0}`}, 422, "invalid_refund_amount"},
		{"refund negative", req{method: "POST", path: order + "/refund", token: aliceToken, body: `{"amount":-100}`}, 422, "invalid_refund_amount"},
		{"refund too much", req{method: "POST", path: order + "/refund", token: aliceToken, body: `{"amount":1001}`}, 422, "refund_exceeds_captured"},
		{"refund as string", req{method: "POST", path: order + "/refund", token: aliceToken, body: `{"amount":"1"}`}, 400, "invalid_json"},
		{"refund unknown field", req{method: "POST", path: order + "/refund", token: aliceToken, body: `{"amount":1,"to":"me"}`}, 400, "unknown_field"},
		{"refund failed order", req{method: "POST", path: "/orders/" + failed.ID + "/refund", token: aliceToken, body: `{"amount":1}`}, 409, "order_not_refundable"},
		{"refund bad key", req{method: "POST", path: order + "/refund", token: aliceToken, key: "clé", body: `{"amount":1}`}, 400, "invalid_idempotency_key"},

		// POST /webhooks/stripe
		{"webhook unsigned", req{method: "POST", path: "/webhooks/stripe", body: `{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1,"data":{"object":{}}}`}, 400, "invalid_signature"},
		{"webhook bad signature", req{method: "POST", path: "/webhooks/stripe", body: `{"id":"evt_1"}`, header: map[string]string{"Stripe-Signature": "t=1,v1=abcd"}}, 400, "invalid_signature"},
		{"webhook garbage header", req{method: "POST", path: "/webhooks/stripe", body: `{}`, header: map[string]string{"Stripe-Signature": "garbage"}}, 400, "invalid_signature"},

		// Admin
		{"reconcile without auth", req{method: "POST", path: "/admin/reconcile"}, 401, "unauthorized"},
		{"reconcile as customer", req{method: "POST", path: "/admin/reconcile", token: aliceToken}, 401, "unauthorized"},
		{"admin orders as customer", req{method: "GET", path: "/admin/orders", token: aliceToken}, 401, "unauthorized"},

		// Routing
		{"unknown path", req{method: "GET", path: "/nope", token: aliceToken}, 404, "not_found"},
		{"wrong method", req{method: "DELETE", path: order, token: aliceToken}, 405, "method_not_allowed"},
		// The mux redirects to the clean path, where the admin check applies.
		{"path traversal to admin", req{method: "GET", path: "/orders/../admin/orders", token: aliceToken}, 401, "unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, ledger := e.dbState(), e.ledgerState()
			got := e.do(c.r)
			if got.status != c.status || got.code() != c.code {
				t.Fatalf("got %d %s, want %d %s", got.status, got.body, c.status, c.code)
			}
			if ct := got.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if strings.Contains(string(got.body), card) || strings.Contains(string(got.body), "DROP TABLE") {
				t.Errorf("the answer echoes the input: %s", got.body)
			}
			if after := e.dbState(); after != before {
				t.Errorf("database changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if after := e.ledgerState(); after != ledger {
				t.Errorf("ledger changed: %s -> %s", ledger, after)
			}
		})
	}
	if h := e.do(req{method: "GET", path: "/healthz"}); h.status != http.StatusOK {
		t.Fatalf("unhealthy after the attacks: %d %s", h.status, h.body)
	}
	if logs := e.logs.String(); strings.Contains(logs, card) {
		t.Fatal("a card number reached the logs")
	}
}

// TestWebhooksDisabledWithoutSecret: no secret, no webhooks.
func TestWebhooksDisabledWithoutSecret(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.WebhookSecret = "" })
	body, sig := signedEvent(t, "evt_x", "payment_intent.succeeded", time.Now(), piObject("pi_x", "ord_x", "succeeded", 1), "whsec_any", time.Now())
	if r := e.deliver(body, sig); r.status != http.StatusServiceUnavailable || r.code() != "webhooks_not_configured" {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// TestAdminDisabledWithoutToken: no admin token, no admin endpoints.
func TestAdminDisabledWithoutToken(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AdminToken = "" })
	if r := e.do(req{method: "POST", path: "/admin/reconcile", token: aliceToken}); r.status != http.StatusForbidden || r.code() != "admin_disabled" {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

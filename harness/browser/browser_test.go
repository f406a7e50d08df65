package browser_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/browser"
)

const secret = "sk_test_browser_0123456789"

// provider serves a fake provider and returns a browser for it, and a
// call with the secret key (the SUT's side).
func provider(t *testing.T) (*browser.Browser, func(path string, form url.Values) map[string]any) {
	t.Helper()
	p := fakeprovider.New(fakeprovider.WithSeed(1))
	srv := httptest.NewServer(p)
	t.Cleanup(func() { srv.Close(); _ = p.Close() })
	keys, err := p.APIKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	server := func(path string, form url.Values) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
			t.Fatalf("POST %s: HTTP %d, %v %v", path, resp.StatusCode, m, err)
		}
		return m
	}
	return &browser.Browser{Base: srv.URL, Key: keys.PublishableKey, Client: srv.Client()}, server
}

func TestConfirm(t *testing.T) {
	b, server := provider(t)
	for card, want := range map[string]func(browser.Answer) bool{
		"pm_card_visa":                   browser.Answer.Done,
		"pm_card_chargeDeclined":         browser.Answer.Failed,
		"pm_card_authenticationRequired": func(a browser.Answer) bool { return a.Status == "requires_action" && !a.Done() && !a.Failed() },
	} {
		pi := server("/v1/payment_intents", url.Values{"amount": {"1200"}, "currency": {"usd"}})
		a, err := b.Confirm(context.Background(), pi["client_secret"].(string), card)
		if err != nil {
			t.Fatalf("%s: %v", card, err)
		}
		if !want(a) {
			t.Errorf("%s: answer %+v", card, a)
		}
	}
	pi := server("/v1/payment_intents", url.Values{"amount": {"1200"}, "currency": {"usd"}})
	a, err := b.Confirm(context.Background(), pi["id"].(string)+"_secret_wrong", "pm_card_visa")
	if err != nil || a.HTTPStatus != 400 || !a.Failed() {
		t.Errorf("a wrong client_secret: %+v, %v; want a 400 that took nothing", a, err)
	}
	if _, err := b.Confirm(context.Background(), "not-a-secret", "pm_card_visa"); !errors.Is(err, browser.ErrNotSecret) {
		t.Errorf("err = %v, want ErrNotSecret", err)
	}
}

func session(t *testing.T, server func(string, url.Values) map[string]any) map[string]any {
	return server("/v1/checkout/sessions", url.Values{
		"mode": {"payment"}, "success_url": {"https://shop.example/ok"},
		"line_items[0][quantity]": {"1"}, "line_items[0][price_data][currency]": {"usd"},
		"line_items[0][price_data][unit_amount]": {"1500"}, "line_items[0][price_data][product_data][name]": {"tea"},
	})
}

func TestCheckout(t *testing.T) {
	b, server := provider(t)
	ctx := context.Background()

	s := session(t, server)
	a, err := b.Checkout(ctx, s["url"].(string), "pm_card_visa")
	if err != nil || !a.Done() || a.PaymentStatus != "paid" {
		t.Fatalf("a good card: %+v, %v", a, err)
	}
	s = session(t, server)
	if a, err = b.Checkout(ctx, s["id"].(string), "pm_card_chargeDeclined"); err != nil || !a.Failed() || a.Status != "open" {
		t.Fatalf("a declined card: %+v, %v; want a 402 on an open session", a, err)
	}
	s = session(t, server)
	if a, err = b.Checkout(ctx, s["url"].(string), "pm_card_authenticationRequired"); err != nil || a.Status != "requires_action" {
		t.Fatalf("a 3-D Secure card: %+v, %v; want the challenge page", a, err)
	}
	s = session(t, server)
	if a, err = b.Abandon(ctx, s["url"].(string)); err != nil || a.Status != "open" {
		t.Fatalf("abandon: %+v, %v", a, err)
	}
	server("/v1/checkout/sessions/"+s["id"].(string)+"/expire", nil)
	if a, err = b.Checkout(ctx, s["url"].(string), "pm_card_visa"); err != nil || !a.Failed() || a.Status != "expired" {
		t.Fatalf("an expired session: %+v, %v", a, err)
	}
}

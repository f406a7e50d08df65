package checkout

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func withFlow(f Flow) func(*Config) { return func(c *Config) { c.Flow = f } }

func TestParseFlow(t *testing.T) {
	for in, want := range map[string]Flow{"": FlowServerConfirm, "client_confirm": FlowClientConfirm, " checkout_session ": FlowCheckoutSession} {
		if got, err := parseFlow(in); err != nil || got != want {
			t.Errorf("parseFlow(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := parseFlow("browser"); err == nil || !strings.Contains(err.Error(), "client_confirm") {
		t.Errorf("an unknown flow: %v", err)
	}
}

// The client flow: the answer carries the client_secret and no card was
// sent; the browser's confirmation, heard by webhook, pays the order;
// the reconciler leaves an unconfirmed order pending, not failed.
func TestClientConfirmFlow(t *testing.T) {
	e := newEnv(t, withFlow(FlowClientConfirm))
	e.webhooks()
	r := e.pay(aliceToken, "k1", 1500, "")
	o := r.order(t)
	if r.status != http.StatusAccepted || o.Status != StatusPending || !strings.HasPrefix(o.ClientSecret, o.PaymentIntent+"_secret_") {
		t.Fatalf("checkout answer %d %s", r.status, r.body)
	}
	if s := e.reconcile(); s.Failed != 0 {
		t.Fatalf("the reconciler failed an order the customer has yet to confirm: %+v", s)
	}
	if got := e.mustOrder(o.ID).Status; got != StatusPending {
		t.Fatalf("unconfirmed order is %s", got)
	}
	keys, _ := e.fp.APIKeys(context.Background())
	form := url.Values{"client_secret": {o.ClientSecret}, "payment_method": {"pm_card_visa"}}
	hr, _ := http.NewRequest("POST", e.fps.URL+"/v1/payment_intents/"+o.PaymentIntent+"/confirm", strings.NewReader(form.Encode()))
	hr.Header.Set("Authorization", "Bearer "+keys.PublishableKey)
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("confirm: %v %v", resp, err)
	}
	resp.Body.Close()
	eventually(t, "the order is paid", func() bool { return e.mustOrder(o.ID).Status == StatusPaid })
}

// The Checkout flow: the answer carries the session and its page; paying
// there pays the order; an expired session fails its order.
func TestCheckoutSessionFlow(t *testing.T) {
	e := newEnv(t, withFlow(FlowCheckoutSession))
	e.webhooks()
	paid := e.pay(aliceToken, "k1", 1500, "").order(t)
	left := e.pay(aliceToken, "k2", 900, "").order(t)
	if !strings.HasPrefix(paid.CheckoutSession, "cs_") || !strings.Contains(paid.CheckoutURL, "/pay/"+paid.CheckoutSession) {
		t.Fatalf("checkout answer %+v", paid)
	}
	u, _ := url.Parse(paid.CheckoutURL)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(e.fps.URL+u.Path, url.Values{"card": {"4242 4242 4242 4242"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay the hosted page: %v %v", resp, err)
	}
	resp.Body.Close()
	eventually(t, "the paid session's order is paid", func() bool { return e.mustOrder(paid.ID).Status == StatusPaid })

	hr, _ := http.NewRequest("POST", e.fps.URL+"/v1/checkout/sessions/"+left.CheckoutSession+"/expire", nil)
	hr.Header.Set("Authorization", "Bearer "+testKey)
	resp, err = http.DefaultClient.Do(hr)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("expire: %v %v", resp, err)
	}
	resp.Body.Close()
	eventually(t, "the expired session's order is failed", func() bool {
		e.reconcile()
		return e.mustOrder(left.ID).Status == StatusFailed
	})
}

package fakeprovider

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

// browser returns a stripe-go client that holds the publishable key, as
// Stripe.js does in the customer's browser.
func (h *harness) browser() *stripe.Client {
	tr := &http.Transport{}
	h.trs = append(h.trs, tr)
	cfg := &stripe.BackendConfig{
		URL:               stripe.String(h.srv.URL),
		MaxNetworkRetries: stripe.Int64(0),
		HTTPClient:        &http.Client{Timeout: 5 * time.Second, Transport: tr},
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		EnableTelemetry:   stripe.Bool(false),
	}
	return stripe.NewClient(h.p.PublishableKey(), stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))
}

// browserConfirm confirms pi as the Payment Element does: publishable
// key, client_secret, and the card as payment_method_data.
func browserConfirm(h *harness, pi *stripe.PaymentIntent, token string) (*stripe.PaymentIntent, error) {
	params := &stripe.PaymentIntentConfirmParams{
		PaymentMethodData: &stripe.PaymentIntentPaymentMethodDataParams{Type: stripe.String("card")},
		ReturnURL:         stripe.String("https://shop.example/return"),
	}
	params.AddExtra("client_secret", pi.ClientSecret)
	params.AddExtra("payment_method_data[card][token]", token)
	return h.browser().V1PaymentIntents.Confirm(bg, pi.ID, params)
}

// serverCreate is the service's half: create the PaymentIntent with the
// secret key and hand its client_secret to the browser.
func serverCreate(t *testing.T, h *harness, order string) *stripe.PaymentIntent {
	t.Helper()
	pi, err := h.client(0, 0).V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(1500), Currency: stripe.String("usd"),
		AutomaticPaymentMethods: &stripe.PaymentIntentCreateAutomaticPaymentMethodsParams{Enabled: stripe.Bool(true)},
		Metadata:                map[string]string{"order_id": order},
	})
	if err != nil {
		t.Fatal(err)
	}
	if pi.ClientSecret == "" || pi.Status != stripe.PaymentIntentStatusRequiresPaymentMethod {
		t.Fatalf("created %+v", pi)
	}
	return pi
}

func TestPaymentElementFlow(t *testing.T) {
	sink := newHookSink(t, "whsec_pe")
	h := newHarness(t, WithSeed(7), WithWebhook(sink.srv.URL, sink.secret))
	pk := h.p.PublishableKey()
	same := New(WithSeed(7))
	defer same.Close()
	if !strings.HasPrefix(pk, "pk_test_") || len(pk) < 30 || pk != same.PublishableKey() || strings.Contains(pk, "0000") {
		t.Fatalf("publishable key %q is not a stable, random-looking pk_test_ key", pk)
	}
	pi := serverCreate(t, h, "o-pe")

	got, err := h.browser().V1PaymentIntents.Retrieve(bg, pi.ID, &stripe.PaymentIntentRetrieveParams{ClientSecret: stripe.String(pi.ClientSecret)})
	if err != nil || got.ID != pi.ID || got.Amount != 1500 {
		t.Fatalf("browser retrieve: %v %+v", err, got)
	}
	done, err := browserConfirm(h, pi, "tok_visa")
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != stripe.PaymentIntentStatusSucceeded || done.LatestCharge == nil || done.PaymentMethod == nil {
		t.Fatalf("confirmed %+v", done)
	}
	eventually(t, 5*time.Second, "payment_intent.succeeded at the service", func() bool {
		for _, typ := range sink.types() {
			if typ == "payment_intent.succeeded" {
				return true
			}
		}
		return false
	})
	if sink.rejectedCount() != 0 {
		t.Fatalf("ConstructEvent rejected: %v", sink.rejected)
	}
	snap := h.p.Snapshot()
	if len(snap.Charges) != 1 || snap.Charges[0].Status != "succeeded" || snap.PaymentIntents[0].OrderID() != "o-pe" {
		t.Fatalf("ledger %+v", snap)
	}
}

func TestPaymentElementCardsBehaveAsServerConfirm(t *testing.T) {
	h := newHarness(t, WithProcessingDelay(50*time.Millisecond))
	t.Run("3-D Secure", func(t *testing.T) {
		pi := serverCreate(t, h, "o-3ds")
		got, err := browserConfirm(h, pi, "tok_threeDSecure2Required")
		if err != nil || got.Status != stripe.PaymentIntentStatusRequiresAction || got.NextAction == nil {
			t.Fatalf("3-D Secure: %v %+v", err, got)
		}
		if err := h.p.Authenticate(bg, pi.ID, true); err != nil {
			t.Fatal(err)
		}
		got, err = h.browser().V1PaymentIntents.Retrieve(bg, pi.ID, &stripe.PaymentIntentRetrieveParams{ClientSecret: stripe.String(pi.ClientSecret)})
		if err != nil || got.Status != stripe.PaymentIntentStatusSucceeded {
			t.Fatalf("after authentication: %v %+v", err, got)
		}
	})
	t.Run("decline", func(t *testing.T) {
		pi := serverCreate(t, h, "o-dec")
		_, err := browserConfirm(h, pi, "tok_chargeDeclinedInsufficientFunds")
		se := stripeErr(t, err)
		if se.HTTPStatusCode != 402 || se.DeclineCode != "insufficient_funds" || se.PaymentIntent == nil {
			t.Fatalf("decline: %+v", se)
		}
		// The customer tries another card with the same client_secret.
		got, err := browserConfirm(h, pi, "pm_card_visa")
		if err != nil || got.Status != stripe.PaymentIntentStatusSucceeded {
			t.Fatalf("second card: %v %+v", err, got)
		}
	})
	t.Run("async", func(t *testing.T) {
		pi := serverCreate(t, h, "o-async")
		got, err := browserConfirm(h, pi, "tok_processing")
		if err != nil || got.Status != stripe.PaymentIntentStatusProcessing {
			t.Fatalf("async: %v %+v", err, got)
		}
		eventually(t, 5*time.Second, "settlement", func() bool {
			got, err := h.client(0, 0).V1PaymentIntents.Retrieve(bg, pi.ID, nil)
			return err == nil && got.Status == stripe.PaymentIntentStatusSucceeded
		})
	})
	t.Run("card number", func(t *testing.T) {
		pi := serverCreate(t, h, "o-num")
		params := &stripe.PaymentIntentConfirmParams{
			PaymentMethodData: &stripe.PaymentIntentPaymentMethodDataParams{Type: stripe.String("card")},
			ReturnURL:         stripe.String("https://shop.example/return"),
		}
		params.AddExtra("client_secret", pi.ClientSecret)
		params.AddExtra("payment_method_data[card][number]", "4000 0000 0000 0002")
		_, err := h.browser().V1PaymentIntents.Confirm(bg, pi.ID, params)
		if se := stripeErr(t, err); se.Code != "card_declined" {
			t.Fatalf("declining number: %+v", se)
		}
	})
}

// TestPublishableKeyRefusedElsewhere: Stripe takes a publishable key only
// on the browser's calls, and only with the object's client_secret.
func TestPublishableKeyRefusedElsewhere(t *testing.T) {
	h := newHarness(t)
	pi := serverCreate(t, h, "o-pk")
	pk := "Bearer " + h.p.PublishableKey()
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"create", "POST", "/v1/payment_intents", "amount=100&currency=usd", 403, "secret_key_required"},
		{"list", "GET", "/v1/payment_intents", "", 403, "secret_key_required"},
		{"capture", "POST", "/v1/payment_intents/" + pi.ID + "/capture", "", 403, "secret_key_required"},
		{"refund", "POST", "/v1/refunds", "payment_intent=" + pi.ID, 403, "secret_key_required"},
		{"customers", "GET", "/v1/customers", "", 403, "secret_key_required"},
		{"checkout", "POST", "/v1/checkout/sessions", "mode=payment", 403, "secret_key_required"},
		{"retrieve without secret", "GET", "/v1/payment_intents/" + pi.ID, "", 400, "parameter_missing"},
		{"retrieve with another secret", "GET", "/v1/payment_intents/" + pi.ID + "?client_secret=" + url.QueryEscape(pi.ID+"_secret_wrong"), "", 400, ""},
		{"confirm without secret", "POST", "/v1/payment_intents/" + pi.ID + "/confirm", "payment_method=pm_card_visa", 400, "parameter_missing"},
	} {
		status, _, body := h.raw(tc.method, tc.path, tc.body, map[string]string{"Authorization": pk})
		if status != tc.status || !strings.Contains(body, `"code":"`+tc.code) && tc.code != "" || !strings.Contains(body, `"type":"invalid_request_error"`) {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}
	status, _, body := h.raw("GET", "/v1/payment_intents/"+pi.ID, "", map[string]string{"Authorization": "Bearer pk_test_someoneelse1234567890"})
	if status != 401 || strings.Contains(body, "someoneelse1234567890") {
		t.Fatalf("foreign publishable key: %d %s", status, body)
	}
	// Nothing was changed by the refused calls.
	if snap := h.p.Snapshot(); len(snap.PaymentIntents) != 1 || snap.PaymentIntents[0].Status != "requires_payment_method" {
		t.Fatalf("ledger after refusals: %+v", snap.PaymentIntents)
	}
	// The key is what the control API shows.
	k, err := NewClient(h.srv.URL, "").APIKeys(bg)
	if err != nil || k.PublishableKey != h.p.PublishableKey() {
		t.Fatalf("control API keys: %v %+v", err, k)
	}
}

// TestStripeJSKeyParameter: Stripe.js sends no Authorization header but
// key=pk_… among the parameters.
func TestStripeJSKeyParameter(t *testing.T) {
	h := newHarness(t)
	pi := serverCreate(t, h, "o-js")
	noAuth := map[string]string{"Authorization": ""}
	q := "key=" + h.p.PublishableKey() + "&client_secret=" + url.QueryEscape(pi.ClientSecret)
	if status, _, body := h.raw("GET", "/v1/payment_intents/"+pi.ID+"?"+q, "", noAuth); status != 200 || !strings.Contains(body, `"status":"requires_payment_method"`) {
		t.Fatalf("retrieve: %d %s", status, body)
	}
	status, _, body := h.raw("POST", "/v1/payment_intents/"+pi.ID+"/confirm",
		q+"&payment_method_data[type]=card&payment_method_data[card][token]=tok_visa&expected_payment_method_type=card&use_stripe_sdk=true&return_url=https://shop.example/r", noAuth)
	if status != 200 || !strings.Contains(body, `"status":"succeeded"`) {
		t.Fatalf("confirm: %d %s", status, body)
	}
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"no key at all", "GET", "/v1/payment_intents/" + pi.ID + "?client_secret=" + url.QueryEscape(pi.ClientSecret), "", 401},
		{"another key", "GET", "/v1/payment_intents/" + pi.ID + "?key=pk_test_nope&client_secret=" + url.QueryEscape(pi.ClientSecret), "", 401},
		{"a key parameter elsewhere", "POST", "/v1/payment_intents", "key=" + h.p.PublishableKey() + "&amount=100&currency=usd", 401},
	} {
		if status, _, body := h.raw(tc.method, tc.path, tc.body, noAuth); status != tc.status {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}
}

// TestBrowserCreatesThePaymentMethod: Stripe.js's older flow makes the
// PaymentMethod with the publishable key, then confirms with its id.
func TestBrowserCreatesThePaymentMethod(t *testing.T) {
	h := newHarness(t)
	pi := serverCreate(t, h, "o-cpm")
	pm, err := h.browser().V1PaymentMethods.Create(bg, &stripe.PaymentMethodCreateParams{Type: stripe.String("card"),
		Card: &stripe.PaymentMethodCreateCardParams{Token: stripe.String("tok_mastercard")}})
	if err != nil || pm.Card == nil || pm.Card.Last4 != "4444" {
		t.Fatalf("create payment method: %v %+v", err, pm)
	}
	params := &stripe.PaymentIntentConfirmParams{PaymentMethod: stripe.String(pm.ID), ReturnURL: stripe.String("https://shop.example/r")}
	params.AddExtra("client_secret", pi.ClientSecret)
	got, err := h.browser().V1PaymentIntents.Confirm(bg, pi.ID, params)
	if err != nil || got.Status != stripe.PaymentIntentStatusSucceeded {
		t.Fatalf("confirm with the new payment method: %v %+v", err, got)
	}
	if _, err := h.browser().V1PaymentMethods.Retrieve(bg, pm.ID, nil); stripeErr(t, err).HTTPStatusCode != 403 {
		t.Fatal("retrieving a payment method with the publishable key")
	}
}

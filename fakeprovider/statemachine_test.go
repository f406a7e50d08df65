package fakeprovider

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

func manualParams(order string, amount int64) *stripe.PaymentIntentCreateParams {
	p := visaParams(order, amount)
	p.CaptureMethod = stripe.String("manual")
	return p
}

func TestManualCaptureFullAndPartial(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	pi, err := sc.V1PaymentIntents.Create(bg, manualParams("o-m", 5000))
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusRequiresCapture || pi.AmountCapturable != 5000 || pi.AmountReceived != 0 {
		t.Fatalf("after authorisation: %s capturable=%d received=%d", pi.Status, pi.AmountCapturable, pi.AmountReceived)
	}
	// Refunding an uncaptured payment is an error that points to cancel.
	_, err = sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)})
	if se := stripeErr(t, err); se.HTTPStatusCode != 400 || !strings.Contains(se.Msg, "cancel") {
		t.Fatalf("refund of uncaptured: %d %s", se.HTTPStatusCode, se.Msg)
	}
	// Capturing more than authorised fails and changes nothing.
	_, err = sc.V1PaymentIntents.Capture(bg, pi.ID, &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(5001)})
	if se := stripeErr(t, err); se.Code != "amount_too_large" {
		t.Fatalf("over-capture: %s", se.Code)
	}
	pi, err = sc.V1PaymentIntents.Capture(bg, pi.ID, &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(3000),
		Expand: []*string{stripe.String("latest_charge")}})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusSucceeded || pi.AmountReceived != 3000 || pi.AmountCapturable != 0 {
		t.Fatalf("after partial capture: %s received=%d capturable=%d", pi.Status, pi.AmountReceived, pi.AmountCapturable)
	}
	if ch := pi.LatestCharge; !ch.Captured || ch.AmountCaptured != 3000 || ch.AmountRefunded != 2000 || ch.Refunded {
		t.Fatalf("charge after partial capture: %+v", ch)
	}
	// Capturing twice is an unexpected state.
	_, err = sc.V1PaymentIntents.Capture(bg, pi.ID, nil)
	se := stripeErr(t, err)
	if se.Code != "payment_intent_unexpected_state" || se.HTTPStatusCode != 400 || !strings.Contains(se.Msg, "already been captured") || se.PaymentIntent == nil {
		t.Fatalf("second capture: %d %s %s", se.HTTPStatusCode, se.Code, se.Msg)
	}
	snap := h.p.Snapshot()
	ch := snap.Charges[0]
	if ch.AmountCaptured != 3000 || ch.Released != 2000 || ch.AmountRefunded != 0 {
		t.Fatalf("ledger charge: %+v", ch)
	}
	want := []string{"payment_intent.created", "charge.succeeded", "payment_intent.amount_capturable_updated", "charge.captured", "payment_intent.succeeded"}
	if got := eventTypes(snap); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v", got)
	}
}

func eventTypes(s Snapshot) []string {
	var out []string
	for _, e := range s.Events {
		out = append(out, e.Type)
	}
	return out
}

func TestCancel(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	// From requires_capture: the authorisation is released.
	pi, err := sc.V1PaymentIntents.Create(bg, manualParams("o-c1", 4000))
	if err != nil {
		t.Fatal(err)
	}
	pi, err = sc.V1PaymentIntents.Cancel(bg, pi.ID, &stripe.PaymentIntentCancelParams{CancellationReason: stripe.String("requested_by_customer")})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusCanceled || pi.CanceledAt == 0 || pi.CancellationReason != "requested_by_customer" || pi.AmountCapturable != 0 {
		t.Fatalf("canceled: %+v", pi)
	}
	ch, err := sc.V1Charges.Retrieve(bg, pi.LatestCharge.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Refunded || ch.Captured || ch.AmountRefunded != 4000 {
		t.Fatalf("released charge: %+v", ch)
	}
	// From requires_payment_method.
	pi2, err := sc.V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("usd")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.V1PaymentIntents.Cancel(bg, pi2.ID, nil); err != nil {
		t.Fatal(err)
	}
	// Not from succeeded.
	pi3, err := sc.V1PaymentIntents.Create(bg, visaParams("o-c3", 100))
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.V1PaymentIntents.Cancel(bg, pi3.ID, nil)
	se := stripeErr(t, err)
	if se.Code != "payment_intent_unexpected_state" || !strings.Contains(se.Msg, "status of succeeded") {
		t.Fatalf("cancel succeeded: %s %s", se.Code, se.Msg)
	}
	_, err = sc.V1PaymentIntents.Cancel(bg, pi2.ID, &stripe.PaymentIntentCancelParams{CancellationReason: stripe.String("bored")})
	if se := stripeErr(t, err); se.HTTPStatusCode != 400 || se.Param != "cancellation_reason" {
		t.Fatalf("bad reason: %+v", se)
	}
	snap := h.p.Snapshot()
	if c := snap.Charges[0]; c.Released != 4000 || c.AmountRefunded != 0 || c.AmountCaptured != 0 {
		t.Fatalf("ledger after release: %+v", c)
	}
}

func TestConfirmInvalidStates(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	pi, err := sc.V1PaymentIntents.Create(bg, visaParams("o", 100))
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.V1PaymentIntents.Confirm(bg, pi.ID, nil)
	if se := stripeErr(t, err); se.Code != "payment_intent_unexpected_state" || !strings.Contains(se.Msg, "already succeeded") {
		t.Fatalf("confirm succeeded: %s", se.Msg)
	}
	pi2, err := sc.V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(100), Currency: stripe.String("usd"),
		PaymentMethodTypes: []*string{stripe.String("card")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.V1PaymentIntents.Confirm(bg, pi2.ID, nil)
	if se := stripeErr(t, err); se.Code != "payment_intent_unexpected_state" || !strings.Contains(se.Msg, "missing a payment method") {
		t.Fatalf("confirm without pm: %s", se.Msg)
	}
	_, err = sc.V1PaymentIntents.Confirm(bg, "pi_doesnotexist", nil)
	if se := stripeErr(t, err); se.HTTPStatusCode != 404 || se.Code != "resource_missing" {
		t.Fatalf("missing: %d %s", se.HTTPStatusCode, se.Code)
	}
	_, err = sc.V1PaymentIntents.Confirm(bg, pi2.ID, &stripe.PaymentIntentConfirmParams{PaymentMethod: stripe.String("pm_nope")})
	if se := stripeErr(t, err); se.Code != "resource_missing" || se.Param != "payment_method" {
		t.Fatalf("unknown pm: %s %s", se.Code, se.Param)
	}
}

func TestAutomaticPaymentMethodsNeedReturnURL(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	params := visaParams("o", 100)
	params.PaymentMethodTypes = nil // automatic payment methods, redirects allowed
	_, err := sc.V1PaymentIntents.Create(bg, params)
	if se := stripeErr(t, err); se.Param != "return_url" || !strings.Contains(se.Msg, "return_url") {
		t.Fatalf("%+v", se)
	}
	if n := len(h.p.Snapshot().PaymentIntents); n != 0 {
		t.Fatalf("rejected create left %d payments", n)
	}
	params.AutomaticPaymentMethods = &stripe.PaymentIntentCreateAutomaticPaymentMethodsParams{Enabled: stripe.Bool(true), AllowRedirects: stripe.String("never")}
	pi, err := sc.V1PaymentIntents.Create(bg, params)
	if err != nil {
		t.Fatal(err)
	}
	if pi.AutomaticPaymentMethods == nil || !pi.AutomaticPaymentMethods.Enabled || pi.AutomaticPaymentMethods.AllowRedirects != "never" {
		t.Fatalf("apm: %+v", pi.AutomaticPaymentMethods)
	}
	params.AutomaticPaymentMethods = nil
	params.ReturnURL = stripe.String("https://shop.example/return")
	if _, err := sc.V1PaymentIntents.Create(bg, params); err != nil {
		t.Fatal(err)
	}
}

func TestUpdate(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	pi, err := sc.V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(1000), Currency: stripe.String("usd"),
		PaymentMethodTypes: []*string{stripe.String("card")}, Metadata: map[string]string{"order_id": "o-u", "drop": "me"}})
	if err != nil {
		t.Fatal(err)
	}
	pi, err = sc.V1PaymentIntents.Update(bg, pi.ID, &stripe.PaymentIntentUpdateParams{Amount: stripe.Int64(1200),
		PaymentMethod: stripe.String("pm_card_visa"), Metadata: map[string]string{"drop": "", "note": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Amount != 1200 || pi.Status != stripe.PaymentIntentStatusRequiresConfirmation || pi.Metadata["note"] != "x" || pi.Metadata["order_id"] != "o-u" {
		t.Fatalf("after update: %+v %v", pi.Status, pi.Metadata)
	}
	if _, ok := pi.Metadata["drop"]; ok {
		t.Fatal("an empty metadata value must unset the key")
	}
	pi, err = sc.V1PaymentIntents.Confirm(bg, pi.ID, nil)
	if err != nil || pi.AmountReceived != 1200 {
		t.Fatalf("confirm after update: %v %d", err, pi.AmountReceived)
	}
	_, err = sc.V1PaymentIntents.Update(bg, pi.ID, &stripe.PaymentIntentUpdateParams{Amount: stripe.Int64(1)})
	if se := stripeErr(t, err); se.Code != "payment_intent_unexpected_state" {
		t.Fatalf("amount after success: %s", se.Code)
	}
	// Metadata stays editable after success.
	if pi, err = sc.V1PaymentIntents.Update(bg, pi.ID, &stripe.PaymentIntentUpdateParams{Metadata: map[string]string{"shipped": "yes"}}); err != nil || pi.Metadata["shipped"] != "yes" {
		t.Fatalf("metadata after success: %v", err)
	}
}

func TestDeclineCodes(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	for _, tc := range []struct{ pm, code, decline string }{
		{"pm_card_visa_chargeDeclined", "card_declined", "generic_decline"},
		{"pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"},
		{"pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card"},
		{"pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card"},
		{"pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"},
		{"pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc"},
		{"pm_card_chargeDeclinedProcessingError", "processing_error", "processing_error"},
		{"pm_card_chargeDeclinedFraudulent", "card_declined", "fraudulent"},
	} {
		t.Run(tc.pm, func(t *testing.T) {
			params := visaParams("o-"+tc.pm, 1000)
			params.PaymentMethod = stripe.String(tc.pm)
			_, err := sc.V1PaymentIntents.Create(bg, params)
			se := stripeErr(t, err)
			if se.HTTPStatusCode != 402 || string(se.Code) != tc.code || string(se.DeclineCode) != tc.decline || se.Type != stripe.ErrorTypeCard {
				t.Fatalf("got %d %s/%s", se.HTTPStatusCode, se.Code, se.DeclineCode)
			}
			ch, err := sc.V1Charges.Retrieve(bg, se.ChargeID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ch.Status != stripe.ChargeStatusFailed || ch.FailureCode != tc.code || ch.Outcome == nil || ch.Outcome.Reason != tc.decline || ch.Paid {
				t.Fatalf("charge: %+v", ch)
			}
		})
	}
}

func TestThreeDSecure(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	params := visaParams("o-3ds", 3000)
	params.PaymentMethod = stripe.String("pm_card_authenticationRequired")
	pi, err := sc.V1PaymentIntents.Create(bg, params)
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusRequiresAction || pi.NextAction == nil || pi.NextAction.Type != "use_stripe_sdk" {
		t.Fatalf("3DS: %s %+v", pi.Status, pi.NextAction)
	}
	c := NewClient(h.srv.URL, "")
	if err := c.Authenticate(bg, pi.ID, true); err != nil {
		t.Fatal(err)
	}
	pi, err = sc.V1PaymentIntents.Retrieve(bg, pi.ID, nil)
	if err != nil || pi.Status != stripe.PaymentIntentStatusSucceeded || pi.NextAction != nil {
		t.Fatalf("after authentication: %v %s", err, pi.Status)
	}
	if err := c.Authenticate(bg, pi.ID, true); err == nil {
		t.Fatal("authenticating a succeeded payment must fail")
	}

	// Failed authentication.
	params.ReturnURL = stripe.String("https://shop.example/back")
	pi, err = sc.V1PaymentIntents.Create(bg, params)
	if err != nil {
		t.Fatal(err)
	}
	if pi.NextAction == nil || pi.NextAction.RedirectToURL == nil || pi.NextAction.RedirectToURL.ReturnURL != "https://shop.example/back" {
		t.Fatalf("redirect next action: %+v", pi.NextAction)
	}
	if err := h.p.Authenticate(bg, pi.ID, false); err != nil {
		t.Fatal(err)
	}
	pi, _ = sc.V1PaymentIntents.Retrieve(bg, pi.ID, nil)
	if pi.Status != stripe.PaymentIntentStatusRequiresPaymentMethod || pi.LastPaymentError == nil || pi.LastPaymentError.Code != "payment_intent_authentication_failure" {
		t.Fatalf("after failed authentication: %s %+v", pi.Status, pi.LastPaymentError)
	}

	// Off-session: authentication_required decline instead of requires_action.
	params.ReturnURL = nil
	params.OffSession = stripe.Bool(true)
	_, err = sc.V1PaymentIntents.Create(bg, params)
	if se := stripeErr(t, err); se.HTTPStatusCode != 402 || se.Code != "authentication_required" || se.DeclineCode != "authentication_required" {
		t.Fatalf("off-session: %d %s %s", se.HTTPStatusCode, se.Code, se.DeclineCode)
	}
	types := eventTypes(h.p.Snapshot())
	if !contains(types, "payment_intent.requires_action") || !contains(types, "payment_intent.payment_failed") {
		t.Fatalf("events %v", types)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestProcessingSettlesLater(t *testing.T) {
	sink := newHookSink(t, "whsec_proc")
	h := newHarness(t, WithProcessingDelay(50*time.Millisecond), WithWebhook(sink.srv.URL, sink.secret))
	sc := h.client(0, 0)
	params := visaParams("o-p", 1000)
	params.PaymentMethod = stripe.String("pm_card_processing")
	pi, err := sc.V1PaymentIntents.Create(bg, params)
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusProcessing {
		t.Fatalf("status %s", pi.Status)
	}
	eventually(t, 5*time.Second, "settlement", func() bool {
		got, err := sc.V1PaymentIntents.Retrieve(bg, pi.ID, nil)
		return err == nil && got.Status == stripe.PaymentIntentStatusSucceeded
	})
	eventually(t, 5*time.Second, "the succeeded webhook", func() bool { return contains(sink.types(), "payment_intent.succeeded") })
	snap := h.p.Snapshot()
	if len(snap.Charges) != 1 || snap.Charges[0].Status != "succeeded" || !snap.Charges[0].Captured {
		t.Fatalf("one charge settles: %+v", snap.Charges)
	}
	last := snap.Events[len(snap.Events)-1]
	if last.Type != "payment_intent.succeeded" || last.RequestID != "" {
		t.Fatalf("settlement event: %+v", last)
	}

	params.PaymentMethod = stripe.String("pm_card_processingDeclined")
	pi, err = sc.V1PaymentIntents.Create(bg, params)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "failed settlement", func() bool {
		got, err := sc.V1PaymentIntents.Retrieve(bg, pi.ID, nil)
		return err == nil && got.Status == stripe.PaymentIntentStatusRequiresPaymentMethod && got.LastPaymentError != nil
	})
}

func TestValidation(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ body, code, param string }{
		{"currency=usd", "parameter_missing", "amount"},
		{"amount=100", "parameter_missing", "currency"},
		{"amount=100&currency=", "parameter_invalid_empty", "currency"},
		{"amount=&currency=usd", "parameter_invalid_empty", "amount"},
		{"amount=100&currency=usd&payment_method_types[0]=card&automatic_payment_methods[enabled]=true", "parameters_exclusive", "automatic_payment_methods"},
		{"amount=abc&currency=usd", "parameter_invalid_integer", "amount"},
		{"amount=-5&currency=usd", "parameter_invalid_integer", "amount"},
		{"amount=10&currency=usd", "amount_too_small", "amount"},
		{"amount=100000000&currency=usd", "amount_too_large", "amount"},
		{"amount=100&currency=xxx", "", "currency"},
		{"amount=100&currency=usd&confirm=maybe", "", "confirm"},
		{"amount=100&currency=usd&capture_method=later", "", "capture_method"},
		{"amount=100&currency=usd&metadata=x", "", "metadata"},
		{"amount=100&currency=usd&amount[x]=1", "", "amount[x]"},
		{"amount=100&currency=usd&automatic_payment_methods[bogus]=1", "parameter_unknown", "automatic_payment_methods[bogus]"},
		{"amount=100&currency=usd&expand[0]=customer", "", "expand"},
		{"amount=100&currency=usd&payment_method_types[0]=sepa_debit", "", "payment_method_types"},
		{"amount=100&currency=usd&metadata[" + strings.Repeat("k", 41) + "]=v", "", "metadata"},
		{"amount=%zz&currency=usd", "", "amount"},
		{"a[b=1", "", "a[b"},
	} {
		status, _, body := h.raw("POST", "/v1/payment_intents", tc.body, map[string]string{"Idempotency-Key": "v-" + tc.body})
		if status != 400 || !strings.Contains(body, `"type":"invalid_request_error"`) ||
			(tc.code != "" && !strings.Contains(body, `"code":"`+tc.code+`"`)) || !strings.Contains(body, `"param":"`+tc.param+`"`) {
			t.Errorf("%q: %d %s", tc.body, status, body)
		}
	}
	snap := h.p.Snapshot()
	if len(snap.PaymentIntents) != 0 || len(snap.Events) != 0 {
		t.Fatal("validation failures changed state")
	}
	// Validation failures are not saved under the key: a corrected retry runs.
	status, hdr, body := h.raw("POST", "/v1/payment_intents", "amount=100&currency=usd", map[string]string{"Idempotency-Key": "v-currency=usd"})
	if status != 200 || hdr.Get("Idempotent-Replayed") != "" {
		t.Fatalf("corrected retry: %d %s", status, body)
	}
}

func TestBodyLimitsAndContentType(t *testing.T) {
	h := newHarness(t, WithMaxBodyBytes(1024))
	status, _, body := h.raw("POST", "/v1/payment_intents", "amount=100&currency=usd&description="+strings.Repeat("x", 2000), nil)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "too large") {
		t.Fatalf("%d %s", status, body)
	}
	status, _, body = h.raw("POST", "/v1/payment_intents", `{"amount":100}`, map[string]string{"Content-Type": "application/json"})
	if status != 400 || !strings.Contains(body, "Content-Type") {
		t.Fatalf("%d %s", status, body)
	}
}

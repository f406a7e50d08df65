package fakeprovider

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

func TestCreateConfirmSucceeds(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	pi, err := sc.V1PaymentIntents.Create(bg, visaParams("order-1", 2000))
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusSucceeded || pi.Amount != 2000 || pi.AmountReceived != 2000 || pi.Currency != "usd" {
		t.Fatalf("unexpected payment intent: status=%s amount=%d received=%d currency=%s", pi.Status, pi.Amount, pi.AmountReceived, pi.Currency)
	}
	if !strings.HasPrefix(pi.ID, "pi_") || len(pi.ID) != 27 || !strings.HasPrefix(pi.ClientSecret, pi.ID+"_secret_") {
		t.Fatalf("ids do not look like Stripe's: %q %q", pi.ID, pi.ClientSecret)
	}
	if pi.Metadata["order_id"] != "order-1" {
		t.Fatalf("metadata lost: %v", pi.Metadata)
	}
	if pi.LatestCharge == nil || !strings.HasPrefix(pi.LatestCharge.ID, "ch_") {
		t.Fatalf("no latest charge: %+v", pi.LatestCharge)
	}
	if pi.PaymentMethod == nil || pi.PaymentMethod.ID != "pm_card_visa" {
		t.Fatalf("payment method: %+v", pi.PaymentMethod)
	}
	if rid := pi.LastResponse.RequestID; !strings.HasPrefix(rid, "req_") {
		t.Fatalf("Request-Id header missing: %q", rid)
	}
	if pi.LastResponse.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("a fresh answer must not be marked replayed")
	}

	snap := h.p.Snapshot()
	if len(snap.PaymentIntents) != 1 || len(snap.Charges) != 1 {
		t.Fatalf("ledger: %d payments, %d charges", len(snap.PaymentIntents), len(snap.Charges))
	}
	rec := snap.PaymentIntents[0]
	if rec.OrderID() != "order-1" || rec.Status != "succeeded" || rec.AmountReceived != 2000 || rec.IdempotencyKey == "" {
		t.Fatalf("ledger record: %+v", rec)
	}
	ch := snap.Charges[0]
	if !ch.Captured || ch.AmountCaptured != 2000 || ch.Status != "succeeded" || ch.PaymentIntent != pi.ID {
		t.Fatalf("charge record: %+v", ch)
	}
	var types []string
	for _, e := range snap.Events {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, ","); got != "payment_intent.created,charge.succeeded,payment_intent.succeeded" {
		t.Fatalf("events: %s", got)
	}
	if snap.Requests["POST /v1/payment_intents"] != 1 {
		t.Fatalf("request counter: %v", snap.Requests)
	}
}

func TestCreateThenConfirmAndRetrieve(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	pi, err := sc.V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(1500), Currency: stripe.String("eur"),
		PaymentMethodTypes: []*string{stripe.String("card")},
		Metadata:           map[string]string{"order_id": "o-2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusRequiresPaymentMethod {
		t.Fatalf("status %s", pi.Status)
	}
	pi, err = sc.V1PaymentIntents.Confirm(bg, pi.ID, &stripe.PaymentIntentConfirmParams{PaymentMethod: stripe.String("pm_card_visa")})
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusSucceeded {
		t.Fatalf("status after confirm %s", pi.Status)
	}
	got, err := sc.V1PaymentIntents.Retrieve(bg, pi.ID, &stripe.PaymentIntentRetrieveParams{Expand: []*string{stripe.String("latest_charge")}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != stripe.PaymentIntentStatusSucceeded || got.LatestCharge == nil || !got.LatestCharge.Captured || got.LatestCharge.Amount != 1500 {
		t.Fatalf("retrieve: %+v / charge %+v", got.Status, got.LatestCharge)
	}
	if got.LatestCharge.PaymentMethodDetails == nil || got.LatestCharge.PaymentMethodDetails.Card.Last4 != "4242" {
		t.Fatalf("card details missing: %+v", got.LatestCharge.PaymentMethodDetails)
	}
}

func TestDeclineIs402AndBackToRequiresPaymentMethod(t *testing.T) {
	h := newHarness(t)
	sc := h.client(2, 0)
	params := visaParams("order-d", 700)
	params.PaymentMethod = stripe.String("pm_card_chargeDeclined")
	_, err := sc.V1PaymentIntents.Create(bg, params)
	se := stripeErr(t, err)
	if se.HTTPStatusCode != http.StatusPaymentRequired || se.Type != stripe.ErrorTypeCard || se.Code != stripe.ErrorCodeCardDeclined || se.DeclineCode != "generic_decline" {
		t.Fatalf("decline error: status=%d type=%s code=%s decline=%s", se.HTTPStatusCode, se.Type, se.Code, se.DeclineCode)
	}
	var ce *stripe.CardError
	if !errors.As(se.Err, &ce) {
		t.Fatalf("inner error %T, want *stripe.CardError", se.Err)
	}
	if se.PaymentIntent == nil || se.PaymentIntent.Status != stripe.PaymentIntentStatusRequiresPaymentMethod {
		t.Fatalf("embedded payment intent: %+v", se.PaymentIntent)
	}
	if se.RequestID == "" || se.ChargeID == "" {
		t.Fatalf("request id %q charge %q", se.RequestID, se.ChargeID)
	}
	if n := h.p.Snapshot().Requests["POST /v1/payment_intents"]; n != 1 {
		t.Fatalf("a 402 must not be retried by stripe-go; got %d attempts", n)
	}
	pi, err := sc.V1PaymentIntents.Retrieve(bg, se.PaymentIntent.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pi.Status != stripe.PaymentIntentStatusRequiresPaymentMethod || pi.LastPaymentError == nil || pi.LastPaymentError.DeclineCode != "generic_decline" {
		t.Fatalf("after decline: %s %+v", pi.Status, pi.LastPaymentError)
	}
	snap := h.p.Snapshot()
	if snap.Charges[0].Status != "failed" || snap.Charges[0].Captured || snap.PaymentIntents[0].AmountReceived != 0 {
		t.Fatalf("ledger after decline: %+v %+v", snap.Charges[0], snap.PaymentIntents[0])
	}
}

func TestAuthRequired(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ name, auth, want string }{
		{"missing", "", "You did not provide an API key"},
		{"live key", "Bearer sk_live_abcdefghijklmnop", "Invalid API Key provided: sk_live_****"},
		{"garbage", "Token x", "Invalid API Key provided"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := h.raw("GET", "/v1/payment_intents", "", map[string]string{"Authorization": tc.auth})
			if status != http.StatusUnauthorized || !strings.Contains(body, tc.want) || !strings.Contains(body, `"type":"invalid_request_error"`) {
				t.Fatalf("status %d body %s", status, body)
			}
			if !strings.HasPrefix(hdr.Get("Request-Id"), "req_") {
				t.Fatal("no Request-Id on 401")
			}
			if strings.Contains(body, "abcdefghijklmnop") {
				t.Fatal("the key leaked into the error")
			}
		})
	}
}

func TestIdempotentReplay(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	p1 := visaParams("order-i", 1000)
	p1.SetIdempotencyKey("key-1")
	first, err := sc.V1PaymentIntents.Create(bg, p1)
	if err != nil {
		t.Fatal(err)
	}
	p2 := visaParams("order-i", 1000)
	p2.SetIdempotencyKey("key-1")
	second, err := sc.V1PaymentIntents.Create(bg, p2)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != second.ID {
		t.Fatalf("replay created a new payment: %s vs %s", first.ID, second.ID)
	}
	if second.LastResponse.Header.Get("Idempotent-Replayed") != "true" || second.LastResponse.IdempotencyKey != "key-1" {
		t.Fatalf("replay headers: %v", second.LastResponse.Header)
	}
	if n := len(h.p.Snapshot().PaymentIntents); n != 1 {
		t.Fatalf("%d payments after a replay", n)
	}

	p3 := visaParams("order-i", 1001)
	p3.SetIdempotencyKey("key-1")
	_, err = sc.V1PaymentIntents.Create(bg, p3)
	se := stripeErr(t, err)
	var ie *stripe.IdempotencyError
	if se.HTTPStatusCode != http.StatusBadRequest || se.Type != stripe.ErrorTypeIdempotency || !errors.As(se.Err, &ie) ||
		!strings.Contains(se.Msg, "same parameters") {
		t.Fatalf("mismatch: %d %s %s", se.HTTPStatusCode, se.Type, se.Msg)
	}

	// Same key on another endpoint.
	cp := &stripe.PaymentIntentConfirmParams{}
	cp.SetIdempotencyKey("key-1")
	_, err = sc.V1PaymentIntents.Confirm(bg, first.ID, cp)
	se = stripeErr(t, err)
	if se.Type != stripe.ErrorTypeIdempotency || !strings.Contains(se.Msg, "same endpoint") {
		t.Fatalf("other endpoint: %s %s", se.Type, se.Msg)
	}
}

func TestIdempotencyInFlight409(t *testing.T) {
	h := newHarness(t)
	if _, err := h.p.AddFault(bg, Fault{Kind: FaultSlow, Endpoint: "POST /v1/payment_intents", Delay: 300 * time.Millisecond, Count: 1}); err != nil {
		t.Fatal(err)
	}
	sc := h.client(2, 0)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 1 {
				// Start second, while the first is in the slow endpoint.
				eventually(t, 2*time.Second, "first request in flight", func() bool {
					return h.p.Snapshot().Requests["POST /v1/payment_intents"] >= 1
				})
			}
			p := visaParams("order-c", 1200)
			p.SetIdempotencyKey("same-key")
			_, errs[i] = sc.V1PaymentIntents.Create(bg, p)
		}()
	}
	wg.Wait()
	if errs[0] != nil {
		t.Fatalf("first request: %v", errs[0])
	}
	se := stripeErr(t, errs[1])
	if se.HTTPStatusCode != http.StatusConflict || se.Code != "idempotency_key_in_use" {
		t.Fatalf("concurrent request: %d %s", se.HTTPStatusCode, se.Code)
	}
	snap := h.p.Snapshot()
	if len(snap.PaymentIntents) != 1 {
		t.Fatalf("%d payments", len(snap.PaymentIntents))
	}
	if snap.Requests["POST /v1/payment_intents"] != 2 {
		t.Fatalf("stripe-go must not retry a well-formed 409: %v", snap.Requests)
	}
}

func TestUnknownRouteAndParam(t *testing.T) {
	h := newHarness(t)
	status, _, body := h.raw("GET", "/v1/nothing_here", "", nil)
	if status != http.StatusNotFound || !strings.Contains(body, "Unrecognized request URL (GET: /v1/nothing_here)") {
		t.Fatalf("%d %s", status, body)
	}
	status, _, body = h.raw("POST", "/v1/payment_intents", "amount=100&currency=usd&bogus=1", nil)
	if status != http.StatusBadRequest || !strings.Contains(body, `"code":"parameter_unknown"`) || !strings.Contains(body, `"param":"bogus"`) {
		t.Fatalf("%d %s", status, body)
	}
	snap := h.p.Snapshot()
	if snap.UnknownRoutes != 1 || snap.UnknownParams != 1 || len(snap.PaymentIntents) != 0 {
		t.Fatalf("counters: routes=%d params=%d payments=%d", snap.UnknownRoutes, snap.UnknownParams, len(snap.PaymentIntents))
	}
}

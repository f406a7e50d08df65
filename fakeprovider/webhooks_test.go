package fakeprovider

import (
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

func TestWebhooksSignedAndDelivered(t *testing.T) {
	sink := newHookSink(t, "whsec_test_secret")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret))
	pi, err := h.client(0, 0).V1PaymentIntents.Create(bg, visaParams("o-w", 2500))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "three events", func() bool { return sink.count() == 3 })
	if sink.rejectedCount() != 0 {
		t.Fatalf("ConstructEvent rejected deliveries: %v", sink.rejected)
	}
	sink.mu.Lock()
	var succeeded *stripe.Event
	for i := range sink.events {
		if sink.events[i].Type == "payment_intent.succeeded" {
			succeeded = &sink.events[i]
		}
	}
	sink.mu.Unlock()
	if succeeded == nil {
		t.Fatalf("no payment_intent.succeeded among %v", sink.types())
	}
	if succeeded.APIVersion != DefaultAPIVersion || succeeded.Request == nil || succeeded.Request.IdempotencyKey == "" {
		t.Fatalf("event envelope: %+v", succeeded)
	}
	if id, _ := succeeded.Data.Object["id"].(string); id != pi.ID {
		t.Fatalf("event object id %q, want %s", id, pi.ID)
	}
	var got stripe.PaymentIntent
	if err := got.UnmarshalJSON(succeeded.Data.Raw); err != nil || got.Metadata["order_id"] != "o-w" {
		t.Fatalf("data.object does not decode as a PaymentIntent: %v %+v", err, got.Metadata)
	}
	// The sink answers before the provider logs the attempt.
	eventually(t, 5*time.Second, "three logged deliveries", func() bool { return len(h.p.Snapshot().Deliveries) == 3 })
	snap := h.p.Snapshot()
	for _, d := range snap.Deliveries {
		if d.Status != 200 || d.Attempt != 1 || d.Endpoint != sink.srv.URL {
			t.Fatalf("delivery %+v", d)
		}
	}
}

func TestWebhookRetriesAfterFailure(t *testing.T) {
	sink := newHookSink(t, "whsec_retry")
	sink.failNext(2)
	h := newHarness(t, WithWebhookRetry(4, 20*time.Millisecond), WithWebhookConcurrency(1))
	if err := h.p.AddWebhookEndpoint(bg, sink.srv.URL, sink.secret); err != nil {
		t.Fatal(err)
	}
	sc := h.client(0, 0)
	if _, err := sc.V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(900), Currency: stripe.String("usd"), PaymentMethodTypes: []*string{stripe.String("card")},
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the event after two failures", func() bool { return sink.count() == 1 })
	eventually(t, 5*time.Second, "three logged attempts", func() bool { return len(h.p.Snapshot().Deliveries) == 3 })
	snap := h.p.Snapshot()
	var attempts []int
	for _, d := range snap.Deliveries {
		attempts = append(attempts, d.Attempt)
		if d.Attempt < 3 && d.Status != 500 {
			t.Fatalf("failed attempt logged as %+v", d)
		}
	}
	if len(attempts) != 3 || attempts[2] != 3 || snap.Deliveries[2].Status != 200 {
		t.Fatalf("delivery log: %+v", snap.Deliveries)
	}
}

func TestWebhookEndpointValidation(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ url, secret string }{
		{"not a url", "whsec_x"},
		{"ftp://127.0.0.1/x", "whsec_x"},
		{"http://127.0.0.1:1/x", ""},
	} {
		if err := h.p.AddWebhookEndpoint(bg, tc.url, tc.secret); err == nil {
			t.Errorf("accepted %q %q", tc.url, tc.secret)
		}
	}
	if err := h.p.AddWebhookEndpoint(bg, "http://127.0.0.1:1/x", "whsec_x"); err != nil {
		t.Fatal(err)
	}
	if err := h.p.AddWebhookEndpoint(bg, "http://127.0.0.1:1/x", "whsec_x"); err == nil || !strings.Contains(err.Error(), "already") {
		t.Fatalf("duplicate endpoint: %v", err)
	}
}

func TestParseWebhookFlag(t *testing.T) {
	u, sec, err := ParseWebhookFlag("http://127.0.0.1:8080/hook?a=b=whsec_abc")
	if err != nil || u != "http://127.0.0.1:8080/hook?a=b" || sec != "whsec_abc" {
		t.Fatalf("%q %q %v", u, sec, err)
	}
	for _, bad := range []string{"", "http://x", "=whsec", "http://x="} {
		if _, _, err := ParseWebhookFlag(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestAwayHoldsWebhooks(t *testing.T) {
	sink := newHookSink(t, "whsec_away")
	sink.failNext(1)
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret), WithWebhookRetry(5, 100*time.Millisecond))
	if _, err := h.client(0, 0).V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(500), Currency: stripe.String("usd")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the failed first attempt", func() bool { return len(h.p.Snapshot().Deliveries) == 1 })
	id := mustAdd(t, h.p, Fault{Kind: FaultAway})
	// The retry is due after 100ms; while away it must not go out.
	for range 30 {
		if sink.count() != 0 {
			t.Fatal("a webhook went out while the provider was away")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := h.p.RemoveFault(bg, id); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "delivery once back", func() bool { return sink.count() == 1 })
}

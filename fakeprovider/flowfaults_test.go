package fakeprovider

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

// customerTry is customerPost that reports a lost answer instead of
// failing the test.
func customerTry(pageURL string, form url.Values) (int, error) {
	status, _, _, err := customerSend(pageURL, form)
	return status, err
}

func TestFlowRoutesAreFaultEndpoints(t *testing.T) {
	pats := RoutePatterns()
	p := New()
	defer p.Close()
	for _, want := range []string{"POST /v1/checkout/sessions", "GET /v1/checkout/sessions/{id}", "POST /v1/checkout/sessions/{id}/expire",
		"POST /v1/customers", "DELETE /v1/customers/{id}", "POST /v1/payment_methods/{id}/attach", "POST /v1/prices",
		"GET /pay/{id}", "POST /pay/{id}", "POST /pay/{id}/authenticate"} {
		if !slices.Contains(pats, want) {
			t.Errorf("%q is not a route faults can choose", want)
		}
		if _, err := p.AddFault(bg, Fault{Kind: FaultHTTPError, Endpoint: want}); err != nil {
			t.Errorf("fault on %s: %v", want, err)
		}
	}
}

// TestCommitThenFailOnCheckoutCompletion: the customer's card is charged
// and the session completes, but the browser never sees the answer.
func TestCommitThenFailOnCheckoutCompletion(t *testing.T) {
	sink := newHookSink(t, "whsec_ctf")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret))
	sc := h.client(0, 0)
	cs := newSession(t, sc, "o-ctf")
	id := mustAdd(t, h.p, Fault{Kind: FaultCommitThenFail, Mode: ModeDrop, Endpoint: "POST /pay/{id}", Count: 1})
	if _, err := customerTry(cs.URL, url.Values{"card": {"4242424242424242"}}); err == nil {
		t.Fatal("the customer got an answer")
	}
	if faultHits(t, h.p, id) != 1 {
		t.Fatal("fault did not act")
	}
	got, err := sc.V1CheckoutSessions.Retrieve(bg, cs.ID, nil)
	if err != nil || got.Status != stripe.CheckoutSessionStatusComplete || got.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid {
		t.Fatalf("session after the lost answer: %v %+v", err, got)
	}
	waitSessionEvents(t, sink, cs.ID, "checkout.session.completed:paid")
	// The customer reloads the page: it says paid, nothing is charged twice.
	if status, _, _ := customerPost(t, cs.URL, url.Values{"card": {"4242424242424242"}}); status != http.StatusSeeOther {
		t.Fatalf("resubmit: %d", status)
	}
	if n := len(h.p.Snapshot().Charges); n != 1 {
		t.Fatalf("%d charges", n)
	}
}

// TestCommitThenFailOnClientConfirm: the browser's confirm succeeds at
// the provider and the browser sees a 500.
func TestCommitThenFailOnClientConfirm(t *testing.T) {
	h := newHarness(t)
	pi := serverCreate(t, h, "o-ctf2")
	id := mustAdd(t, h.p, Fault{Kind: FaultCommitThenFail, Endpoint: "POST /v1/payment_intents/{id}/confirm", Status: 500})
	_, err := browserConfirm(h, pi, "tok_visa")
	if se := stripeErr(t, err); se.HTTPStatusCode != 500 || faultHits(t, h.p, id) != 1 {
		t.Fatalf("browser saw %+v", se)
	}
	got, err := h.client(0, 0).V1PaymentIntents.Retrieve(bg, pi.ID, nil)
	if err != nil || got.Status != stripe.PaymentIntentStatusSucceeded {
		t.Fatalf("the payment happened: %v %+v", err, got)
	}
}

// TestHostedPageOutage: the page is gone while the API still answers;
// when the fault goes the page is back with the session still open.
func TestHostedPageOutage(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	cs := newSession(t, sc, "o-out")
	id := mustAdd(t, h.p, Fault{Kind: FaultAway, Endpoint: "GET /pay/{id}"})
	if _, err := customerTry(cs.URL, nil); err == nil {
		t.Fatal("the page answered during its outage")
	}
	if _, err := sc.V1CheckoutSessions.Retrieve(bg, cs.ID, nil); err != nil {
		t.Fatalf("the API is not out: %v", err)
	}
	html := mustAdd(t, h.p, Fault{Kind: FaultHTTPError, Endpoint: "POST /pay/{id}", Status: 503, Body: BodyHTML})
	if status, err := customerTry(cs.URL, url.Values{"card": {"4242424242424242"}}); err != nil || status != 503 {
		t.Fatalf("submit during a 503: %d %v", status, err)
	}
	if faultHits(t, h.p, id) != 1 || faultHits(t, h.p, html) != 1 {
		t.Fatal("faults did not act")
	}
	for _, f := range []string{id, html} {
		if err := h.p.RemoveFault(bg, f); err != nil {
			t.Fatal(err)
		}
	}
	if status, _, body := customerPost(t, cs.URL, nil); status != 200 || !strings.Contains(body, `data-status="open"`) {
		t.Fatalf("after the outage: %d %s", status, body)
	}
	// A provider away as a whole takes the page with it.
	mustAdd(t, h.p, Fault{Kind: FaultAway})
	if _, err := customerTry(cs.URL, nil); err == nil {
		t.Fatal("the page answered while the provider was away")
	}
}

func TestFaultsOnFlowEndpoints(t *testing.T) {
	sink := newHookSink(t, "whsec_ff")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret))
	sc := h.client(0, 0)

	mustAdd(t, h.p, Fault{Kind: FaultHTTPError, Endpoint: "POST /v1/checkout/sessions", Status: 503, Count: 1})
	_, err := sc.V1CheckoutSessions.Create(bg, &stripe.CheckoutSessionCreateParams{Mode: stripe.String("payment")})
	if se := stripeErr(t, err); se.HTTPStatusCode != 503 {
		t.Fatalf("create during a 503: %+v", se)
	}

	cus, err := sc.V1Customers.Create(bg, &stripe.CustomerCreateParams{Email: stripe.String("x@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, h.p, Fault{Kind: FaultMalformedJSON, Endpoint: "GET /v1/customers/{id}", Count: 1})
	if _, err := sc.V1Customers.Retrieve(bg, cus.ID, nil); err == nil {
		t.Fatal("a malformed answer decoded")
	}

	// Amnesia forgets the key of a customer creation: the retry makes a
	// second customer, as it would at a provider that lost its keys.
	params := &stripe.CustomerCreateParams{Email: stripe.String("k@example.com")}
	params.SetIdempotencyKey("cus-key")
	first, err := sc.V1Customers.Create(bg, params)
	if err != nil {
		t.Fatal(err)
	}
	params = &stripe.CustomerCreateParams{Email: stripe.String("k@example.com")}
	params.SetIdempotencyKey("cus-key")
	if again, err := sc.V1Customers.Create(bg, params); err != nil || again.ID != first.ID || again.LastResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %v %+v", err, again)
	}
	amn := mustAdd(t, h.p, Fault{Kind: FaultAmnesia})
	params = &stripe.CustomerCreateParams{Email: stripe.String("k@example.com")}
	params.SetIdempotencyKey("cus-key")
	if again, err := sc.V1Customers.Create(bg, params); err != nil || again.ID == first.ID || faultHits(t, h.p, amn) != 1 {
		t.Fatalf("after amnesia: %v %+v", err, again)
	}

	// A dropped checkout.session.completed never reaches the service.
	drop := mustAdd(t, h.p, Fault{Kind: FaultWebhookDrop, EventType: "checkout.session.completed"})
	cs := newSession(t, sc, "o-drop")
	if status, _, _ := customerPost(t, cs.URL, url.Values{"card": {"4242424242424242"}}); status != http.StatusSeeOther {
		t.Fatalf("pay: %d", status)
	}
	eventually(t, 5*time.Second, "the payment's events", func() bool { return slices.Contains(sink.types(), "payment_intent.succeeded") })
	if got := sessionEvents(sink, cs.ID); len(got) != 0 || faultHits(t, h.p, drop) != 1 {
		t.Fatalf("session events %v", got)
	}

	// A slow hosted page is slow and still pays.
	slow := mustAdd(t, h.p, Fault{Kind: FaultSlow, Endpoint: "POST /pay/{id}", Delay: 100 * time.Millisecond, Count: 1})
	cs3 := newSession(t, sc, "o-slow")
	start := time.Now()
	if status, _, _ := customerPost(t, cs3.URL, url.Values{"card": {"4242424242424242"}}); status != http.StatusSeeOther || faultHits(t, h.p, slow) != 1 {
		t.Fatalf("slow page: %d", status)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("the slow fault acted but the answer took %v", d)
	}

	// A decline forced by a fault applies to the hosted page's payments.
	mustAdd(t, h.p, Fault{Kind: FaultDecline, DeclineCode: "insufficient_funds", Endpoint: "POST /pay/{id}"})
	cs2 := newSession(t, sc, "o-dec")
	if status, _, body := customerPost(t, cs2.URL, url.Values{"card": {"4242424242424242"}}); status != http.StatusPaymentRequired || !strings.Contains(body, "insufficient funds") {
		t.Fatalf("forced decline: %d %s", status, body)
	}
}

package fakeprovider

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

func faultHits(t *testing.T, p *Provider, id string) int64 {
	t.Helper()
	for _, f := range p.Snapshot().Faults {
		if f.Fault.ID == id {
			return f.Hits
		}
	}
	t.Fatalf("fault %s not in ledger", id)
	return 0
}

func mustAdd(t *testing.T, p *Provider, f Fault) string {
	t.Helper()
	id, err := p.AddFault(bg, f)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestHTTPErrorJSONNotRetried(t *testing.T) {
	h := newHarness(t)
	id := mustAdd(t, h.p, Fault{Kind: FaultHTTPError, Status: 503, Endpoint: "POST /v1/payment_intents"})
	_, err := h.client(2, 0).V1PaymentIntents.Create(bg, visaParams("o", 1000))
	se := stripeErr(t, err)
	var ae *stripe.APIError
	if se.HTTPStatusCode != 503 || se.Type != stripe.ErrorTypeAPI || !errors.As(se.Err, &ae) {
		t.Fatalf("%d %s %T", se.HTTPStatusCode, se.Type, se.Err)
	}
	snap := h.p.Snapshot()
	if snap.Requests["POST /v1/payment_intents"] != 1 || faultHits(t, h.p, id) != 1 {
		t.Fatalf("stripe-go v84 must not retry a well-formed 5xx: %v", snap.Requests)
	}
	if len(snap.PaymentIntents) != 0 {
		t.Fatal("an error before the endpoint must change nothing")
	}
}

func TestHTTPErrorHTMLRetried(t *testing.T) {
	h := newHarness(t)
	id := mustAdd(t, h.p, Fault{Kind: FaultHTTPError, Status: 502, Body: BodyHTML, Count: 2})
	pi, err := h.client(2, 0).V1PaymentIntents.Create(bg, visaParams("o", 1000))
	if err != nil {
		t.Fatalf("the third attempt should succeed: %v", err)
	}
	if pi.Status != stripe.PaymentIntentStatusSucceeded {
		t.Fatal(pi.Status)
	}
	snap := h.p.Snapshot()
	if snap.Requests["POST /v1/payment_intents"] != 3 || faultHits(t, h.p, id) != 2 || len(snap.PaymentIntents) != 1 {
		t.Fatalf("requests %v hits %d payments %d", snap.Requests, faultHits(t, h.p, id), len(snap.PaymentIntents))
	}
}

func TestHTTPErrorEmptyBody(t *testing.T) {
	h := newHarness(t)
	mustAdd(t, h.p, Fault{Kind: FaultHTTPError, Status: 500, Body: BodyEmpty})
	status, hdr, body := h.raw("GET", "/v1/payment_intents", "", nil)
	if status != 500 || body != "" || hdr.Get("Request-Id") == "" {
		t.Fatalf("%d %q", status, body)
	}
}

func TestCommitThenFailErrorLeavesPayment(t *testing.T) {
	h := newHarness(t)
	id := mustAdd(t, h.p, Fault{Kind: FaultCommitThenFail, Endpoint: "POST /v1/payment_intents", Count: 1})
	_, err := h.client(2, 0).V1PaymentIntents.Create(bg, visaParams("o-ctf", 1000))
	se := stripeErr(t, err)
	if se.HTTPStatusCode != 500 {
		t.Fatalf("status %d", se.HTTPStatusCode)
	}
	snap := h.p.Snapshot()
	if len(snap.PaymentIntents) != 1 || snap.PaymentIntents[0].Status != "succeeded" || faultHits(t, h.p, id) != 1 {
		t.Fatalf("the payment must be made although the answer was an error: %+v", snap.PaymentIntents)
	}
}

func TestCommitThenDropReplaysOnRetry(t *testing.T) {
	h := newHarness(t)
	id := mustAdd(t, h.p, Fault{Kind: FaultCommitThenFail, Mode: ModeDrop, Endpoint: "POST /v1/payment_intents", Count: 1})
	pi, err := h.client(2, 0).V1PaymentIntents.Create(bg, visaParams("o-drop", 1000))
	if err != nil {
		t.Fatalf("stripe-go retries a dropped connection with the same key: %v", err)
	}
	if pi.LastResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("the retry should be a replay")
	}
	snap := h.p.Snapshot()
	if len(snap.PaymentIntents) != 1 || snap.Requests["POST /v1/payment_intents"] != 2 || faultHits(t, h.p, id) != 1 {
		t.Fatalf("payments %d requests %v", len(snap.PaymentIntents), snap.Requests)
	}
}

func TestCommitThenHangTimesOut(t *testing.T) {
	h := newHarness(t)
	mustAdd(t, h.p, Fault{Kind: FaultCommitThenFail, Mode: ModeHang, Count: 1})
	start := time.Now()
	_, err := h.client(0, 300*time.Millisecond).V1PaymentIntents.Create(bg, visaParams("o-hang", 1000))
	if err == nil {
		t.Fatal("want a timeout")
	}
	var se *stripe.Error
	if errors.As(err, &se) {
		t.Fatalf("want a transport error, got %v", se)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the hang outlived the client's timeout")
	}
	if snap := h.p.Snapshot(); len(snap.PaymentIntents) != 1 || snap.PaymentIntents[0].Status != "succeeded" {
		t.Fatalf("payment should be committed: %+v", snap.PaymentIntents)
	}
}

func TestAwayRefusesThenComesBack(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	before, err := sc.V1PaymentIntents.Create(bg, visaParams("o-away", 1000))
	if err != nil {
		t.Fatal(err)
	}
	id := mustAdd(t, h.p, Fault{Kind: FaultAway})
	_, err = sc.V1PaymentIntents.Retrieve(bg, before.ID, nil)
	if err == nil {
		t.Fatal("an away provider must not answer")
	}
	// The control API still works while away.
	c := NewClient(h.srv.URL, "")
	snap, err := c.Ledger(bg)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.PaymentIntents) != 1 {
		t.Fatal("ledger lost while away")
	}
	if err := c.RemoveFault(bg, id); err != nil {
		t.Fatal(err)
	}
	got, err := sc.V1PaymentIntents.Retrieve(bg, before.ID, nil)
	if err != nil || got.Status != stripe.PaymentIntentStatusSucceeded {
		t.Fatalf("after coming back: %v %v", err, got)
	}
	// net/http itself resends a GET once when a kept-alive connection is
	// closed without an answer, so the fault may count two refusals.
	if h := snap.Faults[0].Hits; h < 1 || h > 2 {
		t.Fatalf("hits %d", h)
	}
}

func TestAwayWithStatus(t *testing.T) {
	h := newHarness(t)
	mustAdd(t, h.p, Fault{Kind: FaultAway, Status: 503, Body: BodyHTML})
	status, hdr, body := h.raw("GET", "/v1/payment_intents", "", nil)
	if status != 503 || !strings.Contains(body, "<html>") || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s %s", status, hdr.Get("Content-Type"), body)
	}
}

func TestFaultValidation(t *testing.T) {
	h := newHarness(t)
	for _, f := range []Fault{
		{Kind: "nope"},
		{Kind: FaultHTTPError, Status: 200},
		{Kind: FaultHTTPError, Rate: 1.5},
		{Kind: FaultHTTPError, Endpoint: "GET /v1/unknown"},
		{Kind: FaultHTTPError, Body: "xml"},
		{Kind: FaultCommitThenFail, Mode: "explode"},
		{Kind: FaultSlow, Delay: -1},
		{Kind: FaultDecline, DeclineCode: "Bad Code"},
	} {
		if _, err := h.p.AddFault(bg, f); err == nil {
			t.Errorf("fault %+v accepted", f)
		}
	}
	if n := len(h.p.Snapshot().Faults); n != 0 {
		t.Fatalf("invalid faults installed: %d", n)
	}
	if err := h.p.RemoveFault(bg, "flt_404"); !errors.Is(err, ErrNoSuchFault) {
		t.Fatalf("remove unknown: %v", err)
	}
}

func TestControlClient(t *testing.T) {
	h := newHarness(t, WithControlToken("s3cret"))
	c := NewClient(h.srv.URL, "s3cret")
	id, err := c.AddFault(bg, Fault{Kind: FaultHTTPError, Status: 500, Count: 1, Endpoint: "GET /v1/payment_intents/{id}"})
	if err != nil {
		t.Fatal(err)
	}
	sc := h.client(0, 0)
	pi, err := sc.V1PaymentIntents.Create(bg, visaParams("o-c", 990))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.V1PaymentIntents.Retrieve(bg, pi.ID, nil); err == nil {
		t.Fatal("fault did not fire")
	}
	snap, err := c.Ledger(bg)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Faults) != 1 || snap.Faults[0].Hits != 1 || snap.Faults[0].Fault.ID != id || len(snap.PaymentIntents) != 1 {
		t.Fatalf("ledger over the control API: %+v", snap.Faults)
	}
	if snap.PaymentIntents[0].OrderID() != "o-c" {
		t.Fatal("metadata lost over the control API")
	}
	if err := c.RemoveFault(bg, id); err != nil {
		t.Fatal(err)
	}
	var ce *ControlError
	if err := c.RemoveFault(bg, id); !errors.As(err, &ce) || ce.Status != http.StatusNotFound {
		t.Fatalf("second remove: %v", err)
	}
	if _, err := c.AddFault(bg, Fault{Kind: "bogus"}); !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
		t.Fatalf("bad fault: %v", err)
	}
	if err := NewClient(h.srv.URL, "wrong").Reset(bg); !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized {
		t.Fatalf("wrong token: %v", err)
	}
	if err := c.Reset(bg); err != nil {
		t.Fatal(err)
	}
	snap, err = c.Ledger(bg)
	if err != nil || len(snap.PaymentIntents) != 0 || len(snap.Events) != 0 {
		t.Fatalf("after reset: %v %d", err, len(snap.PaymentIntents))
	}
}

func TestRemoveWebhookEndpoint(t *testing.T) {
	h := newHarness(t, WithControlToken("s3cret"))
	c := NewClient(h.srv.URL, "s3cret")
	const url = "http://127.0.0.1:9/hooks"
	if err := c.AddWebhookEndpoint(bg, url, "whsec_x"); err != nil {
		t.Fatal(err)
	}
	if err := c.AddWebhookEndpoint(bg, url, "whsec_x"); err == nil {
		t.Fatal("the same endpoint was added twice")
	}
	if err := c.RemoveWebhookEndpoint(bg, url); err != nil {
		t.Fatal(err)
	}
	var ce *ControlError
	if err := c.RemoveWebhookEndpoint(bg, url); !errors.As(err, &ce) || ce.Status != http.StatusNotFound {
		t.Fatalf("second remove: %v, want 404", err)
	}
	// Removed for real: it can be added again.
	if err := c.AddWebhookEndpoint(bg, url, "whsec_x"); err != nil {
		t.Fatalf("add after remove: %v", err)
	}
}

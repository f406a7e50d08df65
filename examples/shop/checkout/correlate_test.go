package checkout

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/paychaos/paychaos/fakeprovider"
)

func byPaymentIntent(c *Config) { c.Correlate = CorrelatePaymentIntent }

// Untagged, a payment whose answer was lost is found again by re-sending
// its attempt with the same key; the provider keeps no order id, and the
// order answers name the payment.
func TestCorrelatePaymentIntentReconcilesALostAnswer(t *testing.T) {
	e := newEnv(t, noRetries, byPaymentIntent)
	id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultCommitThenFail, Mode: fakeprovider.ModeDrop, Endpoint: createRoute})
	r := e.pay(aliceToken, "k", 1000, "pm_card_visa")
	o := r.order(t)
	if r.status != http.StatusAccepted || o.Status != StatusPending || len(o.PaymentIntents) != 0 {
		t.Fatalf("checkout: %d %s", r.status, r.body)
	}
	e.unfault(id)
	sum := e.reconcile()
	pis := e.fp.Snapshot().PaymentIntents
	if len(pis) != 1 || len(pis[0].Metadata) != 0 || pis[0].Status != "succeeded" {
		t.Fatalf("ledger: %+v: want one payment, with no metadata", pis)
	}
	got := e.mustOrder(o.ID)
	if sum.Paid != 1 || sum.Redriven != 1 || got.Status != StatusPaid || !slices.Equal(got.PaymentIntents, []string{pis[0].ID}) {
		t.Fatalf("after reconcile: %+v %+v", sum, got)
	}
	if body := string(e.get(aliceToken, o.ID).body); !strings.Contains(body, `"payment_intents":["`+pis[0].ID+`"]`) {
		t.Fatalf("GET /orders/{id} does not name the payment: %s", body)
	}
}

// Untagged, the shop does not give up on a payment the provider keeps
// failing to answer: nothing could find it again.
func TestCorrelatePaymentIntentNeverGivesUp(t *testing.T) {
	e := newEnv(t, noBreaker, byPaymentIntent)
	id := e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultHTTPError, Status: 500, Endpoint: createRoute})
	o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
	for range maxRedrives + 2 {
		if sum := e.reconcile(); sum.Failed != 0 || sum.StillPending != 1 {
			t.Fatalf("pass: %+v", sum)
		}
	}
	e.unfault(id)
	if sum := e.reconcile(); sum.Paid != 1 {
		t.Fatalf("once the provider answers: %+v", sum)
	}
	if got := e.mustOrder(o.ID); got.Status != StatusPaid || len(got.PaymentIntents) != 1 {
		t.Fatalf("order: %+v", got)
	}
}

// Tagged (the default), payments carry the order id and the answers name
// them all the same.
func TestCorrelateMetadataTagsAndAnswers(t *testing.T) {
	e := newEnv(t)
	o := e.pay(aliceToken, "k", 1000, "pm_card_visa").order(t)
	ps := e.payments(o.ID)
	if len(ps) != 1 || !slices.Equal(o.PaymentIntents, []string{ps[0].ID}) {
		t.Fatalf("order %+v, payments %+v", o, ps)
	}
}

func TestParseCorrelation(t *testing.T) {
	for in, want := range map[string]Correlation{"": CorrelateMetadata, "metadata": CorrelateMetadata, " payment_intent ": CorrelatePaymentIntent} {
		if got, err := parseCorrelation(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	if _, err := ConfigFromEnv(env(map[string]string{"SHOP_PROVIDER_URL": "http://127.0.0.1:1", "SHOP_CORRELATE": "pi"})); err == nil ||
		!strings.Contains(err.Error(), `SHOP_CORRELATE: "pi": want metadata or payment_intent`) {
		t.Fatalf("bad SHOP_CORRELATE: %v", err)
	}
}

package fakeprovider

import (
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

func TestRefundsPartialRepeatedAndFull(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	pi, err := sc.V1PaymentIntents.Create(bg, visaParams("o-r", 2145))
	if err != nil {
		t.Fatal(err)
	}
	r1, err := sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(1000),
		Reason: stripe.String("requested_by_customer"), Metadata: map[string]string{"why": "size"}})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Status != stripe.RefundStatusSucceeded || r1.Amount != 1000 || r1.Charge == nil || r1.Charge.ID != pi.LatestCharge.ID ||
		r1.PaymentIntent == nil || r1.PaymentIntent.ID != pi.ID || r1.Metadata["why"] != "size" || r1.Reason != "requested_by_customer" {
		t.Fatalf("refund 1: %+v", r1)
	}
	// Over-refund: Stripe's message with amounts.
	_, err = sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{Charge: stripe.String(pi.LatestCharge.ID), Amount: stripe.Int64(2500)})
	se := stripeErr(t, err)
	if se.HTTPStatusCode != 400 || se.Code != "amount_too_large" || se.Msg != "Refund amount ($25.00) is greater than unrefunded amount on charge ($11.45)" {
		t.Fatalf("over-refund: %d %s %q", se.HTTPStatusCode, se.Code, se.Msg)
	}
	// Second partial, then the rest (no amount).
	if _, err := sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{Charge: stripe.String(pi.LatestCharge.ID), Amount: stripe.Int64(145)}); err != nil {
		t.Fatal(err)
	}
	r3, err := sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if r3.Amount != 1000 {
		t.Fatalf("the rest is %d, want 1000", r3.Amount)
	}
	ch, err := sc.V1Charges.Retrieve(bg, pi.LatestCharge.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Refunded || ch.AmountRefunded != 2145 {
		t.Fatalf("charge after full refund: refunded=%v amount_refunded=%d", ch.Refunded, ch.AmountRefunded)
	}
	_, err = sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)})
	if se := stripeErr(t, err); se.Code != "charge_already_refunded" || !strings.Contains(se.Msg, "has already been refunded") {
		t.Fatalf("refund of refunded: %s %s", se.Code, se.Msg)
	}
	got, err := sc.V1Refunds.Retrieve(bg, r1.ID, nil)
	if err != nil || got.ID != r1.ID {
		t.Fatalf("retrieve: %v", err)
	}
	var ids []string
	for r, err := range sc.V1Refunds.List(bg, &stripe.RefundListParams{PaymentIntent: stripe.String(pi.ID), ListParams: stripe.ListParams{Limit: stripe.Int64(2)}}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if len(ids) != 3 || ids[2] != r1.ID {
		t.Fatalf("list newest first over two pages: %v", ids)
	}
	snap := h.p.Snapshot()
	var sum int64
	for _, r := range snap.Refunds {
		sum += r.Amount
	}
	if sum != 2145 || snap.Charges[0].AmountRefunded != 2145 || !snap.Charges[0].Refunded {
		t.Fatalf("ledger refunds %d, charge %+v", sum, snap.Charges[0])
	}
	if n := strings.Count(strings.Join(eventTypes(snap), ","), "charge.refunded"); n != 3 {
		t.Fatalf("charge.refunded events: %d", n)
	}
}

func TestRefundErrors(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	_, err := sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{})
	if se := stripeErr(t, err); se.Code != "parameter_missing" {
		t.Fatalf("no target: %s", se.Code)
	}
	_, err = sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String("pi_missing")})
	if se := stripeErr(t, err); se.HTTPStatusCode != 404 || se.Code != "resource_missing" {
		t.Fatalf("missing pi: %d %s", se.HTTPStatusCode, se.Code)
	}
	pi, err := sc.V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(500), Currency: stripe.String("usd")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)})
	if se := stripeErr(t, err); se.HTTPStatusCode != 400 || !strings.Contains(se.Msg, "does not have a successful charge") {
		t.Fatalf("non-succeeded: %s", se.Msg)
	}
	if len(h.p.Snapshot().Refunds) != 0 {
		t.Fatal("errors created refunds")
	}
}

func TestRefundFailCard(t *testing.T) {
	h := newHarness(t, WithProcessingDelay(30*time.Millisecond))
	sc := h.client(0, 0)
	params := visaParams("o-rf", 1000)
	params.PaymentMethod = stripe.String("pm_card_refundFail")
	pi, err := sc.V1PaymentIntents.Create(bg, params)
	if err != nil {
		t.Fatal(err)
	}
	re, err := sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if re.Status != stripe.RefundStatusPending {
		t.Fatalf("status %s", re.Status)
	}
	eventually(t, 5*time.Second, "refund failure", func() bool {
		got, err := sc.V1Refunds.Retrieve(bg, re.ID, nil)
		return err == nil && got.Status == stripe.RefundStatusFailed
	})
	ch, _ := sc.V1Charges.Retrieve(bg, pi.LatestCharge.ID, nil)
	if ch.AmountRefunded != 0 || ch.Refunded {
		t.Fatalf("failed refund must give the money back to the charge: %+v", ch)
	}
	if !contains(eventTypes(h.p.Snapshot()), "refund.failed") {
		t.Fatal("no refund.failed event")
	}
}

func TestListsAndSearch(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	var ids []string
	for i := range 7 {
		params := visaParams("order-"+string(rune('a'+i)), int64(1000+i))
		if i == 3 {
			params.PaymentMethod = stripe.String("pm_card_chargeDeclined")
		}
		pi, err := sc.V1PaymentIntents.Create(bg, params)
		if err != nil {
			ids = append(ids, stripeErr(t, err).PaymentIntent.ID)
			continue
		}
		ids = append(ids, pi.ID)
	}
	var listed []string
	for pi, err := range sc.V1PaymentIntents.List(bg, &stripe.PaymentIntentListParams{ListParams: stripe.ListParams{Limit: stripe.Int64(3)}}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, pi.ID)
	}
	if len(listed) != 7 || listed[0] != ids[6] || listed[6] != ids[0] {
		t.Fatalf("list: %v want reverse of %v", listed, ids)
	}
	if n := h.p.Snapshot().Requests["GET /v1/payment_intents"]; n != 3 {
		t.Fatalf("pages fetched: %d", n)
	}
	// ending_before walks back towards newer objects.
	var before []string
	for pi, err := range sc.V1PaymentIntents.List(bg, &stripe.PaymentIntentListParams{ListParams: stripe.ListParams{EndingBefore: stripe.String(ids[2]), Limit: stripe.Int64(2)}}) {
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, pi.ID)
	}
	if len(before) != 4 {
		t.Fatalf("ending_before: %v", before)
	}

	var found []*stripe.PaymentIntent
	for pi, err := range sc.V1PaymentIntents.Search(bg, &stripe.PaymentIntentSearchParams{SearchParams: stripe.SearchParams{Query: "metadata['order_id']:'order-c'"}}) {
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, pi)
	}
	if len(found) != 1 || found[0].ID != ids[2] {
		t.Fatalf("search: %v", found)
	}
	var ok []string
	for pi, err := range sc.V1PaymentIntents.Search(bg, &stripe.PaymentIntentSearchParams{SearchParams: stripe.SearchParams{
		Query: `status:"succeeded" AND amount>=1002 AND -metadata["order_id"]:"order-f"`, Limit: stripe.Int64(2)}}) {
		if err != nil {
			t.Fatal(err)
		}
		ok = append(ok, pi.Metadata["order_id"])
	}
	if strings.Join(ok, ",") != "order-g,order-e,order-c" {
		t.Fatalf("search over pages: %v", ok)
	}
	for _, q := range []string{"", "nope:'x'", "status:'a' AND amount>1 OR currency:'usd'", "metadata['x:'y'", "amount>'abc'"} {
		status, _, body := h.raw("GET", "/v1/payment_intents/search?query="+urlQueryEscape(q), "", nil)
		if status != 400 || !strings.Contains(body, `"param":"query"`) {
			t.Errorf("query %q: %d %s", q, status, body)
		}
	}
}

func TestEventsRetrieveAndList(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	pi, err := sc.V1PaymentIntents.Create(bg, visaParams("o-e", 1000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)}); err != nil {
		t.Fatal(err)
	}
	var types []string
	for ev, err := range sc.V1Events.List(bg, &stripe.EventListParams{ListParams: stripe.ListParams{Limit: stripe.Int64(2)}}) {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, string(ev.Type))
		if ev.Data == nil || ev.Data.Object["id"] == nil || ev.APIVersion != DefaultAPIVersion {
			t.Fatalf("event %s has no object", ev.ID)
		}
	}
	if strings.Join(types, ",") != "charge.refunded,refund.created,payment_intent.succeeded,charge.succeeded,payment_intent.created" {
		t.Fatalf("events newest first: %v", types)
	}
	var pis []string
	for ev, err := range sc.V1Events.List(bg, &stripe.EventListParams{Types: []*string{stripe.String("payment_intent.*")}}) {
		if err != nil {
			t.Fatal(err)
		}
		pis = append(pis, string(ev.Type))
	}
	if len(pis) != 2 {
		t.Fatalf("type filter: %v", pis)
	}
	id := h.p.Snapshot().Events[0].ID
	ev, err := sc.V1Events.Retrieve(bg, id, nil)
	if err != nil || ev.Type != "payment_intent.created" || ev.Request == nil || ev.Request.ID == "" {
		t.Fatalf("retrieve: %v %+v", err, ev)
	}
	var created stripe.PaymentIntent
	if err := created.UnmarshalJSON(ev.Data.Raw); err != nil || created.Status != stripe.PaymentIntentStatusRequiresConfirmation {
		t.Fatalf("payment_intent.created carries the object at creation: %v %s", err, created.Status)
	}
	if _, err := sc.V1Events.Retrieve(bg, "evt_missing", nil); stripeErr(t, err).HTTPStatusCode != 404 {
		t.Fatal("missing event")
	}
}

func TestChargesListAndRefundUpdateCancel(t *testing.T) {
	h := newHarness(t, WithProcessingDelay(time.Hour)) // refund failures never settle during the test
	sc := h.client(0, 0)
	pi, err := sc.V1PaymentIntents.Create(bg, visaParams("o-l", 1000))
	if err != nil {
		t.Fatal(err)
	}
	other, err := sc.V1PaymentIntents.Create(bg, visaParams("o-l2", 1000))
	if err != nil {
		t.Fatal(err)
	}
	var charges []string
	for ch, err := range sc.V1Charges.List(bg, &stripe.ChargeListParams{PaymentIntent: stripe.String(pi.ID)}) {
		if err != nil {
			t.Fatal(err)
		}
		charges = append(charges, ch.ID)
	}
	if len(charges) != 1 || charges[0] != pi.LatestCharge.ID || charges[0] == other.LatestCharge.ID {
		t.Fatalf("charges of %s: %v", pi.ID, charges)
	}
	re, err := sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(100)})
	if err != nil {
		t.Fatal(err)
	}
	re, err = sc.V1Refunds.Update(bg, re.ID, &stripe.RefundUpdateParams{Metadata: map[string]string{"ticket": "T-1"}})
	if err != nil || re.Metadata["ticket"] != "T-1" {
		t.Fatalf("update: %v %v", err, re)
	}
	_, err = sc.V1Refunds.Cancel(bg, re.ID, nil)
	if se := stripeErr(t, err); se.HTTPStatusCode != 400 || !strings.Contains(se.Msg, "can no longer be canceled") {
		t.Fatalf("cancel of a succeeded refund: %d %s", se.HTTPStatusCode, se.Msg)
	}

	params := visaParams("o-l3", 1000)
	params.PaymentMethod = stripe.String("pm_card_refundFail")
	pending, err := sc.V1PaymentIntents.Create(bg, params)
	if err != nil {
		t.Fatal(err)
	}
	pre, err := sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pending.ID)})
	if err != nil || pre.Status != stripe.RefundStatusPending {
		t.Fatalf("pending refund: %v %v", err, pre)
	}
	canceled, err := sc.V1Refunds.Cancel(bg, pre.ID, nil)
	if err != nil || canceled.Status != stripe.RefundStatusCanceled {
		t.Fatalf("cancel pending: %v %v", err, canceled)
	}
	ch, _ := sc.V1Charges.Retrieve(bg, pending.LatestCharge.ID, &stripe.ChargeRetrieveParams{Expand: []*string{stripe.String("payment_intent")}})
	if ch.AmountRefunded != 0 || ch.PaymentIntent == nil || ch.PaymentIntent.Status != stripe.PaymentIntentStatusSucceeded {
		t.Fatalf("after the cancel: %+v", ch)
	}
}

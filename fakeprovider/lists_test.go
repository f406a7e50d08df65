package fakeprovider

import (
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

// stepClock is a provider clock that moves one minute a call.
func stepClock() func() time.Time {
	var n atomic.Int64
	base := time.Unix(1_800_000_000, 0)
	return func() time.Time { return base.Add(time.Duration(n.Add(1)) * time.Minute) }
}

func TestCreatedFilterOnEveryList(t *testing.T) {
	h := newHarness(t, WithClock(stepClock()))
	sc := h.client(0, 0)
	var created, refunded []int64
	for i := range 4 {
		pi, err := sc.V1PaymentIntents.Create(bg, visaParams("o"+strconv.Itoa(i), 1000))
		if err != nil {
			t.Fatal(err)
		}
		re, err := sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(10)})
		if err != nil {
			t.Fatal(err)
		}
		created, refunded = append(created, pi.Created), append(refunded, re.Created)
	}
	mid := created[2]
	for _, path := range []string{"/v1/payment_intents", "/v1/charges", "/v1/refunds", "/v1/events"} {
		mid := mid
		if path == "/v1/refunds" {
			mid = refunded[2]
		}
		countAll := func(q string) int {
			t.Helper()
			status, _, body := h.raw("GET", path+"?limit=100&"+q, "", nil)
			if status != 200 {
				t.Fatalf("GET %s?%s: %d %s", path, q, status, body)
			}
			return strings.Count(body, `"object":"`+strings.TrimSuffix(strings.TrimPrefix(path, "/v1/"), "s")+`"`)
		}
		all := countAll("")
		gte, lt, exact := countAll("created[gte]="+strconv.FormatInt(mid, 10)), countAll("created[lt]="+strconv.FormatInt(mid, 10)), countAll("created="+strconv.FormatInt(mid, 10))
		if all == 0 || gte == 0 || lt == 0 || gte+lt != all || exact == 0 || exact >= all {
			t.Errorf("%s: %d in all, %d from %d on, %d before, %d at it", path, all, gte, mid, lt, exact)
		}
	}
	// stripe-go sends created as a hash of bounds.
	n := 0
	for _, err := range sc.V1Charges.List(bg, &stripe.ChargeListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: mid}}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("stripe-go created[gte]: %d charges, want 2", n)
	}
	for _, q := range []string{"created=soon", "created[gte]=soon", "created[around]=1"} {
		if status, _, body := h.raw("GET", "/v1/charges?"+q, "", nil); status != 400 || !strings.Contains(body, `"param":"created`) {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
}

func TestDeepExpansions(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	pi, err := sc.V1PaymentIntents.Create(bg, visaParams("o1", 1500))
	if err != nil {
		t.Fatal(err)
	}
	re, err := sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(500)})
	if err != nil {
		t.Fatal(err)
	}

	got, err := sc.V1PaymentIntents.Retrieve(bg, pi.ID, &stripe.PaymentIntentRetrieveParams{Expand: []*string{stripe.String("latest_charge.balance_transaction")}})
	if err != nil {
		t.Fatal(err)
	}
	if ch := got.LatestCharge; ch == nil || ch.Amount != 1500 || ch.BalanceTransaction == nil || ch.BalanceTransaction.Amount != 1500 || ch.BalanceTransaction.Type != stripe.BalanceTransactionTypeCharge {
		t.Fatalf("latest_charge.balance_transaction: %+v", got.LatestCharge)
	}

	for p, err := range sc.V1PaymentIntents.List(bg, &stripe.PaymentIntentListParams{Expand: []*string{stripe.String("data.latest_charge")}}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.LatestCharge == nil || p.LatestCharge.Amount != 1500 || p.LatestCharge.PaymentIntent == nil || p.LatestCharge.PaymentIntent.ID != pi.ID {
			t.Fatalf("data.latest_charge: %+v", p.LatestCharge)
		}
	}

	r, err := sc.V1Refunds.Retrieve(bg, re.ID, &stripe.RefundRetrieveParams{Expand: []*string{
		stripe.String("charge.payment_intent.payment_method"), stripe.String("balance_transaction")}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Charge == nil || r.Charge.PaymentIntent == nil || r.Charge.PaymentIntent.PaymentMethod == nil || r.Charge.PaymentIntent.PaymentMethod.Card == nil ||
		r.BalanceTransaction == nil || r.BalanceTransaction.Amount != -500 || r.PaymentIntent == nil || r.PaymentIntent.Amount != 0 {
		t.Fatalf("refund expansions: %+v", r)
	}

	for _, bad := range []string{
		"/v1/payment_intents/" + pi.ID + "?expand[]=latest_charge.nope",
		"/v1/payment_intents/" + pi.ID + "?expand[]=data.latest_charge",
		"/v1/payment_intents?expand[]=latest_charge",
		"/v1/payment_intents/" + pi.ID + "?expand[]=payment_method.payment_intent",
		"/v1/payment_intents/" + pi.ID + "?expand[]=latest_charge.payment_intent.latest_charge.payment_intent.latest_charge",
	} {
		if status, _, body := h.raw("GET", bad, "", nil); status != 400 || !strings.Contains(body, "cannot be expanded") {
			t.Errorf("%s: %d %s", bad, status, body)
		}
	}
	// Four levels is Stripe's limit, and it is served.
	if status, _, body := h.raw("GET", "/v1/payment_intents/"+pi.ID+"?expand[]=latest_charge.payment_intent.latest_charge.payment_intent", "", nil); status != 200 {
		t.Errorf("four levels: %d %s", status, body)
	}
}

func TestChargeSearch(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	for i, pm := range []string{"pm_card_visa", "pm_card_chargeDeclined", "pm_card_mastercard"} {
		p := visaParams("order-"+strconv.Itoa(i), int64(1000*(i+1)))
		p.PaymentMethod = stripe.String(pm)
		_, _ = sc.V1PaymentIntents.Create(bg, p)
	}
	search := func(q string) []*stripe.Charge {
		t.Helper()
		var out []*stripe.Charge
		for ch, err := range sc.V1Charges.Search(bg, &stripe.ChargeSearchParams{SearchParams: stripe.SearchParams{Query: q}}) {
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			out = append(out, ch)
		}
		return out
	}
	if got := search("status:'succeeded'"); len(got) != 2 {
		t.Errorf("succeeded: %d charges", len(got))
	}
	if got := search("status:'failed' OR amount:2000"); len(got) != 1 || got[0].Status != stripe.ChargeStatusFailed {
		t.Errorf("failed: %+v", got)
	}
	// A charge keeps the metadata its PaymentIntent had when it was made.
	if got := search("metadata['order_id']:'order-2'"); len(got) != 1 || got[0].Amount != 3000 || got[0].Metadata["order_id"] != "order-2" {
		t.Errorf("by order: %+v", got)
	}
	if got := search("amount>=2000 AND refunded:'false'"); len(got) != 2 {
		t.Errorf("amount: %d charges", len(got))
	}
	if got := search("payment_method_details.card.brand:'mastercard'"); len(got) != 1 || got[0].Amount != 3000 {
		t.Errorf("brand: %+v", got)
	}
	if status, _, body := h.raw("GET", "/v1/charges/search?query="+urlQueryEscape("cvc:'x'"), "", nil); status != 400 || !strings.Contains(body, "cannot be searched on charges") {
		t.Errorf("unknown field: %d %s", status, body)
	}
	if n := h.p.Snapshot().UnknownRoutes; n != 0 {
		t.Errorf("%d unknown routes", n)
	}
}

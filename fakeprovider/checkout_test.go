package fakeprovider

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

// customerPost submits the hosted page's form as a browser would, without
// following the redirect, and returns status, Location and page.
func customerPost(t *testing.T, pageURL string, form url.Values) (int, string, string) {
	t.Helper()
	status, location, page, err := customerSend(pageURL, form)
	if err != nil {
		t.Fatalf("customer at %s: %v", pageURL, err)
	}
	return status, location, page
}

// customerSend is the browser's request to the hosted page: a GET when
// form is nil, the form's post otherwise.
func customerSend(pageURL string, form url.Values) (status int, location, page string, err error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var resp *http.Response
	if form == nil {
		resp, err = hc.Get(pageURL)
	} else {
		resp, err = hc.PostForm(pageURL, form)
	}
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b), nil
}

// newSession creates a session as a shop would: a catalogue price and an
// ad hoc price_data line, the order id for the PaymentIntent.
func newSession(t *testing.T, sc *stripe.Client, order string) *stripe.CheckoutSession {
	t.Helper()
	prod, err := sc.V1Products.Create(bg, &stripe.ProductCreateParams{Name: stripe.String("T-shirt")})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := sc.V1Prices.Create(bg, &stripe.PriceCreateParams{Product: stripe.String(prod.ID), Currency: stripe.String("eur"), UnitAmount: stripe.Int64(1200)})
	if err != nil || pr.Product == nil || pr.Product.ID != prod.ID || pr.UnitAmount != 1200 {
		t.Fatalf("price: %v %+v", err, pr)
	}
	cs, err := sc.V1CheckoutSessions.Create(bg, &stripe.CheckoutSessionCreateParams{
		Mode: stripe.String("payment"),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{
			{Price: stripe.String(pr.ID), Quantity: stripe.Int64(2)},
			{PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{Currency: stripe.String("eur"), UnitAmount: stripe.Int64(350),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Gift wrap")}}, Quantity: stripe.Int64(1)},
		},
		CustomerEmail:     stripe.String("ada@example.com"),
		SuccessURL:        stripe.String("https://shop.example/done?session={CHECKOUT_SESSION_ID}"),
		CancelURL:         stripe.String("https://shop.example/cart"),
		ClientReferenceID: stripe.String(order),
		Metadata:          map[string]string{"cart": "c-" + order},
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{Metadata: map[string]string{"order_id": order}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != stripe.CheckoutSessionStatusOpen || cs.PaymentStatus != stripe.CheckoutSessionPaymentStatusUnpaid ||
		cs.AmountTotal != 2750 || cs.Currency != "eur" || cs.PaymentIntent != nil || !strings.Contains(cs.URL, hostedPrefix+cs.ID) ||
		cs.ExpiresAt-cs.Created != int64(24*time.Hour/time.Second) || cs.ClientReferenceID != order || cs.Metadata["cart"] != "c-"+order {
		t.Fatalf("created session %+v", cs)
	}
	return cs
}

func sessionEvents(sink *hookSink, id string) []string {
	sink.mu.Lock()
	defer sink.mu.Unlock()
	var out []string
	for _, ev := range sink.events {
		if strings.HasPrefix(string(ev.Type), "checkout.session.") {
			var cs stripe.CheckoutSession
			if json.Unmarshal(ev.Data.Raw, &cs) == nil && cs.ID == id {
				out = append(out, string(ev.Type)+":"+string(cs.PaymentStatus))
			}
		}
	}
	return out
}

func waitSessionEvents(t *testing.T, sink *hookSink, id string, want ...string) {
	t.Helper()
	eventually(t, 5*time.Second, strings.Join(want, ", "), func() bool { return strings.Join(sessionEvents(sink, id), ",") == strings.Join(want, ",") })
	if sink.rejectedCount() != 0 {
		t.Fatalf("ConstructEvent rejected: %v", sink.rejected)
	}
}

func TestCheckoutSessionPaid(t *testing.T) {
	sink := newHookSink(t, "whsec_cs")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret))
	sc := h.client(0, 0)
	cs := newSession(t, sc, "o-cs1")

	status, _, body := customerPost(t, cs.URL, nil)
	if status != 200 || !strings.Contains(body, `data-status="open"`) || !strings.Contains(body, "Gift wrap") || !strings.Contains(body, "27.50") {
		t.Fatalf("page: %d %s", status, body)
	}
	status, loc, body := customerPost(t, cs.URL, url.Values{"email": {"ada@example.com"}, "card": {"4242 4242 4242 4242"}})
	if status != http.StatusSeeOther || loc != "https://shop.example/done?session="+cs.ID {
		t.Fatalf("pay: %d %q %s", status, loc, body)
	}
	if strings.Contains(body, "4242424242424242") || strings.Contains(body, "4242 4242 4242 4242") {
		t.Fatal("the card number came back")
	}
	got, err := sc.V1CheckoutSessions.Retrieve(bg, cs.ID, &stripe.CheckoutSessionRetrieveParams{Expand: []*string{stripe.String("payment_intent")}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != stripe.CheckoutSessionStatusComplete || got.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid || got.URL != "" ||
		got.PaymentIntent == nil || got.PaymentIntent.Status != stripe.PaymentIntentStatusSucceeded || got.PaymentIntent.Amount != 2750 ||
		got.PaymentIntent.Metadata["order_id"] != "o-cs1" || got.CustomerDetails == nil || got.CustomerDetails.Email != "ada@example.com" {
		t.Fatalf("completed session %+v (pi %+v)", got, got.PaymentIntent)
	}
	waitSessionEvents(t, sink, cs.ID, "checkout.session.completed:paid")

	var items []*stripe.LineItem
	for li, err := range sc.V1CheckoutSessions.ListLineItems(bg, &stripe.CheckoutSessionListLineItemsParams{Session: stripe.String(cs.ID)}) {
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, li)
	}
	if len(items) != 2 || items[0].Quantity != 2 || items[0].AmountTotal != 2400 || items[1].Description != "Gift wrap" || items[1].Price == nil || items[1].Price.UnitAmount != 350 {
		t.Fatalf("line items %+v", items)
	}
	var listed []string
	for s, err := range sc.V1CheckoutSessions.List(bg, &stripe.CheckoutSessionListParams{Status: stripe.String("complete")}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, s.ID)
	}
	if len(listed) != 1 || listed[0] != cs.ID {
		t.Fatalf("listed %v", listed)
	}
	// The page now says it is paid, and paying again changes nothing.
	if status, loc, _ := customerPost(t, cs.URL, url.Values{"card": {"4242424242424242"}}); status != http.StatusSeeOther || loc == "" {
		t.Fatalf("second submit: %d %q", status, loc)
	}
	snap := h.p.Snapshot()
	if len(snap.Charges) != 1 || snap.PaymentIntents[0].OrderID() != "o-cs1" || len(snap.CheckoutSessions) != 1 {
		t.Fatalf("ledger %+v", snap)
	}
	if r := snap.CheckoutSessions[0]; r.ID != cs.ID || r.PaymentIntent != snap.PaymentIntents[0].ID || r.Status != "complete" ||
		r.PaymentStatus != "paid" || r.ClientReferenceID != "o-cs1" || r.AmountTotal != 2750 {
		t.Fatalf("session in the ledger %+v", r)
	}
}

func TestCheckoutSessionDeclineThen3DS(t *testing.T) {
	sink := newHookSink(t, "whsec_cs")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret))
	sc := h.client(0, 0)
	cs := newSession(t, sc, "o-cs2")

	status, _, body := customerPost(t, cs.URL, url.Values{"card": {"4000000000009995"}})
	if status != http.StatusPaymentRequired || !strings.Contains(body, "insufficient funds") || !strings.Contains(body, `data-status="open"`) {
		t.Fatalf("decline: %d %s", status, body)
	}
	if status, _, _ := customerPost(t, cs.URL, url.Values{"card": {"1234"}}); status != http.StatusPaymentRequired {
		t.Fatalf("not a test card: %d", status)
	}
	status, _, body = customerPost(t, cs.URL, url.Values{"card": {"4000002500003155"}})
	if status != 200 || !strings.Contains(body, "/authenticate") {
		t.Fatalf("3-D Secure challenge: %d %s", status, body)
	}
	got, err := sc.V1CheckoutSessions.Retrieve(bg, cs.ID, nil)
	if err != nil || got.Status != stripe.CheckoutSessionStatusOpen || got.PaymentIntent == nil {
		t.Fatalf("during the challenge: %v %+v", err, got)
	}
	if status, _, _ := customerPost(t, cs.URL+"/authenticate", url.Values{}); status != http.StatusBadRequest {
		t.Fatalf("authenticate without a result: %d", status)
	}
	status, loc, body := customerPost(t, cs.URL+"/authenticate", url.Values{"result": {"complete"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "https://shop.example/done") {
		t.Fatalf("authenticate: %d %q %s", status, loc, body)
	}
	waitSessionEvents(t, sink, cs.ID, "checkout.session.completed:paid")
	snap := h.p.Snapshot()
	if len(snap.PaymentIntents) != 1 || snap.PaymentIntents[0].Status != "succeeded" || len(snap.Charges) != 2 {
		t.Fatalf("one PaymentIntent, a failed and a succeeded charge: %+v %+v", snap.PaymentIntents, snap.Charges)
	}
}

func TestCheckoutSessionAsync(t *testing.T) {
	sink := newHookSink(t, "whsec_cs")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret), WithProcessingDelay(30*time.Millisecond))
	sc := h.client(0, 0)
	for _, tc := range []struct {
		card, final string
		paid        bool
	}{
		{"pm_card_processing", "checkout.session.async_payment_succeeded:paid", true},
		{"pm_card_processingDeclined", "checkout.session.async_payment_failed:unpaid", false},
	} {
		cs := newSession(t, sc, "o-"+tc.card)
		status, loc, body := customerPost(t, cs.URL, url.Values{"card": {tc.card}})
		if status != http.StatusSeeOther || loc == "" {
			t.Fatalf("%s: %d %s", tc.card, status, body)
		}
		waitSessionEvents(t, sink, cs.ID, "checkout.session.completed:unpaid", tc.final)
		got, err := sc.V1CheckoutSessions.Retrieve(bg, cs.ID, nil)
		if err != nil || got.Status != stripe.CheckoutSessionStatusComplete || (got.PaymentStatus == stripe.CheckoutSessionPaymentStatusPaid) != tc.paid {
			t.Fatalf("%s: %v %+v", tc.card, err, got)
		}
	}
}

func TestCheckoutSessionExpiry(t *testing.T) {
	sink := newHookSink(t, "whsec_cs")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret))
	sc := h.client(0, 0)

	byCall := newSession(t, sc, "o-exp1")
	// A card that needs authentication starts the PaymentIntent; expiring
	// the session cancels it.
	if status, _, _ := customerPost(t, byCall.URL, url.Values{"card": {"4000000000003220"}}); status != 200 {
		t.Fatalf("challenge: %d", status)
	}
	got, err := sc.V1CheckoutSessions.Expire(bg, byCall.ID, nil)
	if err != nil || got.Status != stripe.CheckoutSessionStatusExpired {
		t.Fatalf("expire: %v %+v", err, got)
	}
	_, err = sc.V1CheckoutSessions.Expire(bg, byCall.ID, nil)
	if se := stripeErr(t, err); se.HTTPStatusCode != 400 {
		t.Fatalf("expire twice: %+v", se)
	}
	pi, err := sc.V1PaymentIntents.Retrieve(bg, got.PaymentIntent.ID, nil)
	if err != nil || pi.Status != stripe.PaymentIntentStatusCanceled {
		t.Fatalf("PaymentIntent of an expired session: %v %+v", err, pi)
	}

	byClock := newSession(t, sc, "o-exp2")
	if err := NewClient(h.srv.URL, "").AdvanceClock(bg, 23*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, _ := sc.V1CheckoutSessions.Retrieve(bg, byClock.ID, nil); got.Status != stripe.CheckoutSessionStatusOpen {
		t.Fatalf("after 23h: %+v", got)
	}
	if err := NewClient(h.srv.URL, "").AdvanceClock(bg, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	waitSessionEvents(t, sink, byCall.ID, "checkout.session.expired:unpaid")
	waitSessionEvents(t, sink, byClock.ID, "checkout.session.expired:unpaid")
	status, _, body := customerPost(t, byClock.URL, url.Values{"card": {"4242424242424242"}})
	if status != http.StatusGone || !strings.Contains(body, "expired") {
		t.Fatalf("paying an expired session: %d %s", status, body)
	}
	if snap := h.p.Snapshot(); len(snap.Charges) != 0 {
		t.Fatalf("charges after expiry: %+v", snap.Charges)
	}
}

// TestCheckoutSessionBadInput: Stripe's 400s, and nothing is made.
func TestCheckoutSessionBadInput(t *testing.T) {
	h := newHarness(t)
	base := "mode=payment&success_url=https://s.example/ok&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=500&line_items[0][price_data][product_data][name]=x"
	for _, tc := range []struct{ body, param string }{
		{"success_url=https://s.example/ok", "mode"},
		{"mode=subscription&success_url=https://s.example/ok", "mode"},
		{"mode=payment&success_url=https://s.example/ok", "line_items"},
		{"mode=payment&line_items[0][price]=price_nope&line_items[0][quantity]=1&success_url=https://s.example/ok", "line_items[0][price]"},
		{base, "line_items[0][quantity]"},
		{base + "&line_items[0][quantity]=x", "line_items[0][quantity]"},
		{base + "&line_items[0][quantity]=1&line_items[0][bogus]=1", "line_items[0][bogus]"},
		{base + "&line_items[0][quantity]=1&customer=cus_nope", "customer"},
		{base + "&line_items[0][quantity]=1&customer_email=a@b.c&customer=cus_x", "customer_email"},
		{base + "&line_items[0][quantity]=1&payment_intent_data[bogus]=1", "payment_intent_data[bogus]"},
		{base + "&line_items[0][quantity]=1&expires_at=1", "expires_at"},
		{base + "&line_items[0][quantity]=1&success_url=ftp://x", "success_url"},
		{base + "&line_items[0][quantity]=1&expand[]=nope", "expand"},
		{base + "&line_items[0][quantity]=1&line_items[1][quantity]=1&line_items[1][price_data][currency]=eur&line_items[1][price_data][unit_amount]=5&line_items[1][price_data][product_data][name]=y", "line_items"},
		{base + "&line_items[0][quantity]=1&line_items[1][quantity]=1&line_items[1][price_data][currency]=usd&line_items[1][price_data][unit_amount]=5&line_items[1][price_data][product]=prod_nope", "line_items[1][price_data][product]"},
	} {
		status, _, body := h.raw("POST", "/v1/checkout/sessions", tc.body, nil)
		if status != 400 && status != 404 || !strings.Contains(body, `"param":"`+tc.param+`"`) {
			t.Errorf("%s: %d %s", tc.body, status, body)
		}
	}
	for _, path := range []string{"/v1/prices", "/v1/products", "/v1/checkout/sessions"} {
		if status, _, body := h.raw("GET", path, "", nil); status != 200 || !strings.Contains(body, `"data":[]`) {
			t.Fatalf("a refused session left %s: %s", path, body)
		}
	}
	if status, _, body := h.raw("POST", "/v1/checkout/sessions", base+"&line_items[0][quantity]=1", nil); status != 200 {
		t.Fatalf("the good body: %d %s", status, body)
	}
	if status, _, _ := h.raw("GET", "/v1/checkout/sessions/cs_test_nope", "", nil); status != 404 {
		t.Fatalf("unknown session: %d", status)
	}
	if status, _, _ := customerPost(t, h.srv.URL+"/pay/cs_test_nope", nil); status != 404 {
		t.Fatalf("unknown page: %d", status)
	}
	if n := len(h.p.Snapshot().PaymentIntents); n != 0 {
		t.Fatalf("%d PaymentIntents made by session creation", n)
	}
}

func TestCheckoutSessionFreeOrderAndHostedURL(t *testing.T) {
	sink := newHookSink(t, "whsec_free")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret), WithHostedURL("http://browser.example:9000/"))
	sc := h.client(0, 0)
	cs, err := sc.V1CheckoutSessions.Create(bg, &stripe.CheckoutSessionCreateParams{
		Mode:       stripe.String("payment"),
		SuccessURL: stripe.String("https://shop.example/ok"),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{Quantity: stripe.Int64(1), PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
			Currency: stripe.String("usd"), UnitAmount: stripe.Int64(0), ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Sample")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cs.URL != "http://browser.example:9000/pay/"+cs.ID {
		t.Fatalf("url %q", cs.URL)
	}
	local := h.srv.URL + hostedPrefix + cs.ID
	if status, loc, body := customerPost(t, local, url.Values{"email": {"free@example.com"}}); status != http.StatusSeeOther || loc != "https://shop.example/ok" {
		t.Fatalf("free order: %d %q %s", status, loc, body)
	}
	waitSessionEvents(t, sink, cs.ID, "checkout.session.completed:no_payment_required")
	if snap := h.p.Snapshot(); len(snap.PaymentIntents) != 0 || snap.CheckoutSessions[0].PaymentStatus != "no_payment_required" {
		t.Fatalf("ledger %+v", snap)
	}
	// Totals stay within what a payment can be: no overflow.
	big := "mode=payment&success_url=https://s.example/ok&line_items[0][price_data][currency]=usd&line_items[0][price_data][product_data][name]=x&line_items[0][quantity]=999999&line_items[0][price_data][unit_amount]="
	for _, amt := range []string{"9223372036854775807", "99999999"} {
		if status, _, body := h.raw("POST", "/v1/checkout/sessions", big+amt, nil); status != 400 {
			t.Errorf("unit_amount %s × 999999: %d %s", amt, status, body)
		}
	}
}

// TestCheckoutSessionConcurrentSubmits: a customer who clicks Pay eight
// times at once is charged once.
func TestCheckoutSessionConcurrentSubmits(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	cs := newSession(t, sc, "o-dbl")
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _ = customerTry(cs.URL, url.Values{"card": {"4242424242424242"}})
		}()
	}
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusSeeOther {
			t.Errorf("submit %d: %d", i, st)
		}
	}
	snap := h.p.Snapshot()
	if len(snap.Charges) != 1 || len(snap.PaymentIntents) != 1 || snap.CheckoutSessions[0].PaymentStatus != "paid" {
		t.Fatalf("charges %+v", snap.Charges)
	}
}

func TestCheckoutSessionManualCapture(t *testing.T) {
	sink := newHookSink(t, "whsec_man")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret))
	sc := h.client(0, 0)
	status, _, body := h.raw("POST", "/v1/checkout/sessions", "mode=payment&success_url=https://s.example/ok&payment_intent_data[capture_method]=manual"+
		"&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=700&line_items[0][price_data][product_data][name]=x&line_items[0][quantity]=1", nil)
	var cs stripe.CheckoutSession
	if status != 200 || json.Unmarshal([]byte(body), &cs) != nil {
		t.Fatalf("create: %d %s", status, body)
	}
	if status, _, _ := customerPost(t, cs.URL, url.Values{"card": {"pm_card_visa"}}); status != http.StatusSeeOther {
		t.Fatalf("pay: %d", status)
	}
	got, err := sc.V1CheckoutSessions.Retrieve(bg, cs.ID, nil)
	if err != nil || got.Status != stripe.CheckoutSessionStatusComplete || got.PaymentStatus != stripe.CheckoutSessionPaymentStatusUnpaid {
		t.Fatalf("authorised, not captured: %v %+v", err, got)
	}
	if _, err := sc.V1PaymentIntents.Capture(bg, got.PaymentIntent.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := sc.V1CheckoutSessions.Retrieve(bg, cs.ID, nil); got.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid {
		t.Fatalf("after capture: %+v", got)
	}
	// A manual capture is not an async payment: one completed event only.
	waitSessionEvents(t, sink, cs.ID, "checkout.session.completed:unpaid")
}

func TestCheckoutSessionFailedAuthentication(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	cs := newSession(t, sc, "o-3dsfail")
	if status, _, _ := customerPost(t, cs.URL, url.Values{"card": {"4000000000003220"}}); status != 200 {
		t.Fatalf("challenge: %d", status)
	}
	status, _, body := customerPost(t, cs.URL+"/authenticate", url.Values{"result": {"fail"}})
	if status != http.StatusPaymentRequired || !strings.Contains(body, "failed authentication") || !strings.Contains(body, `data-status="open"`) {
		t.Fatalf("failed authentication: %d %s", status, body)
	}
	got, err := sc.V1CheckoutSessions.Retrieve(bg, cs.ID, &stripe.CheckoutSessionRetrieveParams{Expand: []*string{stripe.String("payment_intent")}})
	if err != nil || got.Status != stripe.CheckoutSessionStatusOpen || got.PaymentIntent.Status != stripe.PaymentIntentStatusRequiresPaymentMethod {
		t.Fatalf("after a failed authentication: %v %+v", err, got)
	}
	// Another card on the same page pays.
	if status, _, _ := customerPost(t, cs.URL, url.Values{"card": {"5555555555554444"}}); status != http.StatusSeeOther {
		t.Fatalf("second card: %d", status)
	}
}

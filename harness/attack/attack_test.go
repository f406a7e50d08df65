package attack

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
	"github.com/stripe/stripe-go/v84/webhook"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
)

// otherTarget is a SUT that looks nothing like the reference shop: the
// amount nested in the body under another name, the currency in the
// path, an API key header, other routes. The catalogue must build for it
// all the same.
var otherTarget = sut.Target{
	Name:    "other",
	BaseURL: "http://127.0.0.1:1",
	Headers: map[string]string{"X-Api-Key": "{{.Token}}"},
	Pay: sut.Call{
		Method:  "PUT",
		Path:    "/v2/{{.Currency}}/checkouts",
		Body:    `{"checkout":{"total_cents":{{.Amount}},"card":"{{.PaymentMethod}}"},"note":"hello"}`,
		Headers: map[string]string{"X-Request-Id": "{{.Key}}", "Content-Type": "application/json"},
	},
	Get:     sut.Call{Method: "GET", Path: "/v2/checkouts/{{.OrderID}}"},
	Refund:  sut.Call{Method: "POST", Path: "/v2/checkouts/{{.OrderID}}/refunds", Body: `{"cents":{{.Amount}},"currency":{{json .Currency}}}`},
	Cancel:  sut.Call{Method: "DELETE", Path: "/v2/checkouts/{{.OrderID}}"},
	Health:  sut.Call{Method: "GET", Path: "/up"},
	Webhook: sut.Call{Method: "POST", Path: "/hooks/psp"},
}

var (
	ann = sut.Customer{ID: "cus_ann", Token: "key_ann"}
	ben = sut.Customer{ID: "cus_ben", Token: "key_ben"}
)

// fakeSUT records what it is sent and refuses all of it; Get reads its
// orders, Pay creates one.
type fakeSUT struct {
	mu     sync.Mutex
	orders map[string]history.Order
	sent   []sut.RawRequest
	pays   []sut.PayRequest
	// onSend, if set, runs with each raw request, its context, and how
	// many were sent before it.
	onSend func(ctx context.Context, n int)
}

var (
	_ sut.Driver = (*fakeSUT)(nil)
	_ sut.Sender = (*fakeSUT)(nil)
	_ targeter   = (*fakeSUT)(nil)
)

func newFakeSUT() *fakeSUT {
	return &fakeSUT{orders: map[string]history.Order{
		"ch_paid":    {ID: "ch_paid", Customer: ann.ID, Status: history.StatusPaid, Amount: 4200, Currency: "eur"},
		"ch_failed":  {ID: "ch_failed", Customer: ann.ID, Status: history.StatusFailed, Amount: 1300, Currency: "eur"},
		"ch_pending": {ID: "ch_pending", Customer: ann.ID, Status: history.StatusPending, Amount: 900, Currency: "eur"},
	}}
}

func (f *fakeSUT) Target() sut.Target { return otherTarget }

func (f *fakeSUT) Pay(_ context.Context, r sut.PayRequest) (sut.Reply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pays = append(f.pays, r)
	if len(f.pays) > 1 && f.pays[len(f.pays)-2].Key == r.Key && f.pays[len(f.pays)-2].Amount != r.Amount {
		return sut.Reply{HTTPStatus: http.StatusUnprocessableEntity, Code: "key_reused"}, nil
	}
	o := history.Order{ID: fmt.Sprintf("ch_new_%d", len(f.pays)), Customer: r.Customer.ID, Status: history.StatusPaid, Amount: r.Amount, Currency: r.Currency}
	f.orders[o.ID] = o
	return sut.Reply{HTTPStatus: http.StatusCreated, Order: o}, nil
}

func (f *fakeSUT) Get(_ context.Context, c sut.Customer, id string) (sut.Reply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o, ok := f.orders[id]; ok && o.Customer == c.ID {
		return sut.Reply{HTTPStatus: http.StatusOK, Order: o}, nil
	}
	return sut.Reply{HTTPStatus: http.StatusNotFound}, nil
}

func (f *fakeSUT) Send(ctx context.Context, r sut.RawRequest) (sut.Reply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.onSend != nil {
		f.onSend(ctx, len(f.sent))
	}
	if err := ctx.Err(); err != nil {
		return sut.Reply{}, err // a real client gives up
	}
	f.sent = append(f.sent, r)
	if r.Path == otherTarget.Health.Path {
		return sut.Reply{HTTPStatus: http.StatusOK}, nil
	}
	return sut.Reply{HTTPStatus: http.StatusBadRequest, Body: `{"error":"no"}`}, nil
}

// run sends the whole catalogue at a fake SUT for otherTarget.
func run(t *testing.T, seed uint64) (*fakeSUT, Report) {
	t.Helper()
	f := newFakeSUT()
	orders := []history.Order{
		{ID: "ch_paid", Customer: ann.ID}, {ID: "ch_failed", Customer: ann.ID}, {ID: "ch_pending", Customer: ann.ID},
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	res, err := Run(context.Background(), f, history.NewRecorder(), Options{
		Customers: []sut.Customer{ann, ben}, Orders: orders, Rand: rand.New(rand.NewPCG(seed, 1)),
		Currency: "eur", PaymentMethod: "card_tok_1", Amount: 2000,
		Items:         &Items{Field: "basket", Value: json.RawMessage(`[{"sku":"a","n":1}]`)},
		WebhookSecret: "whsec_test_secret", Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, res
}

func named(res Report, name string) []history.Op {
	var out []history.Op
	for _, op := range res.Ops {
		if op.Name == name || strings.HasPrefix(op.Name, name+"/") {
			out = append(out, op)
		}
	}
	return out
}

// sentFor pairs each non-health raw request with the op that recorded it.
func sentFor(t *testing.T, f *fakeSUT, res Report) map[string]sut.RawRequest {
	t.Helper()
	byName := map[string]sut.RawRequest{}
	k := 0
	for _, op := range res.Ops {
		if op.Kind == history.Pay || (op.Kind == history.Attack && op.Name == "key-reuse-other-body/other-amount") {
			continue // sent through Driver.Pay
		}
		if k >= len(f.sent) {
			t.Fatalf("op %d %s has no request", op.ID, op.Name)
		}
		byName[op.Name] = f.sent[k]
		k++
	}
	if k != len(f.sent) {
		t.Fatalf("%d requests sent, %d recorded", len(f.sent), k)
	}
	return byName
}

func TestCatalogueBuildsForAnotherTarget(t *testing.T) {
	f, res := run(t, 1)
	req := sentFor(t, f, res)

	for name, r := range req {
		if !strings.HasPrefix(r.Path, "/") {
			t.Errorf("%s: path %q", name, r.Path)
		}
		all := r.Path + string(r.Body) + fmt.Sprint(r.Header)
		for _, mark := range []string{markAmountText, markCurrency, markMethod} {
			if strings.Contains(all, mark) {
				t.Errorf("%s: mark %s left in the request: %s", name, mark, all)
			}
		}
		if r.Customer != (sut.Customer{}) {
			t.Errorf("%s: credentials left to the sender: %+v", name, r.Customer)
		}
	}
	body := func(name string) string { return string(req[name].Body) }

	// Tampering lands where the target keeps the value.
	if got := body("amount-zero"); got != `{"checkout":{"total_cents":0,"card":"card_tok_1"},"note":"hello"}` {
		t.Errorf("amount-zero body %s", got)
	}
	if got := body("amount-tampered"); got != `{"basket":[{"sku":"a","n":1}],"checkout":{"total_cents":100,"card":"card_tok_1"},"note":"hello"}` {
		t.Errorf("amount-tampered body %s", got)
	}
	if p := req["currency-uppercase"].Path; p != "/v2/EUR/checkouts" || req["currency-uppercase"].Method != "PUT" {
		t.Errorf("currency-uppercase: %s %s", req["currency-uppercase"].Method, p)
	}
	if p := req["currency-padded"].Path; p != "/v2/%20eur%20/checkouts" {
		t.Errorf("currency-padded path %s", p)
	}
	if got := body("body-wrong-types/amount-string"); !strings.Contains(got, `"total_cents":"2000"`) {
		t.Errorf("amount-string body %s", got)
	}
	if n := len(body("body-oversized")); n <= 1<<20 {
		t.Errorf("body-oversized is %d bytes", n)
	}
	if got := body("body-invalid-utf8/payment-method"); !strings.Contains(got, "card_tok_1\xff\xfe") {
		t.Errorf("invalid-utf8 body %q", got)
	}
	if got := body("injection-sql/pay-payment-method"); !strings.Contains(got, `"card":"card_tok_1' OR '1'='1' --"`) {
		t.Errorf("injection body %s", got)
	}
	if got := body("card-number/payment-method"); !strings.Contains(got, testCardNumber) {
		t.Errorf("card-number body %s", got)
	}
	// The currency travels in the path here: it gets no raw bytes.
	for _, sk := range res.Skipped {
		t.Logf("skipped %s: %s", sk.Attack, sk.Reason)
	}
	if !slices.ContainsFunc(res.Skipped, func(s Skipped) bool { return s.Attack == "body-invalid-utf8/currency" }) {
		t.Error("body-invalid-utf8/currency was not skipped for a currency in the path")
	}

	// Credentials.
	if h := req["token-missing/get"].Header; h["X-Api-Key"] != "" || req["token-missing/get"].Path != "/v2/checkouts/ch_paid" {
		t.Errorf("token-missing/get: %s %v", req["token-missing/get"].Path, h)
	}
	if h := req["token-invalid/cancel"].Header; !strings.HasPrefix(h["X-Api-Key"], "tok_forged_") || req["token-invalid/cancel"].Method != "DELETE" {
		t.Errorf("token-invalid/cancel: %s %v", req["token-invalid/cancel"].Method, h)
	}
	if r := req["other-customer-read"]; r.Header["X-Api-Key"] != ben.Token || r.Path != "/v2/checkouts/ch_paid" {
		t.Errorf("other-customer-read: %s %v", r.Path, r.Header)
	}
	if r := req["other-customer-cancel"]; r.Path != "/v2/checkouts/ch_pending" {
		t.Errorf("other-customer-cancel aims at %s, want the pending order", r.Path)
	}
	if r := req["injection-path-traversal/get-order-id"]; r.Path != "/v2/checkouts/ch_paid/../../../../etc/passwd" {
		t.Errorf("traversal path %s", r.Path)
	}
	if r := req["injection-crlf/get-order-id"]; r.Path != "/v2/checkouts/ch_paid%0D%0AX-Injected:%20paychaos%0D%0A" {
		t.Errorf("crlf path %s", r.Path)
	}

	// Refunds: this target's refund call names a currency.
	if got := body("refund-over"); got != `{"cents":4201,"currency":"eur"}` {
		t.Errorf("refund-over body %s", got)
	}
	if got := body("refund-other-currency"); got != `{"cents":4200,"currency":"usd"}` {
		t.Errorf("refund-other-currency body %s", got)
	}

	// Key reuse goes through the driver: same key, another amount.
	if len(f.pays) != 2+2*doubleSubmitRounds || f.pays[0].Key != f.pays[1].Key || f.pays[0].Amount == f.pays[1].Amount {
		t.Errorf("key reuse and double submit pays: %+v", f.pays)
	}
	reuse := named(res, "key-reuse-other-body")
	if len(reuse) != 2 || reuse[0].Kind != history.Pay || reuse[1].Kind != history.Attack ||
		reuse[1].Order != reuse[0].Order || reuse[1].Before != history.StatusPaid || reuse[1].After != history.StatusPaid {
		t.Errorf("key reuse ops: %+v", reuse)
	}
	dbl := named(res, "double-submit")
	if len(dbl) != 2*doubleSubmitRounds {
		t.Fatalf("double submit ops: %+v", dbl)
	}
	for i := 0; i < len(dbl); i += 2 {
		if dbl[i].Key != dbl[i+1].Key || dbl[i].Kind != history.Pay || (i > 0 && dbl[i].Key == dbl[i-1].Key) {
			t.Errorf("double submit ops: %+v", dbl)
		}
	}

	// Ops carry what the checker needs.
	for _, op := range res.Ops {
		switch op.Kind {
		case history.Attack, history.Webhook:
			if op.Expect.IsZero() || op.HTTPStatus == 0 || op.Outcome == "" {
				t.Errorf("op %d %s: %+v", op.ID, op.Name, op)
			}
			if strings.HasPrefix(op.Name, "other-customer") && (op.Order == "" || op.Before == history.StatusNone || op.Before != op.After) {
				t.Errorf("op %d %s: order %q %s -> %s", op.ID, op.Name, op.Order, op.Before, op.After)
			}
		}
	}
}

func TestForgedWebhooks(t *testing.T) {
	f, res := run(t, 2)
	req := sentFor(t, f, res)
	const secret = "whsec_test_secret"
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, role := range []string{"paid", "failed", "pending"} {
		get := func(name string) sut.RawRequest {
			r, ok := req[name+"/"+role+"-order"]
			if !ok {
				t.Fatalf("no %s/%s-order request", name, role)
			}
			if r.Path != "/hooks/psp" || r.Method != "POST" {
				t.Fatalf("%s: %s %s", name, r.Method, r.Path)
			}
			return r
		}
		if r := get("webhook-unsigned"); r.Header["Stripe-Signature"] != "" {
			t.Errorf("unsigned carries %q", r.Header["Stripe-Signature"])
		}
		for _, name := range []string{"webhook-bad-signature", "webhook-foreign-account"} {
			r := get(name)
			if _, err := webhook.ConstructEventWithOptions(r.Body, r.Header["Stripe-Signature"], secret,
				webhook.ConstructEventOptions{IgnoreTolerance: true}); err == nil {
				t.Errorf("%s verifies with the SUT's secret", name)
			}
		}
		// Stale: the right secret, ten minutes ago. It verifies only when
		// the age is ignored, and then the event says what would move
		// the order.
		r := get("webhook-stale")
		sig := r.Header["Stripe-Signature"]
		if !strings.HasPrefix(sig, fmt.Sprintf("t=%d,", now.Add(-staleAge).Unix())) {
			t.Errorf("stale signature %s", sig)
		}
		if _, err := webhook.ConstructEvent(r.Body, sig, secret); err == nil {
			t.Error("a stale event verifies")
		}
		ev, err := webhook.ConstructEventWithOptions(r.Body, sig, secret, webhook.ConstructEventOptions{IgnoreTolerance: true})
		if err != nil {
			t.Fatalf("stale event: %v", err)
		}
		checkForged(t, ev, role)

		// Another API train: the right secret, now; refused for its
		// version alone.
		r = get("webhook-api-version")
		if _, err := webhook.ConstructEventWithOptions(r.Body, r.Header["Stripe-Signature"], secret, webhook.ConstructEventOptions{IgnoreTolerance: true}); err == nil {
			t.Error("an event of another API train verifies")
		}
		if _, err := webhook.ConstructEventWithOptions(r.Body, r.Header["Stripe-Signature"], secret,
			webhook.ConstructEventOptions{IgnoreTolerance: true, IgnoreAPIVersionMismatch: true}); err != nil {
			t.Errorf("api-version event, version ignored: %v", err)
		}
		r = get("webhook-malformed")
		if json.Valid(r.Body) {
			t.Errorf("malformed event is valid JSON: %s", r.Body)
		}
		// Without a ledger, replay is a captured forged event.
		r = get("webhook-replay")
		if _, err := webhook.ConstructEventWithOptions(r.Body, r.Header["Stripe-Signature"], secret, webhook.ConstructEventOptions{IgnoreTolerance: true}); err != nil {
			t.Errorf("replay: %v", err)
		}
	}
	for _, op := range named(res, "webhook-stale") {
		if op.Kind != history.Webhook || op.Order == "" || op.Before == history.StatusNone {
			t.Errorf("webhook op %+v", op)
		}
	}
}

// checkForged: the event names the order and says what would move it
// from its role: a refund for a paid order, a payment for the others.
func checkForged(t *testing.T, ev stripe.Event, role string) {
	t.Helper()
	var obj struct {
		Metadata       map[string]string `json:"metadata"`
		AmountRefunded int64             `json:"amount_refunded"`
		Amount         int64             `json:"amount"`
		Status         string            `json:"status"`
	}
	if err := json.Unmarshal(ev.Data.Raw, &obj); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"paid": "charge.refunded", "failed": "payment_intent.succeeded", "pending": "payment_intent.succeeded"}[role]
	if string(ev.Type) != want || obj.Metadata["order_id"] != "ch_"+role || obj.Status != "succeeded" {
		t.Errorf("%s order: event %s for %q, status %s", role, ev.Type, obj.Metadata["order_id"], obj.Status)
	}
	if role == "paid" && obj.AmountRefunded != 4200 {
		t.Errorf("refund of %d, want the whole 4200", obj.AmountRefunded)
	}
}

func TestReplayUsesTheProvidersEvent(t *testing.T) {
	created := time.Date(2026, 3, 1, 11, 59, 0, 0, time.UTC)
	led := &fakeprovider.Snapshot{
		PaymentIntents: []fakeprovider.PaymentRecord{{
			ID: "pi_real", Amount: 4200, Currency: "eur", Status: "succeeded", AmountReceived: 4200,
			LatestCharge: "ch_real", Metadata: map[string]string{"order_id": "ch_paid"}, Created: created,
		}},
		Events: []fakeprovider.EventRecord{
			{ID: "evt_old", Type: "payment_intent.created", ObjectID: "pi_real", Created: created},
			{ID: "evt_real", Type: "payment_intent.succeeded", ObjectID: "pi_real", Created: created.Add(time.Second)},
			{ID: "evt_other", Type: "payment_intent.succeeded", ObjectID: "pi_someone_else", Created: created.Add(time.Hour)},
		},
	}
	s := &setting{opts: Options{Ledger: led, APIVersion: fakeprovider.DefaultAPIVersion, WebhookSecret: "whsec_x",
		Rand: rand.New(rand.NewPCG(1, 1)), Now: time.Now}, forgedIDs: map[string][2]string{}}
	d, err := replay(s, history.Order{ID: "ch_paid", Status: history.StatusPaid, Amount: 4200, Currency: "eur"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := webhook.ConstructEventWithOptions(d.body, d.sig, "whsec_x", webhook.ConstructEventOptions{IgnoreTolerance: true})
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != "evt_real" || ev.Type != "payment_intent.succeeded" || !strings.HasPrefix(d.sig, fmt.Sprintf("t=%d,", created.Add(time.Second).Unix())) {
		t.Errorf("replayed %s %s signed %s", ev.ID, ev.Type, d.sig)
	}
	// Forged events carry the ledger's real ids, so a SUT that matches
	// payments by id would act on them.
	var obj struct {
		PaymentIntent string `json:"payment_intent"`
		ID            string `json:"id"`
	}
	if err := json.Unmarshal(s.forgeEvent(history.Order{ID: "ch_paid", Status: history.StatusPaid}, "v.clover", ""), &struct {
		Data struct{ Object any } `json:"data"`
	}{Data: struct{ Object any }{Object: &obj}}); err != nil {
		t.Fatal(err)
	}
	if obj.PaymentIntent != "pi_real" || obj.ID != "ch_real" {
		t.Errorf("forged charge %+v, want the ledger's ids", obj)
	}
}

// The provider's Sign is the one attacks forge with: it must sign as
// Stripe does, or a forged "valid" delivery would be refused for the wrong
// reason.
func TestSignMatchesStripe(t *testing.T) {
	body := eventJSON("evt_1", "payment_intent.succeeded", fakeprovider.DefaultAPIVersion, "", 1, piObject{ID: "pi_1", Object: "payment_intent"})
	now := time.Now()
	got := fakeprovider.Sign(body, "whsec_abc", now)
	want := stripe.GenerateTestSignedPayload(&stripe.UnsignedPayload{Payload: body, Secret: "whsec_abc", Timestamp: now}).Header
	if got != want {
		t.Fatalf("Sign = %s, stripe-go signs %s", got, want)
	}
	if _, err := webhook.ConstructEvent(body, got, "whsec_abc"); err != nil {
		t.Fatalf("stripe-go refuses our signature: %v", err)
	}
}

// Same seed, same requests: a run can be reproduced.
func TestRunIsDeterministic(t *testing.T) {
	a, ra := run(t, 9)
	b, rb := run(t, 9)
	if len(a.sent) != len(b.sent) || len(ra.Ops) != len(rb.Ops) {
		t.Fatalf("%d vs %d requests", len(a.sent), len(b.sent))
	}
	for i := range a.sent {
		x, y := a.sent[i], b.sent[i]
		if x.Method != y.Method || x.Path != y.Path || string(x.Body) != string(y.Body) || fmt.Sprint(x.Header) != fmt.Sprint(y.Header) {
			t.Fatalf("request %d differs:\n%+v\n%+v", i, x, y)
		}
	}
	for i := range ra.Ops {
		if ra.Ops[i].Name != rb.Ops[i].Name {
			t.Fatalf("op %d: %s vs %s", i, ra.Ops[i].Name, rb.Ops[i].Name)
		}
	}
}

func TestRunRefusesWhatItCannotDo(t *testing.T) {
	remote := otherTarget
	remote.BaseURL = "https://payments.example.com"
	for _, c := range []struct {
		name string
		d    sut.Driver
		opts Options
		want string
	}{
		{"remote", remoteSUT{newFakeSUT()}, Options{Rand: rand.New(rand.NewPCG(1, 1)), Customers: []sut.Customer{ann}}, "not loopback"},
		{"remote target", newFakeSUT(), Options{Target: remote, Rand: rand.New(rand.NewPCG(1, 1)), Customers: []sut.Customer{ann}}, ""},
		{"no rand", newFakeSUT(), Options{Customers: []sut.Customer{ann}}, "random source"},
		{"no customer", newFakeSUT(), Options{Rand: rand.New(rand.NewPCG(1, 1))}, "no customer"},
		{"stranger's order", newFakeSUT(), Options{Rand: rand.New(rand.NewPCG(1, 1)), Customers: []sut.Customer{ann},
			Orders: []history.Order{{ID: "x", Customer: "cus_nobody"}}}, "not among the customers"},
		{"same secrets", newFakeSUT(), Options{Rand: rand.New(rand.NewPCG(1, 1)), Customers: []sut.Customer{ann},
			WebhookSecret: "whsec_same", ForeignSecret: "whsec_same"}, "secret"},
		{"no sender", payOnly{}, Options{Rand: rand.New(rand.NewPCG(1, 1)), Customers: []sut.Customer{ann}}, "sut.Sender"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var f *fakeSUT
			switch d := c.d.(type) {
			case *fakeSUT:
				f = d
			case remoteSUT:
				f = d.fakeSUT
			}
			c.opts.Attacks = All()[:3]
			_, err := Run(context.Background(), c.d, history.NewRecorder(), c.opts)
			if c.want == "" {
				// The driver's own base URL is where requests go, whatever
				// the target in Options says.
				if err != nil || len(f.sent) == 0 {
					t.Fatalf("err %v, %d requests sent", err, len(f.sent))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one saying %q", err, c.want)
			}
			if f != nil && len(f.sent) > 0 {
				t.Fatalf("sent %d requests", len(f.sent))
			}
		})
	}
}

// remoteSUT is a fake whose base URL is off this machine.
type remoteSUT struct{ *fakeSUT }

func (r remoteSUT) Target() sut.Target {
	t := otherTarget
	t.BaseURL = "https://payments.example.com"
	return t
}

type payOnly struct{}

func (payOnly) Pay(context.Context, sut.PayRequest) (sut.Reply, error)       { return sut.Reply{}, nil }
func (payOnly) Get(context.Context, sut.Customer, string) (sut.Reply, error) { return sut.Reply{}, nil }

func TestRenderedEdits(t *testing.T) {
	r := rendered{body: `{"a":7316504929,"c":"cur_mark_q7x"}`, path: "/x/cur_mark_q7x", header: map[string]string{"H": "cur_mark_q7x"},
		fills: map[string]string{markAmountText: "5", markCurrency: "usd"}}
	if err := r.setText(markCurrency, "a\"b"); err != nil {
		t.Fatal(err)
	}
	if err := r.addField("z", "1"); err != nil {
		t.Fatal(err)
	}
	req := r.request()
	if string(req.Body) != `{"z":1,"a":5,"c":"a\"b"}` || req.Path != "/x/a%22b" || req.Header["H"] != `a"b` {
		t.Fatalf("%s %s %v", req.Body, req.Path, req.Header)
	}
	r = rendered{body: `{}`, header: map[string]string{"H": "cur_mark_q7x"}}
	if err := r.addField("z", "1"); err != nil || r.body != `{"z":1}` {
		t.Fatalf("%v %s", err, r.body)
	}
	if err := r.setText(markCurrency, "a\r\nb"); err == nil {
		t.Fatal("CRLF put in a header")
	}
	if err := (&rendered{body: "[]"}).addField("z", "1"); err == nil {
		t.Fatal("a field added to an array")
	}
	if _, err := render(sut.Target{}, sut.Call{Path: "orders/{{.OrderID}}"}, sut.CallData{OrderID: "@evil.example"}); err == nil {
		t.Fatal("a path without a leading slash rendered")
	}
}

// A run stopped by its context stops between requests and returns the
// context's error; no request is recorded as unanswered because of it.
func TestRunStopsWithItsContext(t *testing.T) {
	f := newFakeSUT()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.onSend = func(_ context.Context, n int) {
		if n == 5 {
			cancel()
		}
	}
	res, err := Run(ctx, f, history.NewRecorder(), Options{
		Customers: []sut.Customer{ann, ben}, Rand: rand.New(rand.NewPCG(1, 1)),
		Orders: []history.Order{{ID: "ch_paid", Customer: ann.ID}},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if len(res.Ops) == 0 || len(f.sent) > 8 {
		t.Fatalf("%d ops, %d requests", len(res.Ops), len(f.sent))
	}
	for _, op := range res.Ops {
		if op.HTTPStatus == 0 {
			t.Errorf("op %d %s recorded unanswered: %s", op.ID, op.Name, op.Error)
		}
	}
}

// Against a service that keeps only PaymentIntent ids (its payments carry
// no order metadata), replayed and forged webhooks still carry the
// order's real payment: found by the checker's join, not made up.
func TestWebhooksFindPaymentsByTheIDsTheServiceKeeps(t *testing.T) {
	created := time.Date(2026, 3, 1, 11, 59, 0, 0, time.UTC)
	led := &fakeprovider.Snapshot{
		PaymentIntents: []fakeprovider.PaymentRecord{
			{ID: "pi_kept", Amount: 4200, Currency: "eur", Status: "succeeded", AmountReceived: 4200, LatestCharge: "ch_kept", Created: created},
			{ID: "pi_stranger", Amount: 10, Currency: "eur", Status: "succeeded", Created: created.Add(time.Minute)},
		},
		Events: []fakeprovider.EventRecord{
			{ID: "evt_kept", Type: "payment_intent.succeeded", ObjectID: "pi_kept", Created: created.Add(time.Second)},
			{ID: "evt_stranger", Type: "payment_intent.succeeded", ObjectID: "pi_stranger", Created: created.Add(time.Hour)},
		},
	}
	order := history.Order{ID: "ord_1", Status: history.StatusPaid, Amount: 4200, Currency: "eur", PaymentIntents: []string{"pi_kept"}}
	for _, key := range []string{"", "shop_order"} {
		s := &setting{opts: Options{Ledger: led, APIVersion: fakeprovider.DefaultAPIVersion, WebhookSecret: "whsec_x", MetadataKey: key,
			Rand: rand.New(rand.NewPCG(1, 1)), Now: time.Now}, forgedIDs: map[string][2]string{}, orders: []history.Order{order}}
		d, err := replay(s, order)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := webhook.ConstructEventWithOptions(d.body, d.sig, "whsec_x", webhook.ConstructEventOptions{IgnoreTolerance: true})
		if err != nil {
			t.Fatal(err)
		}
		if ev.ID != "evt_kept" {
			t.Errorf("key %q: replayed %s, want the provider's event about the kept PaymentIntent", key, ev.ID)
		}
		var obj struct {
			PaymentIntent string            `json:"payment_intent"`
			ID            string            `json:"id"`
			Metadata      map[string]string `json:"metadata"`
		}
		if err := json.Unmarshal(s.forgeEvent(order, "v.clover", ""), &struct {
			Data struct{ Object any } `json:"data"`
		}{Data: struct{ Object any }{Object: &obj}}); err != nil {
			t.Fatal(err)
		}
		wantKey := cmp.Or(key, "order_id")
		if obj.PaymentIntent != "pi_kept" || obj.ID != "ch_kept" || obj.Metadata[wantKey] != "ord_1" {
			t.Errorf("key %q: forged charge %+v, want the kept ids and metadata[%s]", key, obj, wantKey)
		}
	}
}

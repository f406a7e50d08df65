package sut

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paychaos/paychaos/harness/history"
)

func TestHTTPDriverSpeaksTheShopTarget(t *testing.T) {
	var gotBody map[string]any
	var gotKey, gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST" && r.URL.Path == "/orders":
			gotKey, gotAuth = r.Header.Get("Idempotency-Key"), r.Header.Get("Authorization")
			b, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(b, &gotBody)
			w.WriteHeader(201)
			io.WriteString(w, `{"id":"ord_1","status":"paid","amount":9007199254740993,"currency":"usd","customer":"cus_a"}`)
		case r.URL.Path == "/orders/ord_1":
			io.WriteString(w, `{"id":"ord_1","status":"refunded","amount":10,"currency":"usd","refunded":10}`)
		case r.URL.Path == "/orders":
			io.WriteString(w, `{"orders":[{"id":"ord_1","status":"paid","amount":10,"currency":"usd"}]}`)
		default:
			w.WriteHeader(404)
			io.WriteString(w, `{"error":{"code":"not_found","message":"no"}}`)
		}
	}))
	defer srv.Close()
	c := Customer{ID: "cus_a", Token: "tok_a"}
	d := NewHTTPDriver(ShopTarget(srv.URL, []Customer{c}))
	ctx := context.Background()

	r, err := d.Pay(ctx, PayRequest{Customer: c, Amount: 1234, Currency: `us"d`, PaymentMethod: "pm_card_visa", Key: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if gotKey != "k1" || gotAuth != "Bearer tok_a" {
		t.Fatalf("headers: key %q auth %q", gotKey, gotAuth)
	}
	if gotBody["currency"] != `us"d` || gotBody["amount"] != float64(1234) {
		t.Fatalf("body %v: values must be JSON-quoted", gotBody)
	}
	if r.HTTPStatus != 201 || r.Order.ID != "ord_1" || r.Order.Status != history.StatusPaid || r.Order.Amount != 9007199254740993 {
		t.Fatalf("reply %+v (amounts must stay exact)", r)
	}
	g, err := d.Get(ctx, c, "ord_1")
	if err != nil || g.Order.Status != history.StatusRefunded || g.Order.Refunded != 10 {
		t.Fatalf("get: %+v %v", g, err)
	}
	os, err := d.Orders(ctx, c)
	if err != nil || len(os) != 1 || os[0].Customer != "cus_a" {
		t.Fatalf("orders: %+v %v", os, err)
	}
	nf, err := d.Get(ctx, c, "nope")
	if err != nil || nf.HTTPStatus != 404 || nf.Code != "not_found" {
		t.Fatalf("not found: %+v %v", nf, err)
	}
	srv.Close()
	if _, err := d.Pay(ctx, PayRequest{Customer: c, Amount: 1, Currency: "usd", Key: "k2"}); err == nil {
		t.Fatal("pay to a closed server: no transport error")
	}
}

func TestHTTPDriverReadsPaymentIdsAndPerCallFields(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST":
			w.WriteHeader(201)
			io.WriteString(w, `{"order":{"id":"o1","state":"PAID","payments":[{"intent":"pi_1"},{"intent":"pi_2"}],"session":"cs_1"}}`)
		case r.URL.Path == "/orders/o1/status": // a status answer that names no order
			io.WriteString(w, `{"state":"PAID","payment_intent":"pi_1"}`)
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	c := Customer{ID: "cus_a"}
	tg := Target{
		Name: "svc", BaseURL: srv.URL, Customers: []Customer{c},
		Pay:      Call{Method: "POST", Path: "/orders"},
		Get:      Call{Path: "/orders/{{.OrderID}}/status", Fields: Fields{ID: "-", Status: "state", PaymentIntent: "payment_intent", CheckoutSession: "-"}},
		Fields:   Fields{ID: "order.id", Status: "order.state", PaymentIntent: "order.payments.intent", CheckoutSession: "order.session"},
		Statuses: map[string]history.Status{"PAID": history.StatusPaid},
	}
	d := NewHTTPDriver(tg)
	ctx := context.Background()
	r, err := d.Pay(ctx, PayRequest{Customer: c, Amount: 1, Currency: "usd", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if o := r.Order; o.ID != "o1" || o.Status != history.StatusPaid || strings.Join(o.PaymentIntents, ",") != "pi_1,pi_2" || o.CheckoutSession != "cs_1" {
		t.Fatalf("pay answer read as %+v", o)
	}
	g, err := d.Get(ctx, c, "o1")
	if err != nil {
		t.Fatal(err)
	}
	if o := g.Order; o.ID != "" || o.Status != history.StatusPaid || strings.Join(o.PaymentIntents, ",") != "pi_1" {
		t.Fatalf("get answer, with its own fields, read as %+v", o)
	}
	if _, err := d.Orders(ctx, c); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("a target without list: %v, want ErrUnsupported", err)
	}
}

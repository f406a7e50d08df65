package fakeprovider

import (
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

func TestCustomersWithSavedPaymentMethods(t *testing.T) {
	sink := newHookSink(t, "whsec_cus")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret))
	sc := h.client(0, 0)

	cus, err := sc.V1Customers.Create(bg, &stripe.CustomerCreateParams{Email: stripe.String("ada@example.com"), Name: stripe.String("Ada"),
		Metadata: map[string]string{"user": "u1"}, PaymentMethod: stripe.String("pm_card_visa")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cus.ID, "cus_") || cus.Email != "ada@example.com" || cus.Metadata["user"] != "u1" {
		t.Fatalf("created %+v", cus)
	}
	pm, err := sc.V1PaymentMethods.Attach(bg, "pm_card_mastercard", &stripe.PaymentMethodAttachParams{Customer: stripe.String(cus.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if pm.ID == "pm_card_mastercard" || pm.Customer == nil || pm.Customer.ID != cus.ID || pm.Card == nil || pm.Card.Last4 != "4444" {
		t.Fatalf("attached %+v", pm)
	}
	_, err = sc.V1PaymentMethods.Attach(bg, "pm_card_chargeDeclined", &stripe.PaymentMethodAttachParams{Customer: stripe.String(cus.ID)})
	if se := stripeErr(t, err); se.HTTPStatusCode != 402 || se.Code != "card_declined" {
		t.Fatalf("attaching a declining card: %+v", se)
	}

	var saved []string
	for m, err := range sc.V1Customers.ListPaymentMethods(bg, &stripe.CustomerListPaymentMethodsParams{Customer: stripe.String(cus.ID)}) {
		if err != nil {
			t.Fatal(err)
		}
		saved = append(saved, m.Card.Last4)
	}
	if strings.Join(saved, ",") != "4444,4242" {
		t.Fatalf("saved cards %v", saved)
	}

	if r, err := sc.V1Customers.RetrievePaymentMethod(bg, pm.ID, &stripe.CustomerRetrievePaymentMethodParams{Customer: stripe.String(cus.ID)}); err != nil || r.ID != pm.ID {
		t.Fatalf("the customer's payment method: %v %+v", err, r)
	}
	if status, _, _ := h.raw("GET", "/v1/customers/"+cus.ID+"/payment_methods/pm_card_visa", "", nil); status != 404 {
		t.Fatalf("a payment method not saved for the customer: %d", status)
	}

	// The service charges the saved card off-session.
	pi, err := sc.V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(900), Currency: stripe.String("usd"),
		Customer: stripe.String(cus.ID), PaymentMethod: stripe.String(pm.ID), PaymentMethodTypes: []*string{stripe.String("card")},
		Confirm: stripe.Bool(true), OffSession: stripe.Bool(true)})
	if err != nil || pi.Status != stripe.PaymentIntentStatusSucceeded || pi.Customer == nil || pi.Customer.ID != cus.ID {
		t.Fatalf("charging the saved card: %v %+v", err, pi)
	}

	got, err := sc.V1PaymentMethods.Detach(bg, pm.ID, nil)
	if err != nil || got.Customer != nil {
		t.Fatalf("detach: %v %+v", err, got)
	}
	if _, err := sc.V1PaymentMethods.Detach(bg, pm.ID, nil); stripeErr(t, err).HTTPStatusCode != 400 {
		t.Fatal("detaching twice succeeded")
	}
	if r, err := sc.V1PaymentMethods.Retrieve(bg, pm.ID, nil); err != nil || r.ID != pm.ID {
		t.Fatalf("retrieve: %v %+v", err, r)
	}

	upd, err := sc.V1Customers.Update(bg, cus.ID, &stripe.CustomerUpdateParams{Name: stripe.String("Ada L."), Metadata: map[string]string{"user": ""}})
	if err != nil || upd.Name != "Ada L." || len(upd.Metadata) != 0 || upd.Email != "ada@example.com" {
		t.Fatalf("update: %v %+v", err, upd)
	}
	other, err := sc.V1Customers.Create(bg, &stripe.CustomerCreateParams{Email: stripe.String("bob@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for c, err := range sc.V1Customers.Search(bg, &stripe.CustomerSearchParams{SearchParams: stripe.SearchParams{Query: "email:'bob@example.com'"}}) {
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, c.ID)
	}
	if len(found) != 1 || found[0] != other.ID {
		t.Fatalf("search found %v", found)
	}
	var listed int
	for _, err := range sc.V1Customers.List(bg, &stripe.CustomerListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		listed++
	}
	del, err := sc.V1Customers.Delete(bg, other.ID, nil)
	if err != nil || !del.Deleted || listed != 2 {
		t.Fatalf("delete: %v %+v (listed %d)", err, del, listed)
	}
	if r, err := sc.V1Customers.Retrieve(bg, other.ID, nil); err != nil || !r.Deleted {
		t.Fatalf("retrieving a deleted customer: %v %+v", err, r)
	}
	if _, err := sc.V1Customers.Update(bg, other.ID, &stripe.CustomerUpdateParams{Name: stripe.String("x")}); stripeErr(t, err).HTTPStatusCode != 404 {
		t.Fatal("updated a deleted customer")
	}
	eventually(t, 5*time.Second, "customer and payment method events", func() bool {
		n, pm := 0, 0
		for _, typ := range sink.types() {
			switch {
			case strings.HasPrefix(typ, "customer."):
				n++
			case strings.HasPrefix(typ, "payment_method."):
				pm++
			}
		}
		return n == 4 && pm == 3
	})
	for _, bad := range []string{"email=not-an-email", "metadata[k][x]=1", "balance=1&bogus=2", "address=x"} {
		if status, _, body := h.raw("POST", "/v1/customers", bad, nil); status != 400 {
			t.Errorf("%s: %d %s", bad, status, body)
		}
	}
	if status, _, body := h.raw("GET", "/v1/customers/search?query=amount>1", "", nil); status != 400 {
		t.Errorf("search on amount: %d %s", status, body)
	}
}

func TestProductsAndPrices(t *testing.T) {
	h := newHarness(t)
	sc := h.client(0, 0)
	prod, err := sc.V1Products.Create(bg, &stripe.ProductCreateParams{Name: stripe.String("Mug"), Description: stripe.String("Blue")})
	if err != nil || prod.Name != "Mug" || !prod.Active {
		t.Fatalf("product: %v %+v", err, prod)
	}
	pr, err := sc.V1Prices.Create(bg, &stripe.PriceCreateParams{Currency: stripe.String("usd"), UnitAmount: stripe.Int64(800), Product: stripe.String(prod.ID)})
	if err != nil || pr.Type != stripe.PriceTypeOneTime || pr.Currency != "usd" {
		t.Fatalf("price: %v %+v", err, pr)
	}
	adhoc, err := sc.V1Prices.Create(bg, &stripe.PriceCreateParams{Currency: stripe.String("usd"), UnitAmount: stripe.Int64(100),
		ProductData: &stripe.PriceCreateProductDataParams{Name: stripe.String("Sticker")}})
	if err != nil || adhoc.Product == nil || adhoc.Product.ID == prod.ID {
		t.Fatalf("price with product_data: %v %+v", err, adhoc)
	}
	if got, err := sc.V1Prices.Retrieve(bg, pr.ID, nil); err != nil || got.UnitAmount != 800 {
		t.Fatalf("retrieve price: %v %+v", err, got)
	}
	if got, err := sc.V1Products.Retrieve(bg, prod.ID, nil); err != nil || got.Description != "Blue" {
		t.Fatalf("retrieve product: %v %+v", err, got)
	}
	n := 0
	for p, err := range sc.V1Prices.List(bg, &stripe.PriceListParams{Product: stripe.String(prod.ID)}) {
		if err != nil || p.ID != pr.ID {
			t.Fatalf("list prices: %v %+v", err, p)
		}
		n++
	}
	m := 0
	for _, err := range sc.V1Products.List(bg, &stripe.ProductListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		m++
	}
	if n != 1 || m != 2 {
		t.Fatalf("listed %d prices, %d products", n, m)
	}
	for _, bad := range []string{"currency=usd&unit_amount=100", "currency=usd&product=prod_nope&unit_amount=1", "currency=usd&unit_amount=-1&product_data[name]=x",
		"currency=xxx&unit_amount=1&product_data[name]=x", "currency=usd&unit_amount=1&product_data[name]=x&recurring[interval]=month"} {
		if status, _, body := h.raw("POST", "/v1/prices", bad, nil); status != 400 && status != 404 {
			t.Errorf("%s: %d %s", bad, status, body)
		}
	}
}

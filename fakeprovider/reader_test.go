package fakeprovider

import (
	"strings"
	"testing"
)

func parsedForm(t *testing.T, body string) *form {
	t.Helper()
	f := getForm()
	if err := f.parse(body); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { putForm(f) })
	return f
}

// TestReaderIsSticky: the first bad parameter is the error; every read
// after it gives the zero value, so a handler checks once, at the end.
func TestReaderIsSticky(t *testing.T) {
	in := &reader{f: parsedForm(t, "amount=12&confirm=maybe&currency=usd&limit=abc&metadata[k]=v")}
	if n, ok := in.num("amount"); n != 12 || !ok || !in.ok() {
		t.Fatalf("amount: %d %v %v", n, ok, in.err)
	}
	if _, ok := in.flag("confirm"); ok || in.ok() || in.err.param != "confirm" {
		t.Fatalf("confirm: %v %v", ok, in.err)
	}
	first := in.err
	if s, ok := in.str("currency"); s != "" || ok {
		t.Fatalf("a read after the error gave %q", s)
	}
	in.num("limit")
	in.fail(missingParam("other"))
	if md, sent, _ := in.metadata(); md != nil || sent || in.err != first {
		t.Fatalf("the first error did not stick: %v", in.err)
	}
	if in.expand(piExpandable) != 0 || in.enum("capture_method", "manual") != "" {
		t.Fatal("reads after the error must give zero values")
	}
}

// TestReaderReadsAsBefore: the reader gives what the handlers relied on
// the error-returning readers for, and its first error.
func TestReaderReadsAsBefore(t *testing.T) {
	for _, tc := range []struct {
		body, errParam string
	}{
		{"amount=100&currency=usd&payment_method=pm_card_visa&metadata[a]=b&payment_method_types[]=card", ""},
		{"amount=x", "amount"},
		{"payment_method_types[]=sepa_debit", "payment_method_types"},
		{"payment_method=pm_nope", "payment_method"},
		{"statement_descriptor=" + strings.Repeat("x", 30), "statement_descriptor"},
		{"payment_method=pm_card_visa&payment_method_data[type]=card", "payment_method_data"},
	} {
		in := &reader{f: parsedForm(t, tc.body)}
		in.piParams(nil)
		if got := ""; in.err != nil {
			got = in.err.param
			if got != tc.errParam {
				t.Errorf("%s: error on %q, want %q", tc.body, got, tc.errParam)
			}
		} else if tc.errParam != "" {
			t.Errorf("%s: no error, want one on %q", tc.body, tc.errParam)
		}
	}
	in := &reader{f: parsedForm(t, "created=7")}
	if lp := in.listParams(); !in.ok() || !lp.createdOK(7) || lp.createdOK(8) {
		t.Errorf("created=7: %+v %v", lp, in.err)
	}
	for _, body := range []string{"limit=0", "created[gte]=x", "starting_after=a&ending_before=b"} {
		in := &reader{f: parsedForm(t, body)}
		if in.listParams(); in.ok() {
			t.Errorf("%s: no error", body)
		}
	}
	if in := (&reader{f: parsedForm(t, "off_session=perhaps")}); in.confirmOpts() != (confirmOpts{}) || in.ok() {
		t.Error("off_session=perhaps: no error")
	}
	for body, ok := range map[string]bool{"expand[]=latest_charge.balance_transaction": true, "expand[]=charge": false, "expand[]=data.latest_charge": false} {
		in := &reader{f: parsedForm(t, body)}
		if in.expand(piExpandable); in.ok() != ok {
			t.Errorf("%s: ok %v, want %v", body, in.ok(), ok)
		}
	}
}

// TestReaderPaymentMethod: a test id stands for itself, a saved
// PaymentMethod keeps its id with its card, a token and card data stand
// for their test card.
func TestReaderPaymentMethod(t *testing.T) {
	visa := testCards["pm_card_visa"]
	saved := func(id string) *testCard {
		if id == "pm_Saved1" {
			return testCards["pm_card_chargeDeclined"]
		}
		return nil
	}
	for _, tc := range []struct {
		body, id string
		card     *testCard
	}{
		{"payment_method=pm_card_visa", "pm_card_visa", visa},
		{"payment_method=pm_Saved1", "pm_Saved1", testCards["pm_card_chargeDeclined"]},
		{"payment_method=tok_visa", "pm_card_visa", visa},
		{"payment_method_data[type]=card&payment_method_data[card][token]=tok_visa", "pm_card_visa", visa},
		{"payment_method_data[type]=card&payment_method_data[card][number]=4242424242424242", "pm_card_visa", visa},
		{"", "", nil},
	} {
		in := &reader{f: parsedForm(t, tc.body)}
		if id, card := in.paymentMethod(saved); id != tc.id || card != tc.card || !in.ok() {
			t.Errorf("%s: %q %v %v", tc.body, id, card, in.err)
		}
	}
	for _, body := range []string{"payment_method=pm_Other", "payment_method=tok_nope", "payment_method_data[type]=sepa_debit",
		"payment_method_data[type]=card&payment_method_data[card][token]=tok_nope"} {
		in := &reader{f: parsedForm(t, body)}
		if id, card := in.paymentMethod(saved); id != "" || card != nil || in.ok() {
			t.Errorf("%s: %q %v, no error", body, id, card)
		}
	}
}

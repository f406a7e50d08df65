package fakeprovider

import "testing"

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

// TestOldReadersAgree: the error-returning readers that handlers not yet
// moved to the reader call answer as the reader does.
func TestOldReadersAgree(t *testing.T) {
	for _, body := range []string{
		"amount=100&currency=usd&payment_method=pm_card_visa&metadata[a]=b&payment_method_types[]=card",
		"amount=x", "payment_method_types[]=sepa_debit", "payment_method=pm_nope", "statement_descriptor=" + string(make([]byte, 30)),
	} {
		f := parsedForm(t, body)
		pp, e := readPIParams(f)
		in := &reader{f: f}
		if pp2 := in.piParams(); pp2.amountN != pp.amountN || pp2.pm != pp.pm || len(pp2.md) != len(pp.md) || (e == nil) != in.ok() {
			t.Errorf("%s: readPIParams %+v %v, reader %+v %v", body, pp, e, pp2, in.err)
		}
	}
	for _, body := range []string{"limit=3&created[gte]=5", "created=7", "limit=0", "created[gte]=x", "starting_after=a&ending_before=b"} {
		f := parsedForm(t, body)
		lp, e := readListParams(f)
		in := &reader{f: f}
		if lp2 := in.listParams(); lp2 != lp || (e == nil) != in.ok() {
			t.Errorf("%s: readListParams %+v %v, reader %+v %v", body, lp, e, lp2, in.err)
		}
	}
	for _, body := range []string{"off_session=one_off&return_url=https://x", "off_session=perhaps", "use_stripe_sdk=1"} {
		f := parsedForm(t, body)
		o, e := readConfirmOpts(f)
		in := &reader{f: f}
		if o2 := in.confirmOpts(); o2 != o || (e == nil) != in.ok() {
			t.Errorf("%s: readConfirmOpts %+v %v, reader %+v %v", body, o, e, o2, in.err)
		}
	}
	for _, body := range []string{"expand[]=latest_charge.balance_transaction", "expand[]=charge", "expand[]=data.latest_charge"} {
		f := parsedForm(t, body)
		x, e := f.expansionParam(piExpandable)
		in := &reader{f: f}
		if x2 := in.expand(piExpandable); x2 != x || (e == nil) != in.ok() {
			t.Errorf("%s: expansionParam %b %v, reader %b %v", body, x, e, x2, in.err)
		}
	}
	if lp, _ := readListParams(parsedForm(t, "created=7")); !lp.createdOK(7) || lp.createdOK(8) {
		t.Errorf("created=7: %+v", lp)
	}
}

package check

import (
	"fmt"
	"math/rand"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/history"
)

// genInput builds a run of about n operations of a correct shop through a
// provider outage, with the ledger and final orders that match it: every
// invariant does its full work and passes. Orders are paid, declined,
// answered "pending" and reconciled either way, refunded, left processing
// (async), probed with forged webhooks and attacks; health is checked.
func genInput(r *rand.Rand, n int) *Input {
	const (
		traffic = 500 * time.Second
		settle  = 600 * time.Second
	)
	in := &Input{
		Window:         Window{FaultStart: 200 * time.Second, FaultEnd: 300 * time.Second, SettleEnd: settle},
		FailFastBudget: 2 * time.Second,
		Secrets:        []string{"sk_test_51Hbenchsecretkeyvalue0000", "whsec_benchwebhooksecret"},
		Texts:          map[string]string{"shop.log": "started; provider key sk_… (masked)\n"},
	}
	in.History = make([]history.Op, 0, n+8)
	in.Orders = make([]history.Order, 0, n/3+8)
	led := &in.Ledger
	led.PaymentIntents = make([]fakeprovider.PaymentRecord, 0, n/3+8)
	led.Charges = make([]fakeprovider.ChargeRecord, 0, n/3+8)
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	currencies := [...]string{"usd", "eur", "gbp"}
	step := traffic / time.Duration(n/3+1)

	add := func(op history.Op) {
		op.ID = len(in.History) + 1
		op.Phase = history.PhaseAt(op.Call, in.Window.FaultStart, in.Window.FaultEnd)
		in.History = append(in.History, op)
	}
	ms := func(lo, hi int64) time.Duration { return time.Duration(lo+r.Int63n(hi-lo)) * time.Millisecond }

	var t time.Duration
	for k := 1; len(in.History) < n; k++ {
		t += step
		id := "ord_" + strconv.Itoa(k)
		cus := "cus_" + strconv.Itoa(k%5000)
		amount := 100 + r.Int63n(99900)
		cur := currencies[r.Intn(len(currencies))]
		pi := "pi_" + strconv.Itoa(k)
		ch := "ch_" + strconv.Itoa(k)
		during := t >= in.Window.FaultStart && t < in.Window.FaultEnd

		pay := history.Op{Client: k % 64, Kind: history.Pay, Order: id, Customer: cus, Key: "k_" + strconv.Itoa(k),
			Amount: amount, Currency: cur, PaymentMethod: "pm_card_visa", Call: t}
		final := history.StatusPaid
		captured, processing := true, false
		switch x := r.Intn(100); {
		case during && x < 40: // coded error fast; the shop reconciles later
			pay.Outcome, pay.HTTPStatus, pay.Code, pay.Status = history.Unknown, 503, "provider_unavailable", history.StatusPending
			pay.Error = "payment provider unavailable"
			pay.Return = t + ms(5, 100)
			captured = r.Intn(10) < 3 // commit-then-fail happened for some
		case during: // pending
			pay.Outcome, pay.HTTPStatus, pay.Status = history.Unknown, 202, history.StatusPending
			pay.Return = t + ms(20, 300)
			captured = r.Intn(10) < 7
		case x < 88:
			pay.Outcome, pay.HTTPStatus, pay.Status = history.OK, 201, history.StatusPaid
			pay.Return = t + ms(50, 400)
		case x < 95:
			pay.Outcome, pay.HTTPStatus, pay.Code, pay.Status = history.Fail, 402, "card_declined", history.StatusFailed
			pay.PaymentMethod = "pm_card_chargeDeclined"
			pay.Return = t + ms(50, 400)
			captured = false
		case x < 98:
			pay.Outcome, pay.HTTPStatus, pay.Status = history.Unknown, 202, history.StatusPending
			pay.Return = t + ms(50, 400)
		default: // async method still processing at the end
			pay.Outcome, pay.HTTPStatus, pay.Status = history.Unknown, 202, history.StatusPending
			pay.PaymentMethod = "pm_sepa_debit"
			pay.Return = t + ms(50, 400)
			captured, processing = false, true
		}
		if !captured {
			final = history.StatusFailed
		}
		if processing {
			final = history.StatusPending
		}
		pay.Body = `{"id":"` + id + `","status":"` + string(pay.Status) + `","amount":` + strconv.FormatInt(amount, 10) +
			`,"currency":"` + cur + `","payment":"` + pi + `","card":"•••• 4242"}`
		add(pay)
		resolved := pay.Return + ms(100, 30000)

		order := history.Order{ID: id, Customer: cus, Status: final, Amount: amount, Currency: cur}
		rec := fakeprovider.PaymentRecord{ID: pi, Amount: amount, Currency: cur, CaptureMethod: "automatic",
			Metadata: map[string]string{"order_id": id}, Created: created.Add(t)}
		switch {
		case captured:
			rec.Status, rec.AmountReceived, rec.LatestCharge = "succeeded", amount, ch
			led.Charges = append(led.Charges, fakeprovider.ChargeRecord{ID: ch, PaymentIntent: pi, Amount: amount,
				AmountCaptured: amount, Currency: cur, Status: "succeeded", Captured: true, Created: created.Add(t)})
		case processing:
			rec.Status = "processing"
		case pay.Code == "card_declined":
			rec.Status, rec.LatestCharge = "requires_payment_method", ch
			led.Charges = append(led.Charges, fakeprovider.ChargeRecord{ID: ch, PaymentIntent: pi, Amount: amount,
				Currency: cur, Status: "failed", FailureCode: "card_declined", Created: created.Add(t)})
		default:
			rec.Status = "canceled" // the shop cancelled the intent when it resolved the order
		}
		led.PaymentIntents = append(led.PaymentIntents, rec)
		if captured {
			// Its event, accepted; now and then only on a second attempt.
			ev := "evt_" + strconv.Itoa(k)
			if k%50 == 0 {
				led.Deliveries = append(led.Deliveries, fakeprovider.Delivery{EventID: ev, Endpoint: "http://shop/webhooks/stripe", Attempt: 1, Status: 503})
			}
			if k%70 == 0 {
				led.Deliveries = append(led.Deliveries, fakeprovider.Delivery{EventID: ev, Endpoint: "http://shop/webhooks/stripe", Attempt: 1, Status: 400, Fault: "webhook_bad_signature"})
			}
			led.Deliveries = append(led.Deliveries, fakeprovider.Delivery{EventID: ev, Endpoint: "http://shop/webhooks/stripe", Attempt: 2, Status: 200})
		}

		// Reads: pending until resolved, the final status after.
		tt := pay.Return
		for range 1 + r.Intn(3) {
			tt += ms(200, 15000)
			st := final
			if tt < resolved && pay.Status == history.StatusPending {
				st = history.StatusPending
			}
			add(history.Op{Client: k % 64, Kind: history.Get, Order: id, Customer: cus, Call: tt, Return: tt + ms(1, 20),
				Outcome: history.OK, Status: st, HTTPStatus: 200, Body: `{"id":"` + id + `","status":"` + string(st) + `"}`})
		}
		if captured && r.Intn(100) < 3 {
			tt += ms(100, 2000)
			re := "re_" + strconv.Itoa(k)
			led.Refunds = append(led.Refunds, fakeprovider.RefundRecord{ID: re, Charge: ch, PaymentIntent: pi,
				Amount: amount, Currency: cur, Status: "succeeded", Created: created.Add(tt)})
			led.Charges[len(led.Charges)-1].AmountRefunded = amount
			led.Charges[len(led.Charges)-1].Refunded = true
			order.Status, order.Refunded = history.StatusRefunded, amount
			add(history.Op{Client: k % 64, Kind: history.Refund, Order: id, Customer: cus, Call: tt, Return: tt + ms(50, 400),
				Outcome: history.OK, Status: history.StatusRefunded, HTTPStatus: 200})
		}
		if r.Intn(100) == 0 {
			tt += ms(100, 2000)
			add(history.Op{Client: 99, Kind: history.Webhook, Order: id, Name: "forged-signature", Call: tt, Return: tt + ms(1, 10),
				Outcome: history.Fail, HTTPStatus: 400, Before: order.Status, After: order.Status})
		}
		if r.Intn(200) == 0 {
			tt += ms(100, 2000)
			add(history.Op{Client: 98, Kind: history.Attack, Order: id, Name: "negative-amount", Expect: history.Expect{Status: []history.StatusClass{history.Class4xx}, Effect: history.NoChange},
				Amount: -amount, Call: tt, Return: tt + ms(1, 10), Outcome: history.Fail, HTTPStatus: 400,
				Code: "invalid_amount", Before: order.Status, After: order.Status, Body: `{"error":"invalid_amount"}`})
		}
		if k%300 == 0 {
			add(history.Op{Kind: history.Health, Call: tt + time.Millisecond, Return: tt + 2*time.Millisecond, Outcome: history.OK, HTTPStatus: 200})
		}
		in.Orders = append(in.Orders, order)
	}
	history.SortOps(in.History)
	return in
}

func TestGeneratedRunIsClean(t *testing.T) {
	in := genInput(rand.New(rand.NewSource(7)), 20000)
	if len(in.History) < 20000 {
		t.Fatalf("generated %d ops", len(in.History))
	}
	if err := (history.Run{Ops: in.History, Orders: in.Orders}).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, v := range Run(in) {
		if v.Result != Pass {
			t.Errorf("%s: %s: %s", v.Invariant, v.Result, v.Message)
		}
	}
	// And the generator is not a rubber stamp: break one order and the
	// checker finds exactly it.
	for i := range in.Orders {
		if in.Orders[i].Status == history.StatusPaid {
			in.Orders[i].Status = history.StatusFailed
			v := NoLostMoney.Check(in)
			if v.Result != Fail || len(v.Orders) != 1 || v.Orders[0] != in.Orders[i].ID {
				t.Fatalf("broken %s: %+v", in.Orders[i].ID, v)
			}
			break
		}
	}
}

var benchInputs = map[int]*Input{}

// benchInput generates the n-op history once per process: generating a
// million ops takes longer than checking them.
func benchInput(b *testing.B, n int) *Input {
	in, ok := benchInputs[n]
	if !ok {
		in = genInput(rand.New(rand.NewSource(1)), n)
		benchInputs[n] = in
	}
	for _, v := range Run(in) {
		if v.Result != Pass {
			b.Fatalf("%s: %s: %s", v.Invariant, v.Result, v.Message)
		}
	}
	// Collect the generator's garbage now, or the first timed runs pay for
	// marking a freshly built heap of a million ops; then warm the heap up,
	// so that the figures are of a steady state, not of the first touch of
	// fresh pages (costly in a microVM).
	runtime.GC()
	Run(in)
	Run(in)
	return in
}

// BenchmarkRun measures all ten invariants over generated histories; ops/s
// counts history operations checked per second. The 10M run needs about
// 6 GB for its input alone.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("ops=%d", n), func(b *testing.B) {
			in := benchInput(b, n)
			b.ReportAllocs()
			for b.Loop() {
				Run(in)
			}
			b.ReportMetric(float64(len(in.History))*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// BenchmarkParts splits BenchmarkRun into the indexing and each invariant
// over a ready index, to show where the time goes and what grows faster
// than the history.
func BenchmarkParts(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		in := benchInput(b, n)
		b.Run(fmt.Sprintf("ops=%d/index", n), func(b *testing.B) {
			for b.Loop() {
				newIndex(in)
			}
		})
		ix := newIndex(in)
		for _, inv := range All() {
			b.Run(fmt.Sprintf("ops=%d/%s", n, inv.Name()), func(b *testing.B) {
				for b.Loop() {
					switch c := inv.(type) {
					case indexed:
						c.checkIndex(ix)
					case standalone:
						c.checkInput(in)
					}
				}
			})
		}
	}
}

package traffic

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/paychaos/paychaos/harness/browser"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
)

// flowDriver is a SUT in a browser flow: its pay answer is pending with
// what the browser needs; its orders are paid once the browser paid.
type flowDriver struct {
	fakeDriver
	flow sut.Flow
	mu   sync.Mutex
	paid map[string]bool
}

func (d *flowDriver) Flow() sut.Flow { return d.flow }

func (d *flowDriver) Get(_ context.Context, _ sut.Customer, id string) (sut.Reply, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := history.StatusPending
	if d.paid[id] {
		st = history.StatusPaid
	}
	return sut.Reply{HTTPStatus: 200, Order: history.Order{ID: id, Status: st}}, nil
}

// fakeBrowser pays with pm_card_visa, declines the rest, and loses the
// answer of pm_card_lost.
type fakeBrowser struct {
	d     *flowDriver
	mu    sync.Mutex
	steps []string
}

func (b *fakeBrowser) step(order, card string) (browser.Answer, error) {
	b.mu.Lock()
	b.steps = append(b.steps, card)
	b.mu.Unlock()
	switch card {
	case "pm_card_visa":
		b.d.mu.Lock()
		b.d.paid[order] = true
		b.d.mu.Unlock()
		return browser.Answer{HTTPStatus: 200, Status: "succeeded"}, nil
	case "pm_card_lost":
		return browser.Answer{}, errors.New("connection reset")
	}
	return browser.Answer{HTTPStatus: 402, Status: "requires_payment_method", Code: "card_declined"}, nil
}

func (b *fakeBrowser) Confirm(_ context.Context, secret, pm string) (browser.Answer, error) {
	return b.step(secret, pm)
}
func (b *fakeBrowser) Checkout(_ context.Context, page, card string) (browser.Answer, error) {
	return b.step(page, card)
}
func (b *fakeBrowser) Abandon(context.Context, string) (browser.Answer, error) {
	b.mu.Lock()
	b.steps = append(b.steps, "abandon")
	b.mu.Unlock()
	return browser.Answer{HTTPStatus: 200, Status: "open"}, nil
}

// In the browser flows the SUT is sent no card, the browser's step is an
// op of its own with a three-valued outcome, and a paid order's follow-ups
// run once the customer sees it paid.
func TestBrowserFlowCheckouts(t *testing.T) {
	for _, flow := range []sut.Flow{sut.FlowClientConfirm, sut.FlowCheckoutSession} {
		d := &flowDriver{flow: flow, paid: map[string]bool{}}
		d.answer = func(r sut.PayRequest) (sut.Reply, error) {
			if r.PaymentMethod != "" {
				t.Errorf("%s: the SUT was sent the card %s", flow, r.PaymentMethod)
			}
			id := "o-" + r.Key
			// The fake browser reads the order from the secret or page.
			return sut.Reply{HTTPStatus: 202, Order: history.Order{ID: id, Status: history.StatusPending}, ClientSecret: id, CheckoutURL: id}, nil
		}
		b := &fakeBrowser{d: d}
		rec := history.NewRecorder()
		p := Profile{Name: "t", Rate: 1000, Clients: 4, Max: 24, MinAmount: 100, MaxAmount: 100, Currency: "usd", Abandon: 0.25,
			Methods: []Method{{ID: "pm_card_visa", Weight: 2}, {ID: "pm_card_chargeDeclined", Weight: 1}, {ID: "pm_card_lost", Weight: 1}}}
		r := &Runner{Driver: d, Recorder: rec, Customers: []sut.Customer{{ID: "a"}}, Rand: rand.New(rand.NewPCG(1, 2)), Browser: b}
		if _, err := r.Run(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		step := map[sut.Flow]history.Kind{sut.FlowClientConfirm: history.Confirm, sut.FlowCheckoutSession: history.CheckoutPage}[flow]
		outcomes := map[string]history.Outcome{}
		for _, op := range rec.Ops() {
			if op.Kind == step {
				outcomes[op.Name+"/"+op.PaymentMethod] = op.Outcome
			}
			if op.Kind == history.Pay && op.PaymentMethod == "" {
				t.Errorf("%s: the pay op does not record the customer's card", flow)
			}
		}
		want := map[string]history.Outcome{"confirm/pm_card_visa": history.OK, "confirm/pm_card_chargeDeclined": history.Fail, "confirm/pm_card_lost": history.Unknown}
		if flow == sut.FlowCheckoutSession {
			want = map[string]history.Outcome{"pay/pm_card_visa": history.OK, "pay/pm_card_chargeDeclined": history.Fail, "pay/pm_card_lost": history.Unknown}
			abandoned := 0
			for k, o := range outcomes {
				if strings.HasPrefix(k, "abandon/") {
					abandoned++
					if o != history.OK {
						t.Errorf("%s: %s = %q, want ok: the customer left as planned", flow, k, o)
					}
				}
			}
			if abandoned == 0 {
				t.Errorf("%s: nobody abandoned at a share of 1/4", flow)
			}
		}
		for k, o := range want {
			if outcomes[k] != o {
				t.Errorf("%s: %s = %q, want %q (all: %v)", flow, k, outcomes[k], o, outcomes)
			}
		}
	}
}

// A server-confirm SUT gets the card, and no browser step runs.
func TestServerFlowHasNoBrowserStep(t *testing.T) {
	d := &fakeDriver{answer: paid}
	rec := history.NewRecorder()
	b := &fakeBrowser{d: &flowDriver{paid: map[string]bool{}}}
	r := &Runner{Driver: d, Recorder: rec, Customers: []sut.Customer{{ID: "a"}}, Rand: rand.New(rand.NewPCG(1, 2)), Browser: b}
	p := Steady
	p.Rate, p.Max = 1000, 10
	if _, err := r.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if len(b.steps) != 0 {
		t.Fatalf("browser steps in the server flow: %v", b.steps)
	}
	for _, req := range d.reqs {
		if req.PaymentMethod == "" {
			t.Fatal("the server flow's SUT was sent no card")
		}
	}
}

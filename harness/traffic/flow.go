package traffic

import (
	"context"
	"fmt"
	"time"

	"github.com/paychaos/paychaos/harness/browser"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
)

// Browser is the customer's browser in the flows that have one
// (*browser.Browser): its calls go to the provider, not to the SUT.
type Browser interface {
	Confirm(ctx context.Context, clientSecret, paymentMethod string) (browser.Answer, error)
	Checkout(ctx context.Context, page, card string) (browser.Answer, error)
	Abandon(ctx context.Context, page string) (browser.Answer, error)
}

var _ Browser = (*browser.Browser)(nil)

// DefaultAbandon is the share of Checkout Session customers who leave the
// hosted page without paying when a profile does not say.
const DefaultAbandon = 0.1

// Order reads after a browser step: the customer's return page polls the
// order until the SUT has heard from the provider, for a bounded time.
const (
	returnPolls    = 10
	returnInterval = 200 * time.Millisecond
)

// abandons draws whether this checkout's customer abandons the hosted
// page. It draws only in the checkout_session flow, so the other flows'
// sequences of choices stay what they were.
func (r *Runner) abandons(p Profile) bool {
	if r.flow() != sut.FlowCheckoutSession {
		return false
	}
	share := p.Abandon
	if share == 0 {
		share = DefaultAbandon
	}
	return share > 0 && r.Rand.Float64() < share
}

func (r *Runner) flow() sut.Flow { return sut.FlowOf(r.Driver) }

// checkout is one customer's checkout in the SUT's flow. In the flows
// with a browser step the card is the customer's to type at the
// provider: the SUT never sees it; the pay op records the card the
// customer chose. It returns the op that says whether the
// order ended paid, for the follow-ups.
func (r *Runner) checkout(ctx context.Context, client int, req sut.PayRequest, abandon bool) history.Op {
	flow := r.flow()
	if !flow.Browser() {
		return Checkout(ctx, r.Driver, r.Recorder, client, req)
	}
	card := req.PaymentMethod
	req.PaymentMethod = ""
	op, reply := checkout(ctx, r.Driver, r.Recorder, client, req, card, 0)
	if r.Browser == nil || op.Order == "" || op.Outcome == history.Fail {
		return op
	}
	var (
		step history.Op
		seen browser.Answer
	)
	switch flow {
	case sut.FlowClientConfirm:
		if reply.ClientSecret == "" {
			return op
		}
		step, seen = r.browserStep(ctx, history.Confirm, "confirm", client, op, func(ctx context.Context) (browser.Answer, error) {
			return r.Browser.Confirm(ctx, reply.ClientSecret, card)
		})
	case sut.FlowCheckoutSession:
		page := reply.CheckoutURL
		if page == "" {
			page = reply.Order.CheckoutSession
		}
		if page == "" {
			return op
		}
		if abandon {
			r.browserStep(ctx, history.CheckoutPage, "abandon", client, op, func(ctx context.Context) (browser.Answer, error) {
				return r.Browser.Abandon(ctx, page)
			})
			return op
		}
		step, seen = r.browserStep(ctx, history.CheckoutPage, "pay", client, op, func(ctx context.Context) (browser.Answer, error) {
			return r.Browser.Checkout(ctx, page, card)
		})
	}
	if step.Outcome == history.Fail || seen.Status == "requires_action" {
		return op // declined, or waiting on a 3-D Secure step the customer never takes
	}
	return r.awaitOrder(ctx, client, req.Customer, op)
}

// browserStep runs and records one step of the customer's browser, an
// operation of its own: ok when the provider took the payment (or the
// customer left the page as planned), fail when it provably did not,
// unknown when its answer was lost.
func (r *Runner) browserStep(ctx context.Context, kind history.Kind, name string, client int, pay history.Op, do func(context.Context) (browser.Answer, error)) (history.Op, browser.Answer) {
	op := history.Op{
		Client: client, Kind: kind, Name: name, Order: pay.Order, Customer: pay.Customer, Key: pay.Key,
		Amount: pay.Amount, Currency: pay.Currency, PaymentMethod: pay.PaymentMethod,
	}
	op.Call = r.Recorder.Now()
	token := r.Recorder.Begin(op)
	a, err := do(ctx)
	op.Return = r.Recorder.Now()
	classifyBrowser(&op, a, err)
	op.ID = r.Recorder.End(token, op)
	return op, a
}

func classifyBrowser(op *history.Op, a browser.Answer, err error) {
	op.HTTPStatus, op.Code, op.Body = a.HTTPStatus, a.Code, a.Body
	switch {
	case err != nil:
		op.Outcome, op.Error = history.Unknown, err.Error()
		return
	case op.Name == "abandon" && a.HTTPStatus == 200:
		op.Outcome = history.OK
	case op.Name == "abandon":
		op.Outcome = history.Fail
	case a.Done():
		op.Outcome = history.OK
	case a.Failed():
		op.Outcome = history.Fail
	default:
		op.Outcome = history.Unknown // requires_action: the customer never completes 3-D Secure
	}
	if op.Outcome != history.OK {
		op.Error = fmt.Sprintf("HTTP %d %s %s", a.HTTPStatus, a.Status, a.Code)
	}
}

// awaitOrder reads the order as the customer's return page does, until
// it is no longer pending or the polls run out; it returns the last read.
func (r *Runner) awaitOrder(ctx context.Context, client int, c sut.Customer, pay history.Op) history.Op {
	last := pay
	for i := 0; i < returnPolls; i++ {
		if i > 0 {
			t := time.NewTimer(returnInterval)
			select {
			case <-ctx.Done():
				t.Stop()
				return last
			case <-t.C:
			}
		}
		op := history.Op{Client: client, Kind: history.Get, Order: pay.Order, Customer: c.ID}
		op.Call = r.Recorder.Now()
		token := r.Recorder.Begin(op)
		reply, err := r.Driver.Get(ctx, c, pay.Order)
		op.Return = r.Recorder.Now()
		Classify(&op, reply, err)
		op.ID = r.Recorder.End(token, op)
		if op.Outcome == history.OK && op.Status != history.StatusPending && op.Status != history.StatusNone {
			paid := pay
			paid.Outcome, paid.Status = history.OK, op.Status
			if op.Status != history.StatusPaid {
				paid.Outcome = history.Fail
			}
			return paid
		}
	}
	return last
}

package traffic

import (
	"context"
	"fmt"
	"time"

	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/load"
	"github.com/paychaos/paychaos/harness/sut"
)

// Rush is Black-Friday traffic, open loop: 200 checkouts/s spiking to
// 1000/s for five seconds from the tenth, at most 256 in flight. A
// scenario sets the spike over its fault.
var Rush = Profile{
	Name: "rush", Rate: 200, Clients: 256, Max: 200_000,
	MinAmount: 500, MaxAmount: 25000, Currency: "usd",
	Methods:  []Method{{ID: "pm_card_visa", Weight: 19}, {ID: "pm_card_chargeDeclined", Weight: 1}},
	Arrivals: load.Shape{Kind: load.Spike, Rate: 200, Peak: 1000, At: 10 * time.Second, For: 5 * time.Second},
}

// runOpen sends the profile's checkouts on its arrival schedule (see
// load.Generator), each recorded with the time it was due, so that its
// latency counts from when the customer arrived, not from when the harness
// got round to sending it.
func (r *Runner) runOpen(ctx context.Context, p Profile) (int, error) {
	g := load.Generator{Shape: p.Arrivals, InFlight: p.Clients, Max: p.Max, Now: r.Recorder.Now}
	return g.Run(ctx, func(n int, due time.Duration) func(context.Context) {
		// Every choice is made here, in arrival order, from the seeded source.
		req := sut.PayRequest{
			Customer:      r.Customers[r.Rand.IntN(len(r.Customers))],
			Amount:        p.MinAmount + r.Rand.Int64N(p.MaxAmount-p.MinAmount+1),
			Currency:      p.Currency,
			PaymentMethod: pick(r.Rand, p.Methods),
			Key:           fmt.Sprintf("%sck-%d", r.Prefix, n),
		}
		var next customer // open loop: a checkout and its follow-up, no retries
		if x := r.Rand.Float64(); x < p.CancelRate {
			next.cancel = true
		} else if x < p.CancelRate+p.RefundRate {
			next.refund = 1 + r.Rand.Int64N(req.Amount)
		}
		client := n % p.Clients
		return func(ctx context.Context) {
			op := dueCheckout(ctx, r.Driver, r.Recorder, client, req, max(due, 1))
			if op.Outcome == history.OK && op.Order != "" {
				next.followUp(ctx, r, client, req.Customer, op)
			}
		}
	})
}

// validateArrivals reports an open-loop schedule that cannot run.
func (p Profile) validateArrivals() error {
	if p.Arrivals.Kind == "" {
		return nil
	}
	if p.DoubleSubmit > 0 {
		return fmt.Errorf("traffic %s: an open-loop profile does not double-submit: each arrival is one checkout", p.Name)
	}
	if err := p.Arrivals.Validate(); err != nil {
		return fmt.Errorf("traffic %s: %w", p.Name, err)
	}
	return nil
}

// dueCheckout is Checkout for an arrival that was due at due (zero for
// closed-loop traffic).
func dueCheckout(ctx context.Context, d sut.Driver, rec *history.Recorder, client int, req sut.PayRequest, due time.Duration) history.Op {
	op, _ := checkout(ctx, d, rec, client, req, req.PaymentMethod, due)
	return op
}

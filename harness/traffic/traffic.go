// Package traffic drives customers' checkouts through the SUT while faults
// come and go, recording every operation and what the customer was told.
// Profiles are plain values with named presets; a seeded *rand.Rand makes
// every choice, so a run's sequence of requests is reproducible.
package traffic

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/load"
	"github.com/paychaos/paychaos/harness/sut"
)

// Method is a provider test payment method with its weight in the mix.
type Method struct {
	ID     string
	Weight int
}

// Profile is a workload. Every bound is finite: a run stops by itself.
type Profile struct {
	Name string
	// Rate is checkouts started per second across all clients.
	Rate float64
	// Clients bounds the checkouts in flight at once.
	Clients int
	// Max bounds the checkouts of one run.
	Max int
	// MinAmount and MaxAmount bound order amounts, in minor units.
	MinAmount, MaxAmount int64
	Currency             string
	Methods              []Method
	// DoubleSubmit is the probability that a checkout is sent twice at
	// once with the same idempotency key (a double click).
	DoubleSubmit float64
	// CancelRate and RefundRate are the probabilities that a paid order is
	// then cancelled, or partly refunded, by its customer.
	CancelRate, RefundRate float64
	// Arrivals, when set, makes the profile open loop (openloop.go):
	// checkouts arrive on this schedule whether or not the SUT keeps up,
	// and Clients caps those in flight; Rate is then only its base rate.
	Arrivals load.Shape
}

// Steady is a modest constant stream of successful card payments with a
// few declines.
var Steady = Profile{
	Name: "steady", Rate: 25, Clients: 8, Max: 2000,
	MinAmount: 500, MaxAmount: 25000, Currency: "usd",
	Methods: []Method{{ID: "pm_card_visa", Weight: 9}, {ID: "pm_card_chargeDeclined", Weight: 1}},
}

// Burst sends many checkouts at once.
var Burst = Profile{
	Name: "burst", Rate: 100, Clients: 32, Max: 2000,
	MinAmount: 500, MaxAmount: 25000, Currency: "usd",
	Methods: []Method{{ID: "pm_card_visa", Weight: 1}},
}

// DoubleSubmit sends every checkout twice at once with the same key.
var DoubleSubmit = Profile{
	Name: "double-submit", Rate: 10, Clients: 8, Max: 500,
	MinAmount: 500, MaxAmount: 25000, Currency: "usd",
	Methods:      []Method{{ID: "pm_card_visa", Weight: 1}},
	DoubleSubmit: 1,
}

// Mixed is steady checkouts of which some are then cancelled or partly
// refunded: the traffic that refund-safety and webhook ordering need.
var Mixed = Profile{
	Name: "mixed", Rate: 25, Clients: 8, Max: 2000,
	MinAmount: 500, MaxAmount: 25000, Currency: "usd",
	Methods:    []Method{{ID: "pm_card_visa", Weight: 9}, {ID: "pm_card_chargeDeclined", Weight: 1}},
	CancelRate: 0.2, RefundRate: 0.2,
}

// Cards pays with every kind of test card: successes, declines of each
// reason, 3-D Secure that the customer never completes, and payments that
// stay processing and settle, or fail, later.
var Cards = Profile{
	Name: "cards", Rate: 25, Clients: 8, Max: 2000,
	MinAmount: 500, MaxAmount: 25000, Currency: "usd",
	Methods: []Method{
		{ID: "pm_card_visa", Weight: 4}, {ID: "pm_card_mastercard", Weight: 2},
		{ID: "pm_card_chargeDeclinedInsufficientFunds", Weight: 1}, {ID: "pm_card_chargeDeclinedExpiredCard", Weight: 1},
		{ID: "pm_card_authenticationRequired", Weight: 1},
		{ID: "pm_card_processing", Weight: 1}, {ID: "pm_card_processingDeclined", Weight: 1},
	},
}

// Validate reports a profile that cannot run.
func (p Profile) Validate() error {
	switch {
	case p.Rate <= 0:
		return fmt.Errorf("traffic %s: rate must be positive", p.Name)
	case p.Clients <= 0:
		return fmt.Errorf("traffic %s: clients must be positive", p.Name)
	case p.Max <= 0:
		return fmt.Errorf("traffic %s: max must be positive", p.Name)
	case p.MinAmount <= 0 || p.MaxAmount < p.MinAmount:
		return fmt.Errorf("traffic %s: amounts must satisfy 0 < min <= max", p.Name)
	case len(p.Methods) == 0:
		return fmt.Errorf("traffic %s: no payment methods", p.Name)
	case p.CancelRate < 0 || p.RefundRate < 0 || p.CancelRate+p.RefundRate > 1:
		return fmt.Errorf("traffic %s: cancel and refund rates must be probabilities that sum to at most 1", p.Name)
	}
	return p.validateArrivals()
}

// Runner drives one profile against a SUT.
type Runner struct {
	Driver    sut.Driver
	Recorder  *history.Recorder
	Customers []sut.Customer
	Rand      *rand.Rand
	// Prefix makes idempotency keys unique across runs against one SUT.
	Prefix string
}

// Run starts checkouts at the profile's rate until ctx is done or Max is
// reached, then waits for those in flight. It returns how many it started.
func (r *Runner) Run(ctx context.Context, p Profile) (int, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	if len(r.Customers) == 0 {
		return 0, fmt.Errorf("traffic %s: no customers", p.Name)
	}
	if p.Arrivals.Kind != "" {
		return r.runOpen(ctx, p)
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / p.Rate))
	defer tick.Stop()
	slots := make(chan struct{}, p.Clients)
	var wg sync.WaitGroup
	defer wg.Wait()
	total := 0
	for n := 0; n < p.Max; n++ {
		select {
		case <-ctx.Done():
			return total, nil
		case <-tick.C:
		}
		// Every choice is made here, in order, from the seeded source.
		req := sut.PayRequest{
			Customer:      r.Customers[r.Rand.IntN(len(r.Customers))],
			Amount:        p.MinAmount + r.Rand.Int64N(p.MaxAmount-p.MinAmount+1),
			Currency:      p.Currency,
			PaymentMethod: pick(r.Rand, p.Methods),
			Key:           fmt.Sprintf("%sck-%d", r.Prefix, n),
		}
		copies := 1
		if p.DoubleSubmit > 0 && r.Rand.Float64() < p.DoubleSubmit {
			copies = 2
		}
		var next followUp
		if x := r.Rand.Float64(); x < p.CancelRate {
			next.cancel = true
		} else if x < p.CancelRate+p.RefundRate {
			next.refund = 1 + r.Rand.Int64N(req.Amount) // partial or full
		}
		for c := 0; c < copies; c++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return total, nil
			}
			total++
			wg.Add(1)
			go func(client int) {
				defer func() { <-slots; wg.Done() }()
				// In-flight work finishes even when the run stops: its outcome
				// is part of the history.
				c := context.WithoutCancel(ctx)
				op := Checkout(c, r.Driver, r.Recorder, client, req)
				if op.Outcome == history.OK && op.Order != "" {
					next.run(c, r, client, req.Customer, op)
				}
			}(n % p.Clients)
		}
	}
	return total, nil
}

func pick(rng *rand.Rand, ms []Method) string {
	sum := 0
	for _, m := range ms {
		sum += m.Weight
	}
	x := rng.IntN(sum)
	for _, m := range ms {
		if x < m.Weight {
			return m.ID
		}
		x -= m.Weight
	}
	return ms[len(ms)-1].ID
}

// followUp is what a customer does after a paid checkout, drawn when the
// checkout is, so that the sequence of choices follows the seed.
type followUp struct {
	cancel bool
	refund int64
}

func (f followUp) run(ctx context.Context, r *Runner, client int, c sut.Customer, paid history.Op) {
	op := history.Op{Client: client, Customer: c.ID, Order: paid.Order, Currency: paid.Currency}
	var reply sut.Reply
	var err error
	switch {
	case f.cancel:
		cn, ok := r.Driver.(sut.Canceler)
		if !ok {
			return
		}
		op.Kind, op.Amount = history.Cancel, paid.Amount
		op.Call = r.Recorder.Now()
		token := r.Recorder.Begin(op)
		defer func() { op.ID = r.Recorder.End(token, op) }()
		reply, err = cn.Cancel(ctx, c, paid.Order)
	case f.refund > 0:
		rf, ok := r.Driver.(sut.Refunder)
		if !ok {
			return
		}
		op.Kind, op.Amount = history.Refund, min(f.refund, paid.Amount)
		op.Call = r.Recorder.Now()
		token := r.Recorder.Begin(op)
		defer func() { op.ID = r.Recorder.End(token, op) }()
		reply, err = rf.Refund(ctx, c, paid.Order, op.Amount)
	default:
		return
	}
	op.Return = r.Recorder.Now()
	Classify(&op, reply, err)
}

// Checkout pays one order and records what the customer was told.
func Checkout(ctx context.Context, d sut.Driver, rec *history.Recorder, client int, req sut.PayRequest) history.Op {
	return dueCheckout(ctx, d, rec, client, req, 0)
}

// Classify sets an operation's outcome from the SUT's answer. A transport
// error or a 5xx without a verdict may have taken effect: unknown. For a
// checkout the order's status decides (a pending order is unknown until
// reconciled); for a refund or a cancellation the HTTP status does, 202
// meaning accepted but not done.
func Classify(op *history.Op, reply sut.Reply, err error) {
	if err != nil {
		op.Outcome, op.Error = history.Unknown, err.Error()
		return
	}
	op.HTTPStatus, op.Code, op.Body = reply.HTTPStatus, reply.Code, reply.Body
	if reply.Order.ID != "" {
		op.Order = reply.Order.ID
	}
	op.Status = reply.Order.Status
	byHTTP := func() history.Outcome {
		switch {
		case reply.HTTPStatus == 202:
			return history.Unknown
		case reply.HTTPStatus >= 200 && reply.HTTPStatus < 300:
			return history.OK
		case reply.HTTPStatus >= 400 && reply.HTTPStatus < 500:
			return history.Fail
		}
		return history.Unknown
	}
	switch {
	case op.Kind != history.Pay:
		op.Outcome = byHTTP()
	case reply.Order.Status == history.StatusPaid:
		op.Outcome = history.OK
	case reply.Order.Status == history.StatusFailed:
		op.Outcome = history.Fail
	case reply.Order.Status != history.StatusNone:
		op.Outcome = history.Unknown // pending, or already cancelled: not a clear payment
	default:
		op.Outcome = byHTTP()
	}
	if op.Outcome != history.OK && op.Error == "" {
		op.Error = fmt.Sprintf("HTTP %d %s", reply.HTTPStatus, reply.Code)
	}
}

// Package traffic drives customers' checkouts through the SUT while faults
// come and go, recording every operation and what the customer was told.
// Profiles are plain values with named presets; a seeded *rand.Rand makes
// every choice, so a run's sequence of requests is reproducible.
package traffic

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
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
	// Currencies are mixed across checkouts, each amount made valid for
	// its currency's decimals; nil means DefaultCurrencies. Only those the
	// target declares (a driver with a Currencies method) are used; with
	// none declared, Currency alone.
	Currencies []string
	// Retries is how many times a customer sends a checkout again, with
	// the same Idempotency-Key, after an error or a timeout (no answer, a
	// 5xx, a 429): as Stripe's clients and careful frontends do. Zero
	// means DefaultRetries, a negative value none.
	Retries int
	// RetryNewKey is the probability that a customer whose checkout failed
	// for certain (a decline, a refusal) tries once more as a new checkout,
	// with a new key.
	RetryNewKey float64
	// ReadRate and ListRate are the probabilities that a customer then
	// reads the order back, and lists their orders.
	ReadRate, ListRate float64
	// Abandon is the share of customers who leave the hosted Checkout
	// page without paying (flow checkout_session); 0 means DefaultAbandon,
	// negative none.
	Abandon float64
	// Arrivals, when set, makes the profile open loop (openloop.go):
	// checkouts arrive on this schedule whether or not the SUT keeps up,
	// and Clients caps those in flight; Rate is then only its base rate.
	Arrivals load.Shape
}

// DefaultCurrencies mix dollars, euros and pounds with a zero-decimal
// currency (yen) and a three-decimal one (Kuwaiti dinar): the integrations
// that assume two decimals get them wrong.
var DefaultCurrencies = []string{"usd", "eur", "gbp", "jpy", "kwd"}

// DefaultRetries is Profile.Retries when unset.
const DefaultRetries = 4

// threeDecimal are the currencies with three decimals, as Stripe lists
// them; zero-decimal ones (jpy) need nothing: an amount is whole units.
var threeDecimal = map[string]bool{"bhd": true, "jod": true, "kwd": true, "omr": true, "tnd": true}

// ValidAmount is amount made valid for currency: Stripe takes amounts in
// three-decimal currencies only in multiples of ten (the last digit zero).
// Zero-decimal amounts are whole units already.
func ValidAmount(currency string, amount int64) int64 {
	if threeDecimal[currency] {
		return max(amount-amount%10, 10)
	}
	return amount
}

// Steady is a modest constant stream of successful card payments with a
// few declines.
var Steady = Profile{
	Name: "steady", Rate: 25, Clients: 8, Max: 2000,
	MinAmount: 500, MaxAmount: 25000, Currency: "usd",
	Methods:     []Method{{ID: "pm_card_visa", Weight: 9}, {ID: "pm_card_chargeDeclined", Weight: 1}},
	RetryNewKey: 0.5, ReadRate: 0.2, ListRate: 0.05,
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
	RetryNewKey: 0.5, ReadRate: 0.2, ListRate: 0.05,
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
	RetryNewKey: 0.5, ReadRate: 0.2, ListRate: 0.05,
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
	case !probability(p.RetryNewKey) || !probability(p.ReadRate) || !probability(p.ListRate):
		return fmt.Errorf("traffic %s: retry, read and list rates must be probabilities", p.Name)
	}
	for _, c := range p.Currencies {
		if len(c) != 3 || strings.ToLower(c) != c {
			return fmt.Errorf("traffic %s: currency %q: want a lowercase three-letter ISO code", p.Name, c)
		}
	}
	return p.validateArrivals()
}

func probability(x float64) bool { return x >= 0 && x <= 1 }

// currencies are the currencies this run mixes: the profile's that the
// target declares, else the first it declares; Currency when it declares
// none.
func (r *Runner) currencies(p Profile) []string {
	d, ok := r.Driver.(interface{ Currencies() []string })
	if !ok || len(d.Currencies()) == 0 {
		return []string{cmp.Or(p.Currency, "usd")}
	}
	declared := d.Currencies()
	want := p.Currencies
	if len(want) == 0 {
		want = DefaultCurrencies
	}
	var out []string
	for _, c := range want {
		if slices.Contains(declared, c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		out = declared[:1]
	}
	return out
}

// Runner drives one profile against a SUT.
type Runner struct {
	Driver    sut.Driver
	Recorder  *history.Recorder
	Customers []sut.Customer
	Rand      *rand.Rand
	// Prefix makes idempotency keys unique across runs against one SUT.
	Prefix string

	owners sync.Map // order id -> the customer whose checkout created it
	// Browser is the customers' browser, for a Driver whose flow has a
	// browser step (sut.FlowOf); nil leaves every checkout at the SUT's
	// answer.
	Browser Browser
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
	curs := r.currencies(p)
	retries := p.Retries
	if retries == 0 {
		retries = DefaultRetries
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
		cur := curs[r.Rand.IntN(len(curs))]
		req := sut.PayRequest{
			Customer:      r.Customers[r.Rand.IntN(len(r.Customers))],
			Amount:        ValidAmount(cur, p.MinAmount+r.Rand.Int64N(p.MaxAmount-p.MinAmount+1)),
			Currency:      cur,
			PaymentMethod: pick(r.Rand, p.Methods),
			Key:           fmt.Sprintf("%sck-%d", r.Prefix, n),
		}
		copies := 1
		if p.DoubleSubmit > 0 && r.Rand.Float64() < p.DoubleSubmit {
			copies = 2
		}
		abandon := r.abandons(p)
		c := customer{retries: max(retries, 0), abandon: abandon}
		if x := r.Rand.Float64(); x < p.CancelRate {
			c.cancel = true
		} else if x < p.CancelRate+p.RefundRate {
			c.refund = ValidAmount(cur, 1+r.Rand.Int64N(req.Amount)) // partial or full
		}
		c.newKey = r.Rand.Float64() < p.RetryNewKey
		c.read = r.Rand.Float64() < p.ReadRate
		c.list = r.Rand.Float64() < p.ListRate
		for k := 0; k < copies; k++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return total, nil
			}
			total++
			wg.Add(1)
			go func(client int) {
				defer func() { <-slots; wg.Done() }()
				c.run(ctx, r, client, req)
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

// customer is what one customer does around a checkout, drawn when the
// checkout is, so that the sequence of choices follows the seed.
type customer struct {
	retries    int   // same-key retries after an error or a timeout
	newKey     bool  // after a certain failure, one more checkout with a new key
	read, list bool  // read the order back; list their orders
	cancel     bool  // then cancel the paid order
	refund     int64 // or refund this much of it
	abandon    bool  // leave the hosted Checkout page without paying
}

// retryBackoff is the first wait before a same-key retry; it doubles up
// to maxBackoff, so that retries outlast a short outage as real clients'
// do.
const (
	retryBackoff = 250 * time.Millisecond
	maxBackoff   = 1500 * time.Millisecond
)

// run plays the customer. In-flight work finishes even when the run stops
// (its outcome is part of the history); no new request starts after.
func (cu customer) run(ctx context.Context, r *Runner, client int, req sut.PayRequest) {
	c := context.WithoutCancel(ctx)
	op := r.checkout(c, client, req, cu.abandon)
	wait := retryBackoff
	for try := 0; try < cu.retries && retryable(op); try++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, maxBackoff)
		op = r.checkout(c, client, req, cu.abandon)
	}
	if op.Outcome == history.Fail && op.HTTPStatus != http.StatusConflict && cu.newKey && ctx.Err() == nil {
		again := req
		again.Key += "-again"
		op = r.checkout(c, client, again, cu.abandon)
	}
	if op.Order == "" || ctx.Err() != nil {
		return
	}
	r.owners.Store(op.Order, req.Customer.ID)
	if cu.read {
		r.read(c, client, req.Customer, op.Order)
	}
	if cu.list {
		r.listOrders(c, client, req.Customer)
	}
	if op.Outcome == history.OK {
		cu.followUp(c, r, client, req.Customer, op)
	}
}

// retryable reports whether a customer sends a checkout again with the
// same key: it got no answer, or an error that names no order state (a
// 5xx, a 429). A pending order is an answer: the customer reads it later.
func retryable(op history.Op) bool {
	if op.Outcome != history.Unknown || op.Status != history.StatusNone {
		return false
	}
	return op.HTTPStatus == 0 || op.HTTPStatus >= 500 || op.HTTPStatus == http.StatusTooManyRequests
}

// read gets one order back and records what the customer was told.
func (r *Runner) read(ctx context.Context, client int, c sut.Customer, id string) {
	op := history.Op{Client: client, Kind: history.Get, Customer: c.ID, Order: id}
	op.Call = r.Recorder.Now()
	token := r.Recorder.Begin(op)
	reply, err := r.Driver.Get(ctx, c, id)
	op.Return = r.Recorder.Now()
	Classify(&op, reply, err)
	r.Recorder.End(token, op)
}

// listOrders lists a customer's orders when the driver can: the list call
// is one op, and every order in it that belongs to another customer is
// recorded as a read of that order, the evidence of a leak.
func (r *Runner) listOrders(ctx context.Context, client int, c sut.Customer) {
	l, ok := r.Driver.(sut.Lister)
	if !ok {
		return
	}
	op := history.Op{Client: client, Kind: history.Get, Name: ListName, Customer: c.ID}
	op.Call = r.Recorder.Now()
	token := r.Recorder.Begin(op)
	orders, err := l.Orders(ctx, c)
	op.Return = r.Recorder.Now()
	if err != nil {
		op.Outcome, op.Error = history.Unknown, err.Error()
		r.Recorder.End(token, op)
		return
	}
	op.Outcome, op.HTTPStatus = history.OK, http.StatusOK
	r.Recorder.End(token, op)
	for _, o := range orders {
		owner := o.Customer
		if v, ok := r.owners.Load(o.ID); ok && (owner == "" || owner == c.ID) {
			owner = v.(string)
		}
		if owner != "" && owner != c.ID {
			r.Recorder.Add(Sighting(op, o))
		}
	}
}

// ListName names the ops that record a list call and the orders it
// answered with.
const ListName = "list"

// Sighting is the record of order o seen in the answer of list op: a read
// of o by list's customer, for the ownership check.
func Sighting(list history.Op, o history.Order) history.Op {
	return history.Op{Client: list.Client, Kind: history.Get, Name: ListName, Customer: list.Customer, Order: o.ID,
		Call: list.Call, Return: list.Return, Outcome: history.OK, Status: o.Status, HTTPStatus: http.StatusOK}
}

func (cu customer) followUp(ctx context.Context, r *Runner, client int, c sut.Customer, paid history.Op) {
	op := history.Op{Client: client, Customer: c.ID, Order: paid.Order, Currency: paid.Currency}
	var reply sut.Reply
	var err error
	switch {
	case cu.cancel:
		cn, ok := r.Driver.(sut.Canceler)
		if !ok {
			return
		}
		op.Kind, op.Amount = history.Cancel, paid.Amount
		op.Call = r.Recorder.Now()
		token := r.Recorder.Begin(op)
		defer func() { op.ID = r.Recorder.End(token, op) }()
		reply, err = cn.Cancel(ctx, c, paid.Order)
	case cu.refund > 0:
		rf, ok := r.Driver.(sut.Refunder)
		if !ok {
			return
		}
		op.Kind, op.Amount = history.Refund, min(cu.refund, paid.Amount)
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
	op, _ := checkout(ctx, d, rec, client, req, req.PaymentMethod, 0)
	return op
}

// checkout is Checkout recording card as the customer's payment method
// (in the browser flows the SUT is sent none) and due as the moment an
// open-loop arrival was due (zero in closed loop), and returning the
// answer.
func checkout(ctx context.Context, d sut.Driver, rec *history.Recorder, client int, req sut.PayRequest, card string, due time.Duration) (history.Op, sut.Reply) {
	op := history.Op{
		Client: client, Kind: history.Pay, Customer: req.Customer.ID, Key: req.Key,
		Amount: req.Amount, Currency: req.Currency, PaymentMethod: card, Due: due,
	}
	op.Call = rec.Now()
	token := rec.Begin(op)
	reply, err := d.Pay(ctx, req)
	op.Return = rec.Now()
	Classify(&op, reply, err)
	op.ID = rec.End(token, op)
	return op, reply
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
	if !op.Status.Valid() {
		// A status word the target does not map: evidence, not a state.
		op.Error = fmt.Sprintf("status %q is not a word the target maps", op.Status)
		op.Status, reply.Order.Status = history.StatusNone, history.StatusNone
	}
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

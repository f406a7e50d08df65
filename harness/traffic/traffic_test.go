package traffic

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
)

type fakeDriver struct {
	mu   sync.Mutex
	reqs []sut.PayRequest
	// answer decides the reply to each checkout.
	answer func(sut.PayRequest) (sut.Reply, error)
}

func (f *fakeDriver) Pay(_ context.Context, r sut.PayRequest) (sut.Reply, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.mu.Unlock()
	return f.answer(r)
}

func (f *fakeDriver) Get(context.Context, sut.Customer, string) (sut.Reply, error) {
	return sut.Reply{}, nil
}

func paid(r sut.PayRequest) (sut.Reply, error) {
	return sut.Reply{HTTPStatus: 201, Order: history.Order{ID: "o-" + r.Key, Status: history.StatusPaid}}, nil
}

func run(t *testing.T, seed uint64, p Profile) ([]sut.PayRequest, []history.Op) {
	t.Helper()
	d := &fakeDriver{answer: paid}
	rec := history.NewRecorder()
	r := &Runner{Driver: d, Recorder: rec, Customers: []sut.Customer{{ID: "a"}, {ID: "b"}}, Rand: rand.New(rand.NewPCG(seed, 1))}
	n, err := r.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(d.reqs) {
		t.Fatalf("started %d, driver saw %d", n, len(d.reqs))
	}
	slices.SortFunc(d.reqs, func(a, b sut.PayRequest) int {
		if c := len(a.Key) - len(b.Key); c != 0 {
			return c
		}
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	return d.reqs, rec.Ops()
}

func TestSameSeedSameRequests(t *testing.T) {
	p := Steady
	p.Rate, p.Max = 1000, 40
	a, ops := run(t, 42, p)
	b, _ := run(t, 42, p)
	c, _ := run(t, 43, p)
	pays := 0
	for _, op := range ops {
		if op.Kind == history.Pay {
			pays++
		}
	}
	if len(a) != 40 || pays != 40 {
		t.Fatalf("Max 40 gave %d requests, %d pay ops", len(a), pays)
	}
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave different requests")
	}
	if slices.Equal(a, c) {
		t.Fatal("another seed gave the same requests")
	}
	for _, r := range a {
		if r.Amount < p.MinAmount || r.Amount > p.MaxAmount {
			t.Fatalf("amount %d outside [%d, %d]", r.Amount, p.MinAmount, p.MaxAmount)
		}
	}
}

func TestDoubleSubmitSendsEachKeyTwice(t *testing.T) {
	p := DoubleSubmit
	p.Rate, p.Max = 1000, 10
	reqs, _ := run(t, 1, p)
	count := map[string]int{}
	for _, r := range reqs {
		count[r.Key]++
	}
	if len(count) != 10 {
		t.Fatalf("%d distinct keys, want 10", len(count))
	}
	for k, n := range count {
		if n != 2 {
			t.Fatalf("key %s sent %d times, want 2", k, n)
		}
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	p := Steady
	p.Rate, p.Max = 50, 1_000_000
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	d := &fakeDriver{answer: paid}
	r := &Runner{Driver: d, Recorder: history.NewRecorder(), Customers: []sut.Customer{{ID: "a"}}, Rand: rand.New(rand.NewPCG(1, 1))}
	n, err := r.Run(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// Returning at all shows it stopped: Max alone would take hours. The
	// count is bounded above only; a loaded machine may start none.
	if n > 20 {
		t.Fatalf("ran %d checkouts in 100ms at 50/s", n)
	}
}

type followDriver struct {
	fakeDriver
	mu               sync.Mutex
	cancels, refunds []string
}

func (f *followDriver) Cancel(_ context.Context, _ sut.Customer, id string) (sut.Reply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancels = append(f.cancels, id)
	return sut.Reply{HTTPStatus: 200, Order: history.Order{ID: id, Status: history.StatusCanceled}}, nil
}

func (f *followDriver) Refund(_ context.Context, _ sut.Customer, id string, amount int64) (sut.Reply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refunds = append(f.refunds, id)
	return sut.Reply{HTTPStatus: 200, Order: history.Order{ID: id, Status: history.StatusPaid, Refunded: amount}}, nil
}

func TestMixedCancelsAndRefundsPaidOrders(t *testing.T) {
	d := &followDriver{fakeDriver: fakeDriver{answer: paid}}
	rec := history.NewRecorder()
	p := Mixed
	p.Rate, p.Max = 1000, 200
	r := &Runner{Driver: d, Recorder: rec, Customers: []sut.Customer{{ID: "a"}}, Rand: rand.New(rand.NewPCG(5, 5))}
	if _, err := r.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	// About a fifth each; the bounds are loose, the seed fixes the draw.
	if len(d.cancels) < 20 || len(d.cancels) > 60 || len(d.refunds) < 20 || len(d.refunds) > 60 {
		t.Fatalf("%d cancels and %d refunds of 200 paid orders", len(d.cancels), len(d.refunds))
	}
	kinds := map[history.Kind]int{}
	for _, op := range rec.Ops() {
		kinds[op.Kind]++
		if op.Kind == history.Refund && (op.Amount < 1 || op.Outcome != history.OK) {
			t.Fatalf("refund op %+v", op)
		}
	}
	if kinds[history.Cancel] != len(d.cancels) || kinds[history.Refund] != len(d.refunds) {
		t.Fatalf("recorded %v", kinds)
	}
}

func TestValidateRejectsUnboundedProfiles(t *testing.T) {
	for _, p := range []Profile{{Name: "x"}, {Name: "x", Rate: 1, Clients: 1, Max: 0, MinAmount: 1, MaxAmount: 1, Methods: Steady.Methods}} {
		if err := p.Validate(); err == nil {
			t.Fatalf("%+v validated", p)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		reply sut.Reply
		err   error
		want  history.Outcome
	}{
		{err: errors.New("timeout"), want: history.Unknown},
		{reply: sut.Reply{HTTPStatus: 201, Order: history.Order{Status: history.StatusPaid}}, want: history.OK},
		{reply: sut.Reply{HTTPStatus: 402, Order: history.Order{Status: history.StatusFailed}}, want: history.Fail},
		{reply: sut.Reply{HTTPStatus: 202, Order: history.Order{Status: history.StatusPending}}, want: history.Unknown},
		{reply: sut.Reply{HTTPStatus: 400, Code: "bad_amount"}, want: history.Fail},
		{reply: sut.Reply{HTTPStatus: 503, Code: "provider_unavailable"}, want: history.Unknown},
		{reply: sut.Reply{HTTPStatus: 500}, want: history.Unknown},
	}
	for _, c := range cases {
		op := history.Op{Kind: history.Pay}
		Classify(&op, c.reply, c.err)
		if op.Outcome != c.want {
			t.Errorf("pay %+v %v: outcome %s, want %s", c.reply, c.err, op.Outcome, c.want)
		}
	}
	refunds := []struct {
		reply sut.Reply
		want  history.Outcome
	}{
		{sut.Reply{HTTPStatus: 200, Order: history.Order{Status: history.StatusPaid}}, history.OK},
		{sut.Reply{HTTPStatus: 202, Order: history.Order{Status: history.StatusPaid}}, history.Unknown},
		{sut.Reply{HTTPStatus: 422, Code: "over_refund"}, history.Fail},
		{sut.Reply{HTTPStatus: 503, Code: "provider_unavailable"}, history.Unknown},
	}
	for _, c := range refunds {
		op := history.Op{Kind: history.Refund}
		Classify(&op, c.reply, nil)
		if op.Outcome != c.want {
			t.Errorf("refund %+v: outcome %s, want %s", c.reply, op.Outcome, c.want)
		}
	}
}

func TestPresetsAreValid(t *testing.T) {
	for _, p := range []Profile{Steady, Burst, DoubleSubmit, Mixed, Cards} {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

// currencyDriver declares the currencies its SUT takes.
type currencyDriver struct {
	fakeDriver
	curs []string
}

func (d *currencyDriver) Currencies() []string { return d.curs }

func TestCurrenciesMixWhereTheTargetTakesThem(t *testing.T) {
	p := Steady
	p.Rate, p.Max = 1000, 200
	for _, tc := range []struct {
		declared []string
		want     []string
	}{
		{nil, []string{"usd"}},
		{[]string{"usd", "eur", "gbp", "jpy", "kwd"}, []string{"usd", "eur", "gbp", "jpy", "kwd"}},
		{[]string{"jpy", "chf"}, []string{"jpy"}},
		{[]string{"chf"}, []string{"chf"}},
	} {
		d := &currencyDriver{fakeDriver: fakeDriver{answer: paid}, curs: tc.declared}
		r := &Runner{Driver: d, Recorder: history.NewRecorder(), Customers: []sut.Customer{{ID: "a"}}, Rand: rand.New(rand.NewPCG(9, 9))}
		if _, err := r.Run(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, req := range d.reqs {
			seen[req.Currency] = true
			if req.Currency == "kwd" && req.Amount%10 != 0 {
				t.Errorf("kwd amount %d is not a multiple of ten", req.Amount)
			}
		}
		var got []string
		for _, c := range tc.want {
			if seen[c] {
				got = append(got, c)
			}
		}
		if len(got) != len(tc.want) || len(seen) != len(tc.want) {
			t.Errorf("declared %v: used %v, want %v", tc.declared, seen, tc.want)
		}
	}
}

func TestCustomersRetryWithTheSameKey(t *testing.T) {
	// The first two sends of every key get no answer or a 503; the third
	// pays. Declined cards are declined, and tried once more, new key.
	var mu sync.Mutex
	sends := map[string]int{}
	d := &fakeDriver{answer: func(r sut.PayRequest) (sut.Reply, error) {
		mu.Lock()
		sends[r.Key]++
		n := sends[r.Key]
		mu.Unlock()
		switch {
		case r.PaymentMethod == "pm_card_chargeDeclined":
			return sut.Reply{HTTPStatus: 402, Order: history.Order{ID: "o-" + r.Key, Status: history.StatusFailed}}, nil
		case n == 1:
			return sut.Reply{}, errors.New("timeout")
		case n == 2:
			return sut.Reply{HTTPStatus: 503, Code: "provider_unavailable"}, nil
		}
		return paid(r)
	}}
	p := Steady
	p.Rate, p.Max, p.RetryNewKey = 1000, 30, 1
	rec := history.NewRecorder()
	r := &Runner{Driver: d, Recorder: rec, Customers: []sut.Customer{{ID: "a"}}, Rand: rand.New(rand.NewPCG(3, 3)), Prefix: "t-"}
	if _, err := r.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	byKey := map[string][]history.Op{}
	for _, op := range rec.Ops() {
		if op.Kind == history.Pay {
			byKey[op.Key] = append(byKey[op.Key], op)
		}
	}
	declined, retried := 0, 0
	for key, ops := range byKey {
		switch {
		case strings.HasSuffix(key, "-again"):
			if len(ops) != 1 || ops[0].PaymentMethod != "pm_card_chargeDeclined" {
				t.Errorf("%s: %d sends of %s", key, len(ops), ops[0].PaymentMethod)
			}
		case ops[0].PaymentMethod == "pm_card_chargeDeclined":
			declined++
			if len(ops) != 1 || byKey[key+"-again"] == nil {
				t.Errorf("%s: declined %d times, new key tried: %v", key, len(ops), byKey[key+"-again"] != nil)
			}
		default:
			retried++
			if len(ops) != 3 || ops[2].Outcome != history.OK {
				t.Errorf("%s: %d sends, last %s", key, len(ops), ops[len(ops)-1].Outcome)
			}
		}
	}
	if declined == 0 || retried == 0 {
		t.Fatalf("%d declined, %d retried keys", declined, retried)
	}
}

// listDriver answers every list with every order it made: a leak.
type listDriver struct {
	fakeDriver
	mu     sync.Mutex
	orders []history.Order
	gets   int
}

func (d *listDriver) Get(_ context.Context, _ sut.Customer, id string) (sut.Reply, error) {
	d.mu.Lock()
	d.gets++
	d.mu.Unlock()
	return sut.Reply{HTTPStatus: 200, Order: history.Order{ID: id, Status: history.StatusPaid}}, nil
}

func (d *listDriver) Orders(context.Context, sut.Customer) ([]history.Order, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.orders), nil
}

func TestCustomersReadTheirOrdersAndLists(t *testing.T) {
	d := &listDriver{}
	d.answer = func(r sut.PayRequest) (sut.Reply, error) {
		d.mu.Lock()
		d.orders = append(d.orders, history.Order{ID: "o-" + r.Key, Status: history.StatusPaid})
		d.mu.Unlock()
		return paid(r)
	}
	p := Steady
	p.Rate, p.Max, p.ReadRate, p.ListRate = 1000, 100, 0.5, 0.5
	p.Clients = 1 // one at a time: every list sees the orders before it
	rec := history.NewRecorder()
	r := &Runner{Driver: d, Recorder: rec, Customers: []sut.Customer{{ID: "a"}, {ID: "b"}}, Rand: rand.New(rand.NewPCG(4, 4))}
	if _, err := r.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{}
	lists, sightings, gets := 0, 0, 0
	for _, op := range rec.Ops() {
		switch {
		case op.Kind == history.Pay:
			owner[op.Order] = op.Customer
		case op.Kind == history.Get && op.Name == ListName && op.Order == "":
			lists++
		case op.Kind == history.Get && op.Name == ListName:
			sightings++
			if owner[op.Order] == op.Customer {
				t.Errorf("op %d records %s's own order %s as a leak", op.ID, op.Customer, op.Order)
			}
		case op.Kind == history.Get:
			gets++
			if owner[op.Order] != op.Customer {
				t.Errorf("op %d: %s read %s's order", op.ID, op.Customer, owner[op.Order])
			}
		}
	}
	if lists == 0 || sightings == 0 || gets != d.gets || gets == 0 {
		t.Fatalf("%d lists, %d sightings of other customers' orders, %d gets recorded of %d", lists, sightings, gets, d.gets)
	}
}

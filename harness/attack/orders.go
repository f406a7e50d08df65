package attack

import (
	"strings"

	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
)

// orderCall is one of the target's calls on an existing order.
type orderCall struct {
	name string
	call func(t sut.Target) sut.Call
}

var (
	callGet    = orderCall{"get", func(t sut.Target) sut.Call { return t.Get }}
	callCancel = orderCall{"cancel", func(t sut.Target) sut.Call { return t.Cancel }}
	callRefund = orderCall{"refund", func(t sut.Target) sut.Call { return t.Refund }}
)

// orderShot renders call c on order id (aim's, or a tampered one) with
// as's credentials, aimed at aim. amount is the refund's.
func (s *setting) orderShot(c orderCall, as sut.Customer, aim history.Order, id string, amount int64) (shot, error) {
	call := c.call(s.t)
	if !call.Defined() {
		return shot{}, skipf("the target has no %s call", c.name)
	}
	r, err := render(s.t, call, sut.CallData{
		OrderID: id, Amount: amount, Currency: aim.Currency, Customer: as.ID, Token: as.Token,
	})
	if err != nil {
		return shot{}, err
	}
	if err := r.headersSafe(); err != nil {
		return shot{}, err
	}
	return shot{send: s.sender(r.request()), as: as, aim: &aim, amount: amount}, nil
}

// headersSafe refuses a request whose headers an HTTP client cannot send.
func (r *rendered) headersSafe() error {
	for k, v := range r.header {
		if !headerSafe(v) {
			return skipf("header %s cannot carry CR, LF or NUL", k)
		}
	}
	return nil
}

// tokenAttack sends a valid checkout, a read, a cancel and a refund with
// the token tok gives ("" for none) instead of the owner's.
func tokenAttack(tok func(*setting) string) func(s *setting) ([]shot, error) {
	return func(s *setting) ([]shot, error) {
		as := sut.Customer{Token: tok(s)}
		var shots []shot
		sh, err := s.payShotBy("pay", as, nil)
		if err != nil && !s.skipVariant("pay", err) {
			return nil, err
		}
		if err == nil {
			shots = append(shots, sh)
		}
		for _, v := range []struct {
			c    orderCall
			pref []history.Status
		}{
			{callGet, []history.Status{history.StatusPaid, history.StatusPending, history.StatusFailed}},
			{callCancel, []history.Status{history.StatusPending, history.StatusPaid}},
			{callRefund, []history.Status{history.StatusPaid}},
		} {
			o, ok := s.order(v.pref...)
			if !ok {
				s.skipVariant(v.c.name, skipf("no %s order to aim at", statusList(v.pref)))
				continue
			}
			sh, err := s.orderShot(v.c, as, o, o.ID, o.Amount)
			if err != nil {
				if s.skipVariant(v.c.name, err) {
					continue
				}
				return nil, err
			}
			sh.variant = v.c.name
			shots = append(shots, sh)
		}
		return shots, nil
	}
}

// otherCustomer sends call c on another customer's order: a read of a
// paid order, a refund of it in full, a cancel of a pending one (else a
// paid one). A SUT that lets it through changes the order for all to see.
func otherCustomer(c orderCall) func(s *setting) ([]shot, error) {
	pref := []history.Status{history.StatusPaid, history.StatusPending, history.StatusFailed}
	if c.name == callCancel.name {
		pref = []history.Status{history.StatusPending, history.StatusPaid, history.StatusFailed}
	}
	return func(s *setting) ([]shot, error) {
		o, ok := s.order(pref...)
		if !ok {
			return nil, skipf("no %s order to aim at (Options.Orders)", statusList(pref))
		}
		owner := s.owner(o)
		thief, ok := s.notOwner(owner)
		if !ok {
			return nil, skipf("needs a second customer (Options.Customers)")
		}
		sh, err := s.orderShot(c, thief, o, o.ID, o.Amount)
		if err != nil {
			return nil, err
		}
		return []shot{sh}, nil
	}
}

// refundOver asks the owner for one minor unit more than the paid order's
// amount.
func refundOver(s *setting) ([]shot, error) {
	o, ok := s.order(history.StatusPaid)
	if !ok {
		return nil, skipf("no paid order to aim at (Options.Orders)")
	}
	sh, err := s.orderShot(callRefund, s.owner(o), o, o.ID, o.Amount+1)
	if err != nil {
		return nil, err
	}
	return []shot{sh}, nil
}

func refundNegative(s *setting) ([]shot, error) {
	o, ok := s.order(history.StatusPaid)
	if !ok {
		return nil, skipf("no paid order to aim at (Options.Orders)")
	}
	sh, err := s.orderShot(callRefund, s.owner(o), o, o.ID, -o.Amount)
	if err != nil {
		return nil, err
	}
	return []shot{sh}, nil
}

// refundUnpaid asks the owner to refund, in full, each order that holds
// no payment: failed, pending, canceled.
func refundUnpaid(s *setting) ([]shot, error) {
	var shots []shot
	for _, st := range []history.Status{history.StatusFailed, history.StatusPending, history.StatusCanceled} {
		o, ok := s.order(st)
		if !ok {
			continue
		}
		amount := o.Amount
		if amount <= 0 {
			amount = s.opts.Amount
		}
		sh, err := s.orderShot(callRefund, s.owner(o), o, o.ID, amount)
		if err != nil {
			return nil, err
		}
		sh.variant = string(st)
		shots = append(shots, sh)
	}
	if len(shots) == 0 {
		return nil, skipf("no failed, pending or canceled order to aim at (Options.Orders)")
	}
	return shots, nil
}

// refundOtherCurrency asks for a refund of the paid order in another
// currency than its own, where the target's refund call says one.
func refundOtherCurrency(s *setting) ([]shot, error) {
	c := s.t.Refund
	if !strings.Contains(c.Path+c.Body+strings.Join(values(c.Headers), ""), ".Currency") {
		return nil, skipf("the target's refund call takes no currency")
	}
	o, ok := s.order(history.StatusPaid)
	if !ok {
		return nil, skipf("no paid order to aim at (Options.Orders)")
	}
	other := o
	other.Currency = "eur"
	if strings.EqualFold(o.Currency, "eur") {
		other.Currency = "usd"
	}
	sh, err := s.orderShot(callRefund, s.owner(o), other, o.ID, o.Amount)
	if err != nil {
		return nil, err
	}
	sh.aim = &o
	sh.currency = other.Currency
	return []shot{sh}, nil
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func statusList(ss []history.Status) string {
	w := make([]string, len(ss))
	for i, s := range ss {
		w[i] = string(s)
	}
	return strings.Join(w, ", ")
}

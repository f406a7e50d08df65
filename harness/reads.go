package harness

import (
	"context"
	"fmt"

	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/traffic"
)

// orderReader reads the SUT's orders for settle. What the SUT answers
// wrongly is evidence, never a harness error: an order listed for a
// customer who does not own it is recorded as that customer's read of it
// (the ownership check judges it) and kept once, as its owner's list has
// it; a list that fails is recorded and the orders the history names are
// read one by one instead; a record the history could not hold (no id, a
// status word the target does not map, a negative amount) is recorded and
// mended.
type orderReader struct {
	e   *Env
	rec *history.Recorder
	// seen are the (customer, order) sightings recorded already: settle
	// reads the orders many times, the evidence is recorded once.
	seen map[[2]string]bool
}

func (r *orderReader) read(ctx context.Context) ([]history.Order, error) {
	owners := map[string]string{}
	for _, op := range r.rec.Ops() {
		if op.Kind == history.Pay && op.Order != "" && op.Customer != "" {
			if _, ok := owners[op.Order]; !ok {
				owners[op.Order] = op.Customer
			}
		}
	}
	l, ok := r.e.sut.Driver.(sut.Lister)
	if !ok || !sut.Lists(r.e.sut.Driver) {
		// A SUT that cannot list: every order the history names, read
		// back by its owner.
		var all []history.Order
		for _, c := range r.e.sut.Customers {
			os, err := r.getEach(ctx, c, owners)
			if err != nil {
				return nil, err
			}
			all = append(all, os...)
		}
		return all, nil
	}
	var all []history.Order
	at := map[string]int{}      // order id -> index in all
	from := map[string]string{} // order id -> the customer whose list it was kept from
	for _, c := range r.e.sut.Customers {
		list := history.Op{Kind: history.Get, Name: traffic.ListName, Customer: c.ID, Call: r.rec.Now()}
		os, err := l.Orders(ctx, c)
		list.Return = r.rec.Now()
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			list.Outcome, list.Error = history.Unknown, err.Error()
			r.once(c.ID, "", list)
			got, gerr := r.getEach(ctx, c, owners)
			if gerr != nil {
				return nil, gerr
			}
			os = got
		}
		for _, o := range os {
			if !r.mend(c.ID, list, &o) {
				continue
			}
			owner := owners[o.ID]
			if owner == "" {
				owner = o.Customer
			}
			if owner != "" && owner != c.ID {
				r.once(c.ID, o.ID, traffic.Sighting(list, o))
			}
			k, dup := at[o.ID]
			switch {
			case !dup:
				at[o.ID] = len(all)
				from[o.ID] = c.ID
				all = append(all, o)
			case from[o.ID] != owner && c.ID == owner:
				all[k], from[o.ID] = o, c.ID
			}
		}
	}
	return all, nil
}

// getEach reads, one by one, the orders of customer c that the history
// names, when c's list failed or the SUT cannot list. An order the SUT
// does not answer with is left out (the checks then see it as forgotten)
// and the answer is recorded as evidence.
func (r *orderReader) getEach(ctx context.Context, c sut.Customer, owners map[string]string) ([]history.Order, error) {
	var out []history.Order
	for id, owner := range owners {
		if owner != c.ID {
			continue
		}
		op := history.Op{Kind: history.Get, Customer: c.ID, Order: id, Call: r.rec.Now()}
		reply, err := r.e.sut.Driver.Get(ctx, c, id)
		op.Return = r.rec.Now()
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		traffic.Classify(&op, reply, err)
		if op.Outcome != history.OK || reply.Order.ID == "" {
			r.once(c.ID, id, op)
			continue
		}
		o := reply.Order
		if o.Customer == "" {
			o.Customer = c.ID
		}
		out = append(out, o)
	}
	return out, nil
}

// mend makes a listed order one the history can hold, recording what was
// wrong with it; it reports false for an order with no id, which is
// dropped.
func (r *orderReader) mend(customer string, list history.Op, o *history.Order) bool {
	bad := func(why string) {
		op := list
		op.Order, op.Outcome, op.HTTPStatus, op.Error = o.ID, history.Unknown, 200, why
		r.once(customer, o.ID+"/"+why, op)
	}
	if o.ID == "" {
		bad("the list named an order with no id")
		return false
	}
	if !o.Status.Valid() {
		bad(fmt.Sprintf("status %q is not a word the target maps", o.Status))
		o.Status = history.StatusNone
	}
	if o.Amount < 0 || o.Refunded < 0 {
		bad(fmt.Sprintf("negative amount %d or refunded %d", o.Amount, o.Refunded))
		o.Amount, o.Refunded = max(o.Amount, 0), max(o.Refunded, 0)
	}
	return true
}

// once records op unless an op with this key was recorded already.
func (r *orderReader) once(customer, key string, op history.Op) {
	k := [2]string{customer, key}
	if r.seen[k] {
		return
	}
	if r.seen == nil {
		r.seen = map[[2]string]bool{}
	}
	r.seen[k] = true
	r.rec.Add(op)
}

// selfHealShare is the share of the settle budget the SUT gets to resolve
// what is open by its own means before the harness asks it to reconcile.
const selfHealShare = 0.5

// backgroundReconciler reports whether the target declares that it
// resolves pending payments by itself.
func (e *Env) backgroundReconciler() bool {
	b, ok := e.sut.Driver.(interface{ ReconcilesInBackground() bool })
	return ok && b.ReconcilesInBackground()
}

// unsettled lists the orders still open: pending (unless every payment of
// it waits on the customer at the provider), or not paid while the
// provider holds captured money for them, including orders the SUT does
// not report at all.
func (e *Env) unsettled(ctx context.Context, orders []history.Order) ([]string, error) {
	snap, err := e.stack.Provider().Ledger(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the provider's ledger: %w", err)
	}
	status := make(map[string]history.Status, len(orders))
	var open []string
	var pending []history.Order
	for _, o := range orders {
		status[o.ID] = o.Status
		if o.Status == history.StatusPending {
			pending = append(pending, o)
		}
	}
	if len(pending) > 0 {
		waiting, err := e.waitingOnCustomers(ctx, pending)
		if err != nil {
			return nil, err
		}
		if !waiting {
			for _, o := range pending {
				open = append(open, o.ID)
			}
		}
	}
	join := check.NewJoin(orders, e.sut.MetadataKey) // the checker's join, so both read a payment alike
	held := map[string]bool{}
	for _, c := range snap.Charges {
		if c.Status != "succeeded" || !c.Captured {
			continue
		}
		amt := c.AmountCaptured
		if amt == 0 {
			amt = c.Amount
		}
		id := join.Order(c.PaymentIntent, c.Metadata)
		if id == "" || amt-c.AmountRefunded <= 0 || held[id] {
			continue
		}
		if st := status[id]; st != history.StatusPaid && st != history.StatusPending {
			held[id] = true
			open = append(open, id)
		}
	}
	return open, nil
}

// resolvedSince lists the orders of before that are not in after.
func resolvedSince(before, after []string) []string {
	still := make(map[string]bool, len(after))
	for _, id := range after {
		still[id] = true
	}
	var out []string
	for _, id := range before {
		if !still[id] {
			out = append(out, id)
		}
	}
	return out
}

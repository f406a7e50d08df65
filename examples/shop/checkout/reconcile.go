package checkout

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stripe/stripe-go/v84"
)

// maxRedrives bounds how often the reconciler re-sends an attempt the
// provider has no trace of before it gives the order up as failed (and
// keeps watching it for a late capture to refund).
const maxRedrives = 5

// ReconcileSummary is what one reconciler pass did.
type ReconcileSummary struct {
	// Skipped is set when the pass did nothing because the reconciler is
	// switched off (FlawNoReconciler).
	Skipped bool `json:"skipped,omitempty"`
	// Pending is the number of pending orders looked at; Paid, Failed and
	// StillPending say how they ended the pass.
	Pending      int `json:"pending"`
	Paid         int `json:"paid"`
	Failed       int `json:"failed"`
	StillPending int `json:"still_pending"`
	// Redriven counts attempts re-sent to the provider with their own
	// idempotency key because the provider had no trace of them.
	Redriven int `json:"redriven"`
	// RefundsRetried counts unresolved refunds re-sent with their key.
	RefundsRetried int `json:"refunds_retried"`
	// RefundsIssued and RefundedAmount count refunds of captures that an
	// order must not keep (canceled or failed orders, duplicate payments).
	RefundsIssued  int   `json:"refunds_issued"`
	RefundedAmount int64 `json:"refunded_amount"`
	// Errors are the provider or database errors met, one per order.
	Errors []string `json:"errors,omitempty"`
}

// Reconcile runs one pass of the reconciler: pending orders are resolved
// from the provider, unresolved refunds are re-sent, and captures that
// belong to canceled or failed orders (or duplicate a payment) are
// refunded. Errors about single orders are logged and left for the next
// pass; the error returned is about the pass itself.
func (s *Shop) Reconcile(ctx context.Context) error {
	_, err := s.ReconcilePass(ctx)
	return err
}

// ReconcilePass is Reconcile with the pass's summary.
func (s *Shop) ReconcilePass(ctx context.Context) (ReconcileSummary, error) {
	var sum ReconcileSummary
	if s.flawed(FlawNoReconciler) {
		sum.Skipped = true
		return sum, nil
	}
	done, ok := s.begin()
	if !ok {
		return sum, errors.New("reconcile: shop closed")
	}
	defer done()
	s.passMu.Lock()
	defer s.passMu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)()

	pending, err := listOrders(ctx, s.st.db, `WHERE status = ? ORDER BY created_at`, StatusPending)
	if err != nil {
		return sum, fmt.Errorf("reconcile: %w", err)
	}
	for _, o := range pending {
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		if s.isInflight(o.ID) {
			continue
		}
		sum.Pending++
		if err := s.resolvePending(ctx, o, &sum); err != nil {
			sum.StillPending++
			sum.Errors = append(sum.Errors, fmt.Sprintf("%s: %v", o.ID, err))
		}
	}

	refunds, err := unresolvedRefunds(ctx, s.st.db, `ORDER BY created_at`)
	if err != nil {
		return sum, fmt.Errorf("reconcile: %w", err)
	}
	for _, r := range refunds {
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		if s.isInflight(r.orderID) {
			continue
		}
		sum.RefundsRetried++
		s.runRefund(r, false)
	}

	due, err := listOrders(ctx, s.st.db, `WHERE refund_due = 1 AND status != ? ORDER BY created_at`, StatusPending)
	if err != nil {
		return sum, fmt.Errorf("reconcile: %w", err)
	}
	for _, o := range due {
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		if s.isInflight(o.ID) {
			continue
		}
		if err := s.settleRefundDue(ctx, o, &sum); err != nil {
			sum.Errors = append(sum.Errors, fmt.Sprintf("%s: %v", o.ID, err))
		}
	}
	if len(sum.Errors) > 0 {
		s.log.Warn("reconcile pass", "pending", sum.Pending, "paid", sum.Paid, "failed", sum.Failed,
			"still_pending", sum.StillPending, "refunds_issued", sum.RefundsIssued, "errors", len(sum.Errors))
	} else if sum.Pending+sum.RefundsRetried+sum.RefundsIssued > 0 {
		s.log.Info("reconcile pass", "pending", sum.Pending, "paid", sum.Paid, "failed", sum.Failed,
			"still_pending", sum.StillPending, "refunds_issued", sum.RefundsIssued)
	}
	return sum, nil
}

func (s *Shop) reconcileLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			sum, err := s.ReconcilePass(s.ctx)
			if err != nil && s.ctx.Err() == nil {
				s.log.Error("reconcile pass", "err", err)
			}
			if s.flawed(FlawReconcilerGivesUp) && (err != nil || len(sum.Errors) > 0) {
				s.log.Warn("background reconciler stopped after a failed pass")
				return
			}
		}
	}
}

// findPayments returns every PaymentIntent the provider holds for an
// order: the ones the shop knows by id, and the ones found by searching
// metadata['order_id'] (a payment whose answer was lost is only found so,
// or, untagged, by redrive).
func (s *Shop) findPayments(ctx context.Context, o Order) ([]*stripe.PaymentIntent, error) {
	attempts, err := orderAttempts(ctx, s.st.db, o.ID)
	if err != nil {
		return nil, err
	}
	known := []string{}
	if o.PaymentIntent != "" {
		known = append(known, o.PaymentIntent)
	}
	for _, a := range attempts {
		if a.paymentIntent != "" && !slices.Contains(known, a.paymentIntent) {
			known = append(known, a.paymentIntent)
		}
	}
	var out []*stripe.PaymentIntent
	seen := map[string]bool{}
	for _, id := range known {
		var pi *stripe.PaymentIntent
		err := s.send(ctx, func(ctx context.Context) error {
			p := &stripe.PaymentIntentRetrieveParams{}
			p.AddExpand("latest_charge")
			got, err := s.sc.V1PaymentIntents.Retrieve(ctx, id, p)
			pi = got
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("retrieve %s: %s", id, errCode(err))
		}
		seen[pi.ID] = true
		out = append(out, pi)
	}
	var found []*stripe.PaymentIntent
	search := s.send
	if !s.tagsMetadata() { // nothing to search by: the ids kept are all there is
		search = func(context.Context, func(context.Context) error) error { return nil }
	}
	err = search(ctx, func(ctx context.Context) error {
		found = found[:0]
		p := &stripe.PaymentIntentSearchParams{}
		p.Query = fmt.Sprintf("metadata['order_id']:'%s'", o.ID)
		for pi, err := range s.sc.V1PaymentIntents.Search(ctx, p) {
			if err != nil {
				return err
			}
			found = append(found, pi)
			if len(found) >= 100 {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search payments: %s", errCode(err))
	}
	for _, pi := range found {
		if !seen[pi.ID] && pi.Metadata["order_id"] == o.ID {
			seen[pi.ID] = true
			out = append(out, pi)
		}
	}
	slices.SortStableFunc(out, func(a, b *stripe.PaymentIntent) int { return int(a.Created - b.Created) })
	return out, nil
}

// resolvePending settles a pending order from what the provider holds.
func (s *Shop) resolvePending(ctx context.Context, o Order, sum *ReconcileSummary) error {
	if had, err := s.resolveSession(ctx, o, sum); had {
		return err
	}
	pis, err := s.findPayments(ctx, o)
	if err != nil {
		return err
	}
	var won, failed *stripe.PaymentIntent
	succeeded, inProgress := 0, false
	for _, pi := range pis {
		switch pi.Status {
		case stripe.PaymentIntentStatusSucceeded:
			succeeded++
			if won == nil || pi.ID == o.PaymentIntent {
				won = pi
			}
		case stripe.PaymentIntentStatusRequiresPaymentMethod, stripe.PaymentIntentStatusCanceled:
			if s.awaitsCustomer(pi) {
				inProgress = true
				continue
			}
			failed = pi
		default:
			inProgress = true
		}
	}
	switch {
	case won != nil:
		err := s.settle(ctx, o, decision{status: StatusPaid, attemptState: attemptSucceeded, paymentIntent: won.ID}, succeeded > 1)
		if err == nil {
			sum.Paid++
		}
		return err
	case inProgress:
		sum.StillPending++
		return nil
	case failed != nil:
		code := "payment_failed"
		if failed.LastPaymentError != nil && failed.LastPaymentError.Code != "" {
			code = string(failed.LastPaymentError.Code)
		}
		err := s.settle(ctx, o, decision{status: StatusFailed, attemptState: attemptFailed, paymentIntent: failed.ID, failureCode: code}, false)
		if err == nil {
			sum.Failed++
		}
		return err
	}
	return s.redrive(ctx, o, sum)
}

// redrive re-sends the latest attempt of a pending order the provider has
// no trace of, with the attempt's own idempotency key: if the first send
// did reach the provider, it answers with that result; if not, the
// payment is made now. Either way the outcome becomes known.
func (s *Shop) redrive(ctx context.Context, o Order, sum *ReconcileSummary) error {
	attempts, err := orderAttempts(ctx, s.st.db, o.ID)
	if err != nil {
		return err
	}
	var a attempt
	for _, x := range attempts {
		if x.state == attemptStarted || x.state == attemptUnknown || x.state == attemptNotSent {
			a = x
		}
	}
	// Untagged, a payment given up on could never be found again: the
	// attempt is re-sent until the provider answers it.
	if a.orderID == "" || (a.redrives >= maxRedrives && s.tagsMetadata()) {
		// Nothing can be re-sent any more: give the order up, and keep
		// watching for a capture to refund.
		err := s.settle(ctx, o, decision{status: StatusFailed, attemptState: attemptFailed, failureCode: "payment_unresolved"}, true)
		if err == nil {
			sum.Failed++
		}
		return err
	}
	sum.Redriven++
	a.redrives++
	var pi *stripe.PaymentIntent
	err = s.send(ctx, func(ctx context.Context) error {
		got, err := s.createPayment(ctx, o, a, s.cfg.MaxRetries+a.redrives)
		pi = got
		return err
	})
	dec := s.decide(pi, retryResult{err: err, sent: !notSent(err), tries: 1})
	if dec.notSent || dec.status == StatusPending {
		a.state = attemptUnknown
		if dec.paymentIntent != "" {
			a.paymentIntent = dec.paymentIntent
		}
		if uerr := updateAttempt(ctx, s.st.db, a, errCode(err)); uerr != nil {
			return uerr
		}
		sum.StillPending++
		return nil
	}
	if uerr := updateAttempt(ctx, s.st.db, a, errCode(err)); uerr != nil {
		return uerr
	}
	if err := s.settle(ctx, o, dec, false); err != nil {
		return err
	}
	if dec.status == StatusPaid {
		sum.Paid++
	} else {
		sum.Failed++
	}
	return nil
}

// settle records the reconciler's verdict on a pending order. refundDue
// asks for a later check that no capture stays with the order that it
// must not keep (a duplicate payment, or a failure given up on).
func (s *Shop) settle(ctx context.Context, o Order, dec decision, refundDue bool) error {
	return s.st.tx(ctx, func(tx *sql.Tx) error {
		if err := resolveAttempts(ctx, tx, o.ID, dec.attemptState, dec.paymentIntent); err != nil {
			return err
		}
		ch := orderChange{status: dec.status, paymentIntent: dec.paymentIntent, failureCode: dec.failureCode}
		if refundDue {
			ch.refundDue = ptr(true)
		}
		changed, err := updateOrder(ctx, tx, o.ID, ch, StatusPending)
		if err != nil || changed {
			return err
		}
		// The order moved on meanwhile; a capture it does not hold is
		// refunded.
		cur, err := getOrder(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		if dec.status == StatusPaid && cur.PaymentIntent != dec.paymentIntent {
			_, err = updateOrder(ctx, tx, o.ID, orderChange{refundDue: ptr(true)})
		}
		return err
	})
}

// settleRefundDue refunds every capture of an order that the order must
// not keep: all of them for a canceled or failed order, all but its own
// payment for a paid one. The flag is cleared once nothing is left.
func (s *Shop) settleRefundDue(ctx context.Context, o Order, sum *ReconcileSummary) error {
	open, err := unresolvedRefunds(ctx, s.st.db, `AND order_id = ?`, o.ID)
	if err != nil {
		return err
	}
	if len(open) > 0 {
		return nil // the refunds in flight are resolved first
	}
	pis, err := s.findPayments(ctx, o)
	if err != nil {
		return err
	}
	keep := ""
	if o.Status == StatusPaid || o.Status == StatusRefunded {
		keep = o.PaymentIntent
	}
	clear := true
	for _, pi := range pis {
		if pi.Status != stripe.PaymentIntentStatusSucceeded || pi.ID == keep {
			continue
		}
		refunded, err := s.refundedOf(ctx, pi)
		if err != nil {
			return err
		}
		left := pi.AmountReceived - refunded
		if left <= 0 {
			continue
		}
		clear = false
		row := refundRow{id: newRefundID(), orderID: o.ID, reason: reasonOrphan, paymentIntent: pi.ID, amount: left}
		row.key = "refund/" + row.id
		err = s.st.tx(ctx, func(tx *sql.Tx) error {
			if o.PaymentIntent == "" && keep == "" {
				// The canceled or failed order's payment, found at last.
				if _, err := updateOrder(ctx, tx, o.ID, orderChange{paymentIntent: pi.ID}); err != nil {
					return err
				}
				o.PaymentIntent = pi.ID
			}
			return insertRefund(ctx, tx, row)
		})
		if err != nil {
			return err
		}
		if s.runRefund(row, true) == refundSucceeded {
			sum.RefundsIssued++
			sum.RefundedAmount += left
		}
	}
	if !clear {
		return nil
	}
	// Everything found is refunded. A canceled or failed order whose
	// attempt never left a trace is watched a little longer: a request
	// still travelling could land late.
	attempts, err := orderAttempts(ctx, s.st.db, o.ID)
	if err != nil {
		return err
	}
	grace := (2 * s.cfg.ResponseBudget).Nanoseconds()
	now := time.Now().UnixNano()
	for _, a := range attempts {
		if a.state == attemptStarted || a.state == attemptUnknown {
			if len(pis) == 0 && now-a.createdAt < grace {
				return nil
			}
		}
	}
	return s.st.tx(ctx, func(tx *sql.Tx) error {
		state := attemptFailed
		if len(pis) > 0 {
			state = attemptSucceeded
		}
		if err := resolveAttempts(ctx, tx, o.ID, state, ""); err != nil {
			return err
		}
		_, err := updateOrder(ctx, tx, o.ID, orderChange{refundDue: ptr(false)})
		return err
	})
}

// refundedOf is how much of a PaymentIntent's capture is refunded.
func (s *Shop) refundedOf(ctx context.Context, pi *stripe.PaymentIntent) (int64, error) {
	if pi.LatestCharge == nil {
		return 0, nil
	}
	if pi.LatestCharge.Amount > 0 { // expanded
		return pi.LatestCharge.AmountRefunded, nil
	}
	var ch *stripe.Charge
	err := s.send(ctx, func(ctx context.Context) error {
		got, err := s.sc.V1Charges.Retrieve(ctx, pi.LatestCharge.ID, nil)
		ch = got
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("retrieve charge %s: %s", pi.LatestCharge.ID, errCode(err))
	}
	return ch.AmountRefunded, nil
}

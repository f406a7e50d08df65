package checkout

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/stripe/stripe-go/v84"
)

// checkout creates the order for req and pays it, or answers a resubmission
// of an order that exists. It reports whether the answer is a replay.
func (s *Shop) checkout(ctx context.Context, cus string, req checkoutRequest) (Order, bool, *apiError) {
	if req.key != "" {
		o, err := getOrderByKey(ctx, s.st.db, cus, req.key)
		switch {
		case err == nil:
			return s.resubmitted(ctx, o, req)
		case !errors.Is(err, errNotFound):
			s.log.Error("find order by key", "err", err)
			return Order{}, false, errInternal
		}
	}
	// Fail fast while the provider is known to be down: no order, no wait.
	if s.breakerOpen() {
		return Order{}, false, errProviderOutage
	}
	o := Order{
		ID:            newOrderID(),
		Customer:      cus,
		Status:        StatusPending,
		Amount:        req.amount,
		Currency:      req.currency,
		Items:         req.items,
		clientKey:     req.key,
		requestHash:   req.hash,
		chargeAmount:  req.chargeAmount,
		paymentMethod: req.paymentMethod,
	}
	a := attempt{orderID: o.ID, n: 1, key: o.ID + "/a1", amount: req.chargeAmount}
	// In flight from before it exists: neither a resubmission nor the
	// reconciler may take the order for an abandoned one.
	defer s.markInflight(o.ID)()
	// The attempt is durable before the provider hears of it.
	err := s.st.tx(ctx, func(tx *sql.Tx) error {
		if err := insertOrder(ctx, tx, o); err != nil {
			return err
		}
		return insertAttempt(ctx, tx, a)
	})
	if isUniqueViolation(err) {
		// The same key won a race against us: answer as a resubmission.
		existing, gerr := getOrderByKey(ctx, s.st.db, cus, req.key)
		if gerr != nil {
			s.log.Error("find order by key", "err", gerr)
			return Order{}, false, errInternal
		}
		return s.resubmitted(ctx, existing, req)
	}
	if err != nil {
		s.log.Error("create order", "err", err)
		return Order{}, false, errInternal
	}
	o, e := s.pay(o, a)
	return o, false, e
}

// resubmitted answers a POST /orders whose Idempotency-Key names an
// existing order. The order is paid by the one request that created it;
// a resubmission only reads it.
func (s *Shop) resubmitted(ctx context.Context, o Order, req checkoutRequest) (Order, bool, *apiError) {
	if o.requestHash != req.hash {
		return Order{}, false, errKeyReused
	}
	if s.flawed(FlawNoOrderLock) && (o.Status == StatusPending || o.Status == StatusFailed) {
		// Without the lock, a resubmitted unpaid order is simply paid again.
		var a attempt
		err := s.st.tx(ctx, func(tx *sql.Tx) error {
			n, err := nextAttemptNumber(ctx, tx, o.ID)
			if err != nil {
				return err
			}
			a = attempt{orderID: o.ID, n: n, key: o.ID + "/a" + strconv.Itoa(n), amount: o.chargeAmount}
			return insertAttempt(ctx, tx, a)
		})
		if err != nil {
			s.log.Error("new attempt", "order", o.ID, "err", err)
			return Order{}, false, errInternal
		}
		o, e := s.pay(o, a)
		return o, false, e
	}
	if s.isInflight(o.ID) {
		return Order{}, false, errKeyInUse
	}
	return o, true, nil
}

// pay runs one payment attempt: the provider call with its retries, then
// the durable record of what is known about its outcome.
func (s *Shop) pay(o Order, a attempt) (Order, *apiError) {
	done, ok := s.begin()
	if !ok {
		return Order{}, errShuttingDown
	}
	defer done()
	defer s.markInflight(o.ID)()

	ctx := s.ctx
	if _, budget := s.timeouts(); budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}
	var pi *stripe.PaymentIntent
	res := s.withRetries(ctx, func(ctx context.Context, try int) error {
		got, err := s.createPayment(ctx, o, a, try)
		if err == nil {
			pi = got
		}
		return err
	})
	if res.err == nil && s.cfg.AfterProviderSuccess != nil {
		if err := s.cfg.AfterProviderSuccess(o.ID); err != nil {
			// Simulated crash: nothing is written, the client's connection
			// is dropped, the order stays pending with its attempt started.
			s.log.Warn("abandoning order after provider success", "order", o.ID, "reason", err.Error())
			panic(http.ErrAbortHandler)
		}
	}
	dec := s.decide(pi, res)
	s.log.Info("payment attempt",
		"order", o.ID, "attempt", a.n, "tries", res.tries, "result", dec.attemptState,
		"status", string(dec.status), "payment_intent", dec.paymentIntent, "provider_error", errCode(res.err))

	// Record it with a context of its own: the attempt may have used up
	// its budget, the record must still be written.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), s.cfg.ResponseBudget)
	defer cancel()
	if dec.notSent {
		return s.recordNotSent(wctx, o, a)
	}
	a.state, a.paymentIntent = dec.attemptState, dec.paymentIntent
	var out Order
	err := s.st.tx(wctx, func(tx *sql.Tx) error {
		if err := updateAttempt(wctx, tx, a, errCode(res.err)); err != nil {
			return err
		}
		ch := orderChange{paymentIntent: dec.paymentIntent, failureCode: dec.failureCode}
		if dec.status != StatusPending {
			ch.status = dec.status
		}
		from := []OrderStatus{StatusPending}
		if o.Status == StatusFailed { // a failed order paid again (FlawNoOrderLock)
			from = append(from, StatusFailed)
		}
		changed, err := updateOrder(wctx, tx, o.ID, ch, from...)
		if err != nil {
			return err
		}
		cur, err := getOrder(wctx, tx, o.ID)
		if err != nil {
			return err
		}
		if !changed && dec.status == StatusPaid && !(cur.PaymentIntent == dec.paymentIntent && (cur.Status == StatusPaid || cur.Status == StatusRefunded)) {
			// The order moved on while we paid (canceled, failed, or paid by
			// another payment): this capture is not the order's to keep.
			if _, err := updateOrder(wctx, tx, o.ID, orderChange{refundDue: ptr(true)}); err != nil {
				return err
			}
		}
		out = cur
		return nil
	})
	s.browserAnswer(wctx, &out, pi)
	if err != nil {
		s.log.Error("record payment", "order", o.ID, "err", err)
		return Order{}, errInternal
	}
	return out, nil
}

// decision is what a payment attempt's result means for the order.
type decision struct {
	status        OrderStatus
	attemptState  string
	paymentIntent string
	failureCode   string
	notSent       bool
}

// decide maps the provider's answer to an order state. An outcome that is
// not known leaves the order pending, for the reconciler.
func (s *Shop) decide(pi *stripe.PaymentIntent, res retryResult) decision {
	err := res.err
	if err == nil {
		d := decision{paymentIntent: pi.ID}
		switch pi.Status {
		case stripe.PaymentIntentStatusSucceeded:
			d.status, d.attemptState = StatusPaid, attemptSucceeded
		case stripe.PaymentIntentStatusRequiresPaymentMethod, stripe.PaymentIntentStatusCanceled:
			if s.awaitsCustomer(pi) {
				d.status, d.attemptState = StatusPending, attemptUnknown
				break
			}
			d.status, d.attemptState, d.failureCode = StatusFailed, attemptFailed, "payment_failed"
			if pi.LastPaymentError != nil && pi.LastPaymentError.Code != "" {
				d.failureCode = string(pi.LastPaymentError.Code)
			}
		default: // processing, requires_action, requires_capture: not settled yet
			d.status, d.attemptState = StatusPending, attemptUnknown
		}
		return d
	}
	if se, ok := cardDecline(err); ok {
		d := decision{status: StatusFailed, attemptState: attemptFailed, failureCode: "card_declined"}
		if se.Code != "" {
			d.failureCode = string(se.Code)
		}
		if se.PaymentIntent != nil {
			d.paymentIntent = se.PaymentIntent.ID
		}
		return d
	}
	if s.flawed(FlawMarkPaidOnError) {
		return decision{status: StatusPaid, attemptState: attemptSucceeded}
	}
	if _, ok := rejected(err); ok {
		return decision{status: StatusFailed, attemptState: attemptFailed, failureCode: "provider_rejected"}
	}
	if !res.sent {
		return decision{notSent: true, attemptState: attemptNotSent}
	}
	if s.flawed(FlawMarkFailedOnTimeout) && res.timedOut {
		return decision{status: StatusFailed, attemptState: attemptFailed, failureCode: "timeout"}
	}
	return decision{status: StatusPending, attemptState: attemptUnknown}
}

// recordNotSent handles an attempt that provably never reached the
// provider: the order created for it is removed (the client may retry with
// the same key) and the answer is 503.
func (s *Shop) recordNotSent(ctx context.Context, o Order, a attempt) (Order, *apiError) {
	a.state = attemptNotSent
	err := s.st.tx(ctx, func(tx *sql.Tx) error {
		if err := updateAttempt(ctx, tx, a, "not sent"); err != nil {
			return err
		}
		if a.n != 1 {
			return nil
		}
		if s.flawed(FlawUnsentFailsKey) {
			_, err := updateOrder(ctx, tx, o.ID, orderChange{status: StatusFailed, failureCode: "provider_unavailable"}, StatusPending)
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM orders WHERE id = ? AND status = ? AND
 NOT EXISTS (SELECT 1 FROM attempts WHERE order_id = ? AND state != ?)`, o.ID, StatusPending, o.ID, attemptNotSent)
		if err != nil {
			return fmt.Errorf("delete unsent order %s: %w", o.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			_, err = tx.ExecContext(ctx, `DELETE FROM attempts WHERE order_id = ?`, o.ID)
		}
		return err
	})
	if err != nil {
		s.log.Error("record unsent attempt", "order", o.ID, "err", err)
		return Order{}, errInternal
	}
	return Order{}, errProviderOutage
}

// paymentParams are the PaymentIntent create parameters of an attempt.
// Every try of the attempt sends the same parameters and the same
// idempotency key, so the provider makes at most one payment of it.
func (s *Shop) paymentParams(o Order, a attempt, try int) *stripe.PaymentIntentCreateParams {
	currency := o.Currency
	if s.flawed(FlawChargeInUSD) {
		currency = "usd"
	}
	p := &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(a.amount),
		Currency:           stripe.String(currency),
		PaymentMethod:      stripe.String(o.paymentMethod),
		PaymentMethodTypes: stripe.StringSlice([]string{"card"}),
		Confirm:            stripe.Bool(true),
		Description:        stripe.String("order " + o.ID),
	}
	s.confirmParams(p)
	if s.tagsMetadata() {
		p.AddMetadata("order_id", o.ID)
		p.AddMetadata("attempt", strconv.Itoa(a.n))
	}
	p.SetIdempotencyKey(s.providerKey(a, try))
	return p
}

// providerKey is the idempotency key of try number try of attempt a.
func (s *Shop) providerKey(a attempt, try int) string {
	if s.flawed(FlawNewKeyPerRetry) {
		return fmt.Sprintf("%s/t%d-%s", a.key, try, randomHex(4))
	}
	return a.key
}

package checkout

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/http"

	"github.com/stripe/stripe-go/v84"
)

// refundRequest is the body of POST /orders/{id}/refund. A missing amount
// refunds what is left.
type refundRequest struct {
	Amount *int64 `json:"amount"`
}

func (s *Shop) handleRefund(w http.ResponseWriter, r *http.Request) {
	cus, e := s.customer(r)
	if e != nil {
		writeError(w, e)
		return
	}
	body, e := s.readBody(w, r, s.cfg.MaxBodyBytes)
	if e != nil {
		writeError(w, e)
		return
	}
	var req refundRequest
	if len(bytes.TrimSpace(body)) > 0 {
		if e := decodeStrict(body, &req); e != nil {
			writeError(w, e)
			return
		}
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxKeyLen || !printableASCII(key) {
		writeError(w, errorf(http.StatusBadRequest, "invalid_idempotency_key",
			"Idempotency-Key must be 1 to %d printable ASCII characters", maxKeyLen))
		return
	}
	if req.Amount != nil && (*req.Amount < 1 || *req.Amount > s.cfg.MaxAmount) {
		writeError(w, errorf(http.StatusUnprocessableEntity, "invalid_refund_amount",
			"amount must be an integer from 1 to %d (minor units)", s.cfg.MaxAmount))
		return
	}
	o, e := s.ownedOrder(r, cus)
	if e != nil {
		writeError(w, e)
		return
	}
	ctx := r.Context()
	if key != "" {
		prev, err := getRefundByKey(ctx, s.st.db, o.ID, key)
		switch {
		case err == nil:
			if req.Amount != nil && *req.Amount != prev.amount {
				writeError(w, errKeyReused)
				return
			}
			s.answerOrder(w, ctx, o.ID, http.StatusOK, true)
			return
		case !errors.Is(err, errNotFound):
			s.log.Error("find refund by key", "err", err)
			writeError(w, errInternal)
			return
		}
	}
	if o.Status != StatusPaid {
		writeError(w, errNotRefundable)
		return
	}
	if s.breakerOpen() {
		writeError(w, errProviderOutage)
		return
	}
	row := refundRow{id: newRefundID(), orderID: o.ID, clientKey: key, reason: reasonCustomer, paymentIntent: o.PaymentIntent}
	row.key = "refund/" + row.id
	err := s.st.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getOrder(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		if cur.Status != StatusPaid {
			return errNotRefundable
		}
		reserved, err := reservedRefunds(ctx, tx, o.ID, cur.PaymentIntent)
		if err != nil {
			return err
		}
		left := cur.Amount - max(reserved, cur.Refunded)
		row.amount = left
		if req.Amount != nil {
			row.amount = *req.Amount
		}
		if row.amount > left || row.amount < 1 {
			return errRefundTooLarge
		}
		return insertRefund(ctx, tx, row)
	})
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		writeError(w, ae)
		return
	case isUniqueViolation(err):
		writeError(w, errKeyInUse)
		return
	case err != nil:
		s.log.Error("start refund", "order", o.ID, "err", err)
		writeError(w, errInternal)
		return
	}
	switch state := s.runRefund(row, true); state {
	case refundSucceeded:
		s.answerOrder(w, ctx, o.ID, http.StatusOK, false)
	case refundFailed:
		writeError(w, errRefundFailed)
	case refundNotSent:
		writeError(w, errProviderOutage)
	default: // unknown: the reconciler finishes it
		s.answerOrder(w, ctx, o.ID, http.StatusAccepted, false)
	}
}

// refundNotSent is runRefund's answer when the refund never reached the
// provider; the row is then failed.
const refundNotSent = "not_sent"

// runRefund asks the provider for refund row (a new one, or one the
// reconciler re-drives with the same key) and records the answer. It
// returns the row's new state. A re-drive (fresh false) that cannot reach
// the provider leaves the row unknown: its first send may have landed.
func (s *Shop) runRefund(row refundRow, fresh bool) string {
	done, ok := s.begin()
	if !ok {
		return refundUnknown
	}
	defer done()
	defer s.markInflight(row.orderID)()

	ctx := s.ctx
	if _, budget := s.timeouts(); budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}
	var got *stripe.Refund
	res := s.withRetries(ctx, func(ctx context.Context, _ int) error {
		p := &stripe.RefundCreateParams{
			PaymentIntent: stripe.String(row.paymentIntent),
			Amount:        stripe.Int64(row.amount),
		}
		if s.tagsMetadata() {
			p.AddMetadata("order_id", row.orderID)
			p.AddMetadata("refund_id", row.id)
		}
		p.SetIdempotencyKey(row.key)
		r, err := s.sc.V1Refunds.Create(ctx, p)
		if err == nil {
			got = r
		}
		return err
	})
	state := refundUnknown
	providerID := ""
	switch {
	case res.err == nil && got != nil && (got.Status == stripe.RefundStatusSucceeded || got.Status == stripe.RefundStatusPending):
		state, providerID = refundSucceeded, got.ID
	case res.err == nil && got != nil:
		state, providerID = refundFailed, got.ID
	case !res.sent && fresh:
		state = refundFailed
	case !res.sent:
		state = refundUnknown
	default:
		if _, ok := rejected(res.err); ok {
			state = refundFailed
		} else if _, ok := cardDecline(res.err); ok {
			state = refundFailed
		}
	}
	s.log.Info("refund", "order", row.orderID, "refund", row.id, "reason", row.reason, "amount", row.amount,
		"result", state, "provider_error", errCode(res.err))

	wctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), s.cfg.ResponseBudget)
	defer cancel()
	err := s.st.tx(wctx, func(tx *sql.Tx) error {
		if _, err := setRefundState(wctx, tx, row.id, state, providerID); err != nil {
			return err
		}
		if state == refundSucceeded {
			return syncRefunded(wctx, tx, row.orderID)
		}
		return nil
	})
	if err != nil {
		s.log.Error("record refund", "refund", row.id, "err", err)
		return refundUnknown
	}
	if state == refundFailed && !res.sent && fresh {
		return refundNotSent
	}
	return state
}

// answerOrder writes order id's current state.
func (s *Shop) answerOrder(w http.ResponseWriter, ctx context.Context, id string, status int, replayed bool) {
	o, err := getOrder(ctx, s.st.db, id)
	if err != nil {
		s.log.Error("load order", "order", id, "err", err)
		writeError(w, errInternal)
		return
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, status, o)
}

func (s *Shop) handleCancel(w http.ResponseWriter, r *http.Request) {
	cus, e := s.customer(r)
	if e != nil {
		writeError(w, e)
		return
	}
	o, e := s.ownedOrder(r, cus)
	if e != nil {
		writeError(w, e)
		return
	}
	ctx := r.Context()
	switch o.Status {
	case StatusCanceled:
		s.answerOrder(w, ctx, o.ID, http.StatusOK, true)
		return
	case StatusFailed, StatusRefunded:
		writeError(w, errNotCancelable)
		return
	}
	if s.flawed(FlawNoRefundOnCancel) {
		// Cancel and forget whatever was captured.
		if _, err := updateOrder(ctx, s.st.db, o.ID, orderChange{status: StatusCanceled}, StatusPending, StatusPaid); err != nil {
			s.log.Error("cancel order", "order", o.ID, "err", err)
			writeError(w, errInternal)
			return
		}
		s.answerOrder(w, ctx, o.ID, http.StatusOK, false)
		return
	}
	// The order is canceled and marked refund-due in one transaction: any
	// capture of it, now or later, is refunded by this request or by the
	// reconciler.
	var row refundRow
	err := s.st.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getOrder(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		changed, err := updateOrder(ctx, tx, o.ID, orderChange{status: StatusCanceled, refundDue: ptr(true)},
			StatusPending, StatusPaid)
		if err != nil {
			return err
		}
		if !changed {
			return errNotCancelable
		}
		if cur.Status != StatusPaid {
			return nil
		}
		reserved, err := reservedRefunds(ctx, tx, o.ID, cur.PaymentIntent)
		if err != nil {
			return err
		}
		left := cur.Amount - max(reserved, cur.Refunded)
		if left <= 0 {
			return nil
		}
		row = refundRow{id: newRefundID(), orderID: o.ID, reason: reasonCancel, paymentIntent: cur.PaymentIntent, amount: left}
		row.key = "refund/" + row.id
		return insertRefund(ctx, tx, row)
	})
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		writeError(w, ae)
		return
	case err != nil:
		s.log.Error("cancel order", "order", o.ID, "err", err)
		writeError(w, errInternal)
		return
	}
	if row.id != "" && !s.breakerOpen() {
		s.runRefund(row, true) // whatever the answer, the reconciler finishes it
	}
	s.answerOrder(w, ctx, o.ID, http.StatusOK, false)
}

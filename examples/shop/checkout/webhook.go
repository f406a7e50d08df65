package checkout

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/stripe/stripe-go/v84"
	"github.com/stripe/stripe-go/v84/webhook"
)

// maxWebhookBytes bounds a webhook body; events carry whole objects.
const maxWebhookBytes = 256 << 10

// webhookAnswer is the body of a 2xx answer to a webhook delivery.
type webhookAnswer struct {
	Received bool   `json:"received"`
	Result   string `json:"result"`
}

// Results of applying an event.
const (
	eventApplied   = "applied"   // the order changed
	eventDuplicate = "duplicate" // this event id was seen before
	eventStale     = "stale"     // older than what the order already knows
	eventIgnored   = "ignored"   // not about any order of this shop, or no change
)

func (s *Shop) handleWebhook(w http.ResponseWriter, r *http.Request) {
	body, e := s.readBody(w, r, maxWebhookBytes)
	if e != nil {
		writeError(w, e)
		return
	}
	ev, e := s.verifyWebhook(body, r.Header.Get("Stripe-Signature"))
	if e != nil {
		s.log.Warn("webhook rejected", "code", e.code)
		writeError(w, e)
		return
	}
	result, err := s.applyEvent(r.Context(), ev)
	if err != nil {
		// A 5xx makes the provider deliver it again later.
		s.log.Error("apply webhook", "event", ev.ID, "type", string(ev.Type), "err", err)
		writeError(w, errInternal)
		return
	}
	s.log.Info("webhook", "event", ev.ID, "type", string(ev.Type), "result", result)
	writeJSON(w, http.StatusOK, webhookAnswer{Received: true, Result: result})
}

// verifyWebhook checks a delivery's signature and age with stripe-go's
// webhook.ConstructEvent (HMAC-SHA256 over "t.body", 300s tolerance) and
// parses it.
func (s *Shop) verifyWebhook(body []byte, sig string) (stripe.Event, *apiError) {
	var ev stripe.Event
	if s.flawed(FlawTrustWebhooks) {
		if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" {
			return ev, errorf(http.StatusBadRequest, "invalid_event", "the body is not an event")
		}
		return ev, nil
	}
	if s.cfg.WebhookSecret == "" {
		return ev, errWebhooksOff
	}
	var err error
	switch {
	case s.flawed(FlawNoWebhookTolerance):
		ev, err = webhook.ConstructEventIgnoringTolerance(body, sig, s.cfg.WebhookSecret)
	case s.flawed(FlawWebhookToleranceUnit):
		ev, err = webhook.ConstructEventWithTolerance(body, sig, s.cfg.WebhookSecret, 300)
	default:
		ev, err = webhook.ConstructEvent(body, sig, s.cfg.WebhookSecret)
	}
	if err != nil {
		return ev, errBadSignature
	}
	if ev.ID == "" {
		return ev, errorf(http.StatusBadRequest, "invalid_event", "the event has no id")
	}
	return ev, nil
}

// eventKind is what an event says about a payment.
type eventKind int

const (
	kindOther eventKind = iota
	kindSucceeded
	kindFailed
	kindRefunded
)

// eventFacts is the part of an event the shop acts on.
type eventFacts struct {
	id       string
	typ      string
	created  int64
	kind     eventKind
	orderID  string
	pi       string
	refunded int64 // charge.amount_refunded, for kindRefunded
}

func factsOf(ev stripe.Event) (eventFacts, error) {
	f := eventFacts{id: ev.ID, typ: string(ev.Type), created: ev.Created}
	if ev.Data == nil {
		return f, nil
	}
	switch ev.Type {
	case "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled":
		var pi stripe.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
			return f, err
		}
		f.pi, f.orderID = pi.ID, pi.Metadata["order_id"]
		f.kind = kindFailed
		if ev.Type == "payment_intent.succeeded" {
			f.kind = kindSucceeded
		}
	case "checkout.session.completed", "checkout.session.expired":
		return f, sessionFacts(ev, &f)
	case "charge.refunded":
		var ch stripe.Charge
		if err := json.Unmarshal(ev.Data.Raw, &ch); err != nil {
			return f, err
		}
		if ch.PaymentIntent != nil {
			f.pi = ch.PaymentIntent.ID
		}
		f.orderID = ch.Metadata["order_id"]
		f.kind, f.refunded = kindRefunded, ch.AmountRefunded
	}
	return f, nil
}

// applyEvent applies a verified event to its order, once per event id.
func (s *Shop) applyEvent(ctx context.Context, ev stripe.Event) (string, error) {
	f, err := factsOf(ev)
	if err != nil {
		// A signed event we cannot read: acknowledge it, it will not read
		// better next time.
		s.log.Warn("unreadable event", "event", ev.ID, "type", string(ev.Type))
		f.kind = kindOther
	}
	result := eventIgnored
	err = s.st.tx(ctx, func(tx *sql.Tx) error {
		var seen int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_events WHERE id = ?`, f.id).Scan(&seen); err != nil {
			return err
		}
		if seen > 0 {
			result = eventDuplicate
			return nil
		}
		if f.kind != kindOther {
			o, err := s.eventOrder(ctx, tx, f)
			switch {
			case errors.Is(err, errNotFound):
			case err != nil:
				return err
			default:
				ch, r := s.eventTransition(o, f)
				result = r
				if r == eventApplied {
					if _, err := updateOrder(ctx, tx, o.ID, ch); err != nil {
						return err
					}
				}
			}
		}
		_, err := recordEvent(ctx, tx, f.id, f.typ, f.created, result)
		return err
	})
	return result, err
}

// eventOrder finds the order an event is about: by metadata['order_id'],
// else by the PaymentIntent it names.
func (s *Shop) eventOrder(ctx context.Context, q queryer, f eventFacts) (Order, error) {
	if f.orderID != "" {
		o, err := getOrder(ctx, q, f.orderID)
		if !errors.Is(err, errNotFound) {
			return o, err
		}
	}
	return getOrderByPI(ctx, q, f.pi)
}

// eventTransition decides what event f does to order o. Events only move
// an order forward (pending → paid → refunded, pending → failed); an event
// older than the newest one applied to the order changes nothing. A
// capture for an order that is no longer waiting for one is marked for
// refund instead of reviving the order.
func (s *Shop) eventTransition(o Order, f eventFacts) (orderChange, string) {
	if s.flawed(FlawWebhookOrderBlind) {
		return blindTransition(o, f), eventApplied
	}
	if f.created < o.lastEventAt {
		return orderChange{}, eventStale
	}
	ch := orderChange{lastEventAt: f.created}
	switch f.kind {
	case kindSucceeded:
		switch {
		case o.Status == StatusPending:
			ch.status, ch.paymentIntent = StatusPaid, f.pi
		case (o.Status == StatusPaid || o.Status == StatusRefunded) && o.PaymentIntent == f.pi:
			return ch, eventIgnored
		default:
			// A capture the order must not keep: a canceled or failed
			// order, or a second payment of a paid one.
			ch.refundDue = ptr(true)
		}
	case kindFailed:
		if o.Status != StatusPending || (o.PaymentIntent != "" && o.PaymentIntent != f.pi) {
			return ch, eventStale
		}
		ch.status, ch.paymentIntent, ch.failureCode = StatusFailed, f.pi, "payment_failed"
	case kindRefunded:
		if f.pi == "" || f.pi != o.PaymentIntent || o.Status == StatusPending || o.Status == StatusFailed {
			return ch, eventIgnored
		}
		if f.refunded <= o.Refunded {
			return ch, eventStale
		}
		ch.refunded = f.refunded
		if o.Status == StatusPaid && f.refunded >= o.Amount {
			ch.status = StatusRefunded
		}
	}
	return ch, eventApplied
}

// blindTransition is what a shop that trusts event order does: whatever
// the event says becomes the order's state.
func blindTransition(o Order, f eventFacts) orderChange {
	switch f.kind {
	case kindSucceeded:
		return orderChange{status: StatusPaid, paymentIntent: f.pi}
	case kindFailed:
		return orderChange{status: StatusFailed, paymentIntent: f.pi, failureCode: "payment_failed"}
	case kindRefunded:
		st := StatusPaid
		if f.refunded >= o.Amount {
			st = StatusRefunded
		}
		return orderChange{status: st, setRefunded: ptr(f.refunded)}
	}
	return orderChange{}
}

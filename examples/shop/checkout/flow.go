package checkout

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/stripe/stripe-go/v84"
)

// Flow is how the shop takes a payment. Every flow is correct; they
// differ in who gives the provider the card.
type Flow string

const (
	// FlowServerConfirm (the default): POST /orders carries a payment
	// method; the shop creates and confirms the PaymentIntent.
	FlowServerConfirm Flow = "server_confirm"
	// FlowClientConfirm (Payment Element): the shop creates the
	// PaymentIntent unconfirmed and answers its client_secret; the
	// customer's browser confirms it at the provider. The webhook
	// payment_intent.succeeded marks the order paid; the reconciler
	// retrieves the PaymentIntent the order keeps.
	FlowClientConfirm Flow = "client_confirm"
	// FlowCheckoutSession: the shop creates a Checkout Session and answers
	// its id and url; the customer pays on the provider's hosted page.
	// checkout.session.completed (or payment_intent.succeeded) marks the
	// order paid, checkout.session.expired fails it; the reconciler
	// retrieves the session the order keeps.
	FlowCheckoutSession Flow = "checkout_session"
)

// parseFlow reads SHOP_FLOW.
func parseFlow(s string) (Flow, error) {
	switch f := Flow(strings.TrimSpace(s)); f {
	case "", FlowServerConfirm:
		return FlowServerConfirm, nil
	case FlowClientConfirm, FlowCheckoutSession:
		return f, nil
	}
	return "", fmt.Errorf("%q: want %s, %s or %s", s, FlowServerConfirm, FlowClientConfirm, FlowCheckoutSession)
}

// browser reports whether the customer's browser gives the card to the
// provider: POST /orders then carries none.
func (f Flow) browser() bool { return f == FlowClientConfirm || f == FlowCheckoutSession }

// awaitsCustomer reports whether pi waits for the customer's browser to
// give it a card: not a failure in the browser flows, where the shop
// created it that way and a declined customer may try again.
func (s *Shop) awaitsCustomer(pi *stripe.PaymentIntent) bool {
	return s.cfg.Flow.browser() && pi != nil && pi.Status == stripe.PaymentIntentStatusRequiresPaymentMethod
}

// sessionsSchema keeps the Checkout Session of each order paid by one.
const sessionsSchema = `
CREATE TABLE IF NOT EXISTS checkout_sessions (
  order_id   TEXT PRIMARY KEY REFERENCES orders(id),
  session_id TEXT NOT NULL,
  url        TEXT NOT NULL
);`

// initFlow creates what the shop's flow keeps beside the orders.
func (s *Shop) initFlow(ctx context.Context) error {
	if s.cfg.Flow != FlowCheckoutSession {
		return nil
	}
	if _, err := s.st.db.ExecContext(ctx, sessionsSchema); err != nil {
		return fmt.Errorf("create checkout sessions table: %w", err)
	}
	return nil
}

// createPayment makes the provider object of one try of attempt a: a
// confirmed PaymentIntent (server confirm), an unconfirmed one (client
// confirm), or a Checkout Session, recorded before its answer is given.
// For a session it returns a PaymentIntent that awaits the customer, with
// no id: the session makes its own when the customer pays.
func (s *Shop) createPayment(ctx context.Context, o Order, a attempt, try int) (*stripe.PaymentIntent, error) {
	if s.cfg.Flow != FlowCheckoutSession {
		return s.sc.V1PaymentIntents.Create(ctx, s.paymentParams(o, a, try))
	}
	cs, err := s.sc.V1CheckoutSessions.Create(ctx, s.sessionParams(o, a, try))
	if err != nil {
		return nil, err
	}
	if _, err := s.st.db.ExecContext(ctx, `INSERT INTO checkout_sessions (order_id, session_id, url) VALUES (?, ?, ?)
 ON CONFLICT(order_id) DO UPDATE SET session_id = excluded.session_id, url = excluded.url`, o.ID, cs.ID, cs.URL); err != nil {
		// Not recorded, not answered: the customer never sees the page,
		// and the session expires unpaid.
		return nil, fmt.Errorf("record checkout session: %w", err)
	}
	return &stripe.PaymentIntent{Status: stripe.PaymentIntentStatusRequiresPaymentMethod}, nil
}

// confirmParams drops what the browser gives in the client flow: the
// card, and the confirmation.
func (s *Shop) confirmParams(p *stripe.PaymentIntentCreateParams) {
	if s.cfg.Flow == FlowClientConfirm {
		p.PaymentMethod, p.Confirm = nil, nil
	}
}

// sessionParams are a Checkout Session's create parameters: one line of
// the order's amount, the order id as client_reference_id (and in the
// payment's metadata when the shop tags it).
func (s *Shop) sessionParams(o Order, a attempt, try int) *stripe.CheckoutSessionCreateParams {
	p := &stripe.CheckoutSessionCreateParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		ClientReferenceID: stripe.String(o.ID),
		SuccessURL:        stripe.String("https://shop.example/orders/" + o.ID + "?session={CHECKOUT_SESSION_ID}"),
		CancelURL:         stripe.String("https://shop.example/orders/" + o.ID),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(o.Currency),
				UnitAmount:  stripe.Int64(a.amount),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("order " + o.ID)},
			},
		}},
	}
	if s.tagsMetadata() {
		p.PaymentIntentData = &stripe.CheckoutSessionCreatePaymentIntentDataParams{
			Metadata: map[string]string{"order_id": o.ID, "attempt": fmt.Sprint(a.n)},
		}
		p.AddMetadata("order_id", o.ID)
	}
	p.SetIdempotencyKey(s.providerKey(a, try))
	return p
}

// browserAnswer adds to a checkout's answer what the customer's browser
// needs: the client_secret, or the session's id and url.
func (s *Shop) browserAnswer(ctx context.Context, o *Order, pi *stripe.PaymentIntent) {
	switch s.cfg.Flow {
	case FlowClientConfirm:
		if pi != nil && o.Status == StatusPending {
			o.ClientSecret = pi.ClientSecret
		}
	case FlowCheckoutSession:
		err := s.st.db.QueryRowContext(ctx, `SELECT session_id, url FROM checkout_sessions WHERE order_id = ?`, o.ID).Scan(&o.CheckoutSession, &o.CheckoutURL)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			s.log.Error("load checkout session", "order", o.ID, "err", err)
		}
	}
}

// resolveSession settles a pending order paid by a Checkout Session from
// the session the order keeps: paid when it completed paid, failed when
// it expired, pending while it is open or its payment is processing. It
// reports whether the order had a session to go by.
func (s *Shop) resolveSession(ctx context.Context, o Order, sum *ReconcileSummary) (bool, error) {
	if s.cfg.Flow != FlowCheckoutSession {
		return false, nil
	}
	var id string
	err := s.st.db.QueryRowContext(ctx, `SELECT session_id FROM checkout_sessions WHERE order_id = ?`, o.ID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // the session's creation answer was lost: re-sent like any attempt
	}
	if err != nil {
		return true, err
	}
	var cs *stripe.CheckoutSession
	err = s.send(ctx, func(ctx context.Context) error {
		got, err := s.sc.V1CheckoutSessions.Retrieve(ctx, id, nil)
		cs = got
		return err
	})
	if err != nil {
		return true, fmt.Errorf("retrieve %s: %s", id, errCode(err))
	}
	var dec decision
	switch {
	case cs.Status == stripe.CheckoutSessionStatusComplete && cs.PaymentStatus == stripe.CheckoutSessionPaymentStatusPaid && cs.PaymentIntent != nil:
		dec = decision{status: StatusPaid, attemptState: attemptSucceeded, paymentIntent: cs.PaymentIntent.ID}
		sum.Paid++
	case cs.Status == stripe.CheckoutSessionStatusExpired:
		dec = decision{status: StatusFailed, attemptState: attemptFailed, failureCode: "checkout_expired"}
		if cs.PaymentIntent != nil {
			dec.paymentIntent = cs.PaymentIntent.ID
		}
		sum.Failed++
	default:
		sum.StillPending++
		return true, nil
	}
	return true, s.settle(ctx, o, dec, false)
}

// sessionFacts reads a checkout.session.* event: completed and paid is
// the order's payment, expired its failure.
func sessionFacts(ev stripe.Event, f *eventFacts) error {
	var cs stripe.CheckoutSession
	if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
		return err
	}
	f.orderID = cs.ClientReferenceID
	if cs.PaymentIntent != nil {
		f.pi = cs.PaymentIntent.ID
	}
	switch {
	case ev.Type == "checkout.session.completed" && cs.PaymentStatus == stripe.CheckoutSessionPaymentStatusPaid:
		f.kind = kindSucceeded
	case ev.Type == "checkout.session.expired":
		f.kind = kindFailed
	}
	return nil
}

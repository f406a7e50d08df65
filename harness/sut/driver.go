package sut

import (
	"context"

	"github.com/paychaos/paychaos/harness/history"
)

// Customer is one of the SUT's customers, as the harness calls it.
type Customer struct {
	ID    string `json:"id" yaml:"id"`
	Token string `json:"token" yaml:"token"`
}

// PayRequest asks the SUT to create an order and pay for it.
type PayRequest struct {
	Customer      Customer
	Amount        int64
	Currency      string
	PaymentMethod string
	// Key is the client's idempotency key for the checkout.
	Key string
}

// Reply is what the SUT answered. Transport failures are errors instead:
// they leave the outcome unknown.
type Reply struct {
	HTTPStatus int
	// Order is the order the answer describes; its ID is empty when the
	// answer named none.
	Order history.Order
	// Code is the SUT's stable error code, when it gave one.
	Code string
	// Body is an excerpt of the raw answer.
	Body string
	// ClientSecret is the PaymentIntent's client_secret a client_confirm
	// SUT answers, for the browser to confirm with.
	ClientSecret string
	// CheckoutURL is the hosted page a checkout_session SUT sends its
	// customer to (Order.CheckoutSession carries the session's id).
	CheckoutURL string
}

// Driver is the least a SUT must offer: pay for an order, read one back.
type Driver interface {
	Pay(ctx context.Context, r PayRequest) (Reply, error)
	Get(ctx context.Context, c Customer, orderID string) (Reply, error)
}

// Flower is implemented by a Driver whose SUT takes payments in a flow
// other than FlowServerConfirm; a Driver that is not one confirms on the
// server.
type Flower interface {
	Flow() Flow
}

// FlowOf is d's flow.
func FlowOf(d Driver) Flow {
	if f, ok := d.(Flower); ok {
		return f.Flow().OrDefault()
	}
	return FlowServerConfirm
}

// Lister lists a customer's orders, so that the harness finds orders whose
// creation answer it never saw.
type Lister interface {
	Orders(ctx context.Context, c Customer) ([]history.Order, error)
}

// ListOffer is implemented by a Lister that may not list at all (an
// HTTPDriver whose target has no list call); it then answers
// ErrUnsupported.
type ListOffer interface {
	Lists() bool
}

// Lists reports whether d lists every order of a customer: a Lister that
// does not say otherwise through ListOffer. The checker holds a payment
// no listed order claims against the SUT; orders read one by one prove
// nothing about the orders never seen.
func Lists(d Driver) bool {
	if _, ok := d.(Lister); !ok {
		return false
	}
	if o, ok := d.(ListOffer); ok {
		return o.Lists()
	}
	return true
}

// Refunder refunds an order, partly or fully.
type Refunder interface {
	Refund(ctx context.Context, c Customer, orderID string, amount int64) (Reply, error)
}

// Canceler cancels an order.
type Canceler interface {
	Cancel(ctx context.Context, c Customer, orderID string) (Reply, error)
}

// Reconciler asks the SUT to resolve its pending payments now rather than
// on its own schedule.
type Reconciler interface {
	Reconcile(ctx context.Context) error
}

// WebhookReceiver is where the provider delivers events. The harness puts
// a proxy link in front of it and sends forged webhooks at it.
type WebhookReceiver interface {
	// WebhookURL is the SUT's webhook endpoint URL.
	WebhookURL() string
}

// Sender sends raw HTTP requests at the SUT, for malicious clients.
type Sender interface {
	Send(ctx context.Context, req RawRequest) (Reply, error)
}

// RawRequest is a hand-made request to the SUT.
type RawRequest struct {
	Method   string
	Path     string
	Header   map[string]string
	Body     []byte
	Customer Customer
}

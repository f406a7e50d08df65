package history

import "time"

// Outcome is what is known about whether an operation took effect.
type Outcome string

const (
	// OK: the operation took effect and the caller was told so.
	OK Outcome = "ok"
	// Fail: the operation provably did not take effect.
	Fail Outcome = "fail"
	// Unknown: it may have taken effect (timeout, reset, 5xx after
	// sending, a pending answer). Checks must treat it as possibly applied.
	Unknown Outcome = "unknown"
)

// Kind is the kind of operation a client performed against the SUT.
type Kind string

const (
	Pay     Kind = "pay"
	Get     Kind = "get"
	Refund  Kind = "refund"
	Cancel  Kind = "cancel"
	Webhook Kind = "webhook" // a webhook sent at the SUT by the harness (forged, replayed...)
	Attack  Kind = "attack"  // a malicious request
	Health  Kind = "health"
	// Confirm is the customer's browser confirming a PaymentIntent at the
	// provider with its client_secret (flow client_confirm).
	Confirm Kind = "browser-confirm"
	// CheckoutPage is the customer on the provider's hosted Checkout page
	// (flow checkout_session): paying there, or abandoning it (Name
	// "abandon").
	CheckoutPage Kind = "browser-checkout"
)

// Phase places an operation relative to the fault window.
type Phase string

const (
	Before Phase = "before"
	During Phase = "during"
	After  Phase = "after"
)

// Op is one recorded operation. Times are offsets from the recorder's
// start on the monotonic clock.
type Op struct {
	ID       int    `json:"id"`
	Client   int    `json:"client"`
	Kind     Kind   `json:"kind"`
	Order    string `json:"order,omitempty"`
	Customer string `json:"customer,omitempty"`
	Key      string `json:"key,omitempty"` // the client's idempotency key
	Amount   int64  `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
	// PaymentMethod is the provider test payment method used.
	PaymentMethod string        `json:"payment_method,omitempty"`
	Call          time.Duration `json:"call"`
	// Due is when an open-loop arrival was scheduled to go out (zero for
	// closed-loop traffic): its latency for a customer counts from here,
	// whatever held the harness back.
	Due     time.Duration `json:"due,omitempty"`
	Return  time.Duration `json:"return"`
	Outcome Outcome       `json:"outcome"`
	// Status is the order status the SUT reported in its answer.
	Status     Status `json:"status,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	// Code is the SUT's stable error code, when it gave one.
	Code  string `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
	Phase Phase  `json:"phase,omitempty"`
	// Name names the attack or webhook variant for Attack and Webhook ops.
	Name string `json:"name,omitempty"`
	// Expect is the safe answer an attack must get (saved as its text,
	// e.g. "4xx, no state change").
	Expect Expect `json:"expect,omitzero"`
	// Before and After are the target order's status around an attack.
	Before Status `json:"before,omitempty"`
	After  Status `json:"after,omitempty"`
	// Body is an excerpt of the SUT's response, kept for the secret-leak check.
	Body string `json:"body,omitempty"`
}

// Latency is how long the operation took.
func (o Op) Latency() time.Duration { return o.Return - o.Call }

// Status is an order's state as the SUT reports it, in the harness's
// vocabulary (a target's own words are mapped onto these).
type Status string

const (
	StatusPending  Status = "pending"
	StatusPaid     Status = "paid"
	StatusFailed   Status = "failed"
	StatusCanceled Status = "canceled"
	StatusRefunded Status = "refunded"
	StatusNone     Status = "" // no order, or the SUT did not say
)

// Order is an order as the SUT reports it at the end of a run.
type Order struct {
	ID       string `json:"id"`
	Customer string `json:"customer,omitempty"`
	Status   Status `json:"status"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// Refunded is the amount the SUT says it refunded.
	Refunded int64 `json:"refunded,omitempty"`
	// PaymentIntents and CheckoutSession are the provider's ids the SUT
	// keeps for the order, when it says: the checker joins payments to
	// orders by them before it looks at payment metadata.
	PaymentIntents  []string `json:"payment_intents,omitempty"`
	CheckoutSession string   `json:"checkout_session,omitempty"`
}

package fakeprovider

import "time"

// Snapshot is the provider's ledger at one instant. It is the checker's
// ground truth: what the provider actually did with the money, whatever
// the system under test believes. It is plain data so that a run can be
// saved and re-checked offline.
type Snapshot struct {
	Taken          time.Time       `json:"taken"`
	PaymentIntents []PaymentRecord `json:"payment_intents"`
	Charges        []ChargeRecord  `json:"charges"`
	Refunds        []RefundRecord  `json:"refunds"`
	Events         []EventRecord   `json:"events"`
	Deliveries     []Delivery      `json:"deliveries"`
	Faults         []FaultStatus   `json:"faults"`
	// CheckoutSessions joins a service's Checkout Sessions to the
	// PaymentIntents that paid them.
	CheckoutSessions []SessionRecord `json:"checkout_sessions,omitempty"`
	// UnknownRoutes counts requests to routes the provider does not serve;
	// a healthy integration makes none.
	UnknownRoutes int64 `json:"unknown_routes"`
	// UnknownParams counts requests rejected for a parameter the route
	// does not take (400 parameter_unknown).
	UnknownParams int64 `json:"unknown_params"`
	// Requests counts every API request received, by "METHOD /route".
	Requests map[string]int64 `json:"requests,omitempty"`
}

// PaymentRecord is the ledger's view of a PaymentIntent.
type PaymentRecord struct {
	ID       string `json:"id"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// Status is Stripe's PaymentIntent status (requires_payment_method,
	// requires_confirmation, requires_action, processing,
	// requires_capture, succeeded, canceled).
	Status           string            `json:"status"`
	CaptureMethod    string            `json:"capture_method"`
	AmountCapturable int64             `json:"amount_capturable"`
	AmountReceived   int64             `json:"amount_received"`
	LatestCharge     string            `json:"latest_charge,omitempty"`
	PaymentMethod    string            `json:"payment_method,omitempty"`
	Metadata         map[string]string `json:"metadata,omitempty"`
	IdempotencyKey   string            `json:"idempotency_key,omitempty"`
	Created          time.Time         `json:"created"`
}

// OrderID is the order the payment belongs to, from metadata[order_id].
func (p PaymentRecord) OrderID() string { return p.Metadata["order_id"] }

// ChargeRecord is the ledger's view of a Charge: one attempt to move money.
type ChargeRecord struct {
	ID             string `json:"id"`
	PaymentIntent  string `json:"payment_intent"`
	Amount         int64  `json:"amount"`
	AmountCaptured int64  `json:"amount_captured"`
	AmountRefunded int64  `json:"amount_refunded"`
	Currency       string `json:"currency"`
	// Status is succeeded, pending or failed.
	Status   string `json:"status"`
	Captured bool   `json:"captured"`
	Refunded bool   `json:"refunded"`
	// Released is the authorised but never captured amount given back
	// (a cancel in requires_capture, or the rest of a partial capture).
	// It is not in AmountRefunded, which counts only captured money
	// returned by refunds; Stripe's wire object adds both together.
	Released    int64             `json:"released,omitempty"`
	FailureCode string            `json:"failure_code,omitempty"`
	DeclineCode string            `json:"decline_code,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Created     time.Time         `json:"created"`
}

// RefundRecord is the ledger's view of a Refund.
type RefundRecord struct {
	ID            string    `json:"id"`
	Charge        string    `json:"charge"`
	PaymentIntent string    `json:"payment_intent"`
	Amount        int64     `json:"amount"`
	Currency      string    `json:"currency"`
	Status        string    `json:"status"`
	Reason        string    `json:"reason,omitempty"`
	Created       time.Time `json:"created"`
}

// EventRecord is one emitted Event.
type EventRecord struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	ObjectID string    `json:"object_id"`
	Created  time.Time `json:"created"`
	// RequestID is the API request that caused the event; empty for
	// changes the provider made on its own (a payment settling).
	RequestID string `json:"request_id,omitempty"`
}

// Delivery is one attempt to deliver an event to a webhook endpoint.
type Delivery struct {
	EventID  string    `json:"event_id"`
	Endpoint string    `json:"endpoint"`
	Attempt  int       `json:"attempt"`
	Status   int       `json:"status"` // HTTP status, 0 when no response came
	Error    string    `json:"error,omitempty"`
	Fault    string    `json:"fault,omitempty"` // the webhook fault that acted on it, if any
	At       time.Time `json:"at"`
}

// FaultStatus is a configured fault and how many times it acted. A fault
// with zero hits proved nothing.
type FaultStatus struct {
	Fault Fault `json:"fault"`
	Hits  int64 `json:"hits"`
}

package fakeprovider

import "time"

// FaultKind names a provider-side misbehaviour.
type FaultKind string

// Fault is one provider-side misbehaviour, as data: it can be sent over the
// control API, saved with a run and shown in a report.
type Fault struct {
	ID   string    `json:"id,omitempty"`
	Kind FaultKind `json:"kind"`
	// Endpoint limits the fault to one route, written "METHOD /v1/path"
	// with ids as {id} (e.g. "POST /v1/payment_intents/{id}/confirm").
	// Empty means every API route.
	Endpoint string `json:"endpoint,omitempty"`
	// Status is the HTTP status the fault answers with, where it answers.
	Status int `json:"status,omitempty"`
	// Body shapes an error body: "json" (Stripe's envelope, the default),
	// "html" or "empty". stripe-go retries only the last two.
	Body string `json:"body,omitempty"`
	// Rate is the probability that the fault acts on a matching request;
	// 0 means always.
	Rate float64 `json:"rate,omitempty"`
	// Count bounds how many times the fault acts; 0 means no bound.
	Count int64 `json:"count,omitempty"`
	// Delay and Jitter are used by the slow and hang kinds.
	Delay  time.Duration `json:"delay,omitempty"`
	Jitter time.Duration `json:"jitter,omitempty"`
	// Seed makes Rate and Jitter reproducible.
	Seed int64 `json:"seed,omitempty"`
}

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
	// Empty means every API route. For webhook kinds it is the webhook
	// endpoint's URL instead (empty: every endpoint).
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

	// Mode picks a variant of the kind: for commit_then_fail "error"
	// (default), "drop" or "hang"; for http_error "saved" keeps the error
	// under the request's idempotency key as Stripe does for errors raised
	// inside an endpoint (default: not saved, as for an error in front of
	// the API).
	Mode string `json:"mode,omitempty"`
	// DeclineCode is the decline a decline fault forces (default
	// generic_decline).
	DeclineCode string `json:"decline_code,omitempty"`
	// EventType limits a webhook fault to one event type
	// (e.g. "payment_intent.succeeded"). Empty means every event.
	EventType string `json:"event_type,omitempty"`
	// Window is how far back amnesia forgets idempotency keys, on the
	// provider's clock; 0 forgets them all.
	Window time.Duration `json:"window,omitempty"`
}

// API faults. Unless said otherwise they are matched by Endpoint and
// throttled by Rate, Count and Seed.
const (
	// FaultHTTPError answers Status (default 500) with Body before the
	// endpoint runs: nothing changes. A "json" body is Stripe's api_error
	// envelope (stripe-go v84 does not retry it); "html" and "empty" look
	// like a proxy's page (stripe-go retries them). A 429 gets code
	// rate_limit, a 409 idempotency_key_in_use. Mode "saved" stores the
	// answer under the idempotency key, so retries with the key replay it.
	FaultHTTPError FaultKind = "http_error"
	// FaultRateLimit answers 429 code rate_limit; stripe-go does not retry.
	// Every 429 carries Retry-After: Delay in whole seconds (at least 1).
	FaultRateLimit FaultKind = "rate_limit"
	// FaultLockTimeout answers 429 code lock_timeout; stripe-go retries it
	// with the same idempotency key.
	FaultLockTimeout FaultKind = "lock_timeout"
	// FaultIdempotencyConflict answers 409 idempotency_key_in_use, as when
	// a request with the same key is still running.
	FaultIdempotencyConflict FaultKind = "idempotency_conflict"
	// FaultCommitThenFail lets the endpoint run and commit (the payment is
	// made, the result saved under the idempotency key), then loses the
	// answer: Mode "error" sends Status (default 500) with Body, "drop"
	// closes the connection, "hang" holds it for Delay (0: until the
	// client gives up) and then closes it. The ambiguous case.
	FaultCommitThenFail FaultKind = "commit_then_fail"
	// FaultSlow delays the request by Delay plus up to ±Jitter before the
	// endpoint runs (the idempotency key is already in flight).
	FaultSlow FaultKind = "slow"
	// FaultShouldRetry adds Stripe-Should-Retry: true to a successful
	// answer; stripe-go then sends the request again.
	FaultShouldRetry FaultKind = "should_retry"
	// FaultTruncatedJSON commits, then sends the first half of the body
	// with status 200: the payment happened, the client sees an error.
	FaultTruncatedJSON FaultKind = "truncated_json"
	// FaultMalformedJSON commits, then sends a body that is not JSON.
	FaultMalformedJSON FaultKind = "malformed_json"
	// FaultWrongContentType commits, then labels the JSON text/html.
	FaultWrongContentType FaultKind = "wrong_content_type"
	// FaultDecline makes a confirmation fail with DeclineCode (default
	// generic_decline) whatever the card: 402 card_error.
	FaultDecline FaultKind = "decline"
	// FaultProcessing makes a successful confirmation stop in processing;
	// it settles after Delay (default WithProcessingDelay) and emits its
	// events then.
	FaultProcessing FaultKind = "force_processing"
	// FaultRequiresAction makes a confirmation stop in requires_action as
	// if the card needed 3-D Secure.
	FaultRequiresAction FaultKind = "force_requires_action"
	// FaultAway makes the provider refuse every API request (the control
	// API keeps working): the connection is closed without an answer, or,
	// when Status is set, answered with Status and Body. Without an
	// Endpoint it also holds webhook deliveries back until it is removed.
	// The ledger stays intact; remove the fault and the provider is back.
	FaultAway FaultKind = "away"
	// FaultAmnesia forgets, when added, the idempotency keys first seen in
	// the last Window (0: all of them). Its hits count the requests that
	// reused a forgotten key and so ran again instead of replaying.
	FaultAmnesia FaultKind = "amnesia"
)

// Webhook faults act on deliveries: Endpoint (if set) is the webhook
// URL, EventType (if set) the event type.
const (
	// FaultWebhookDrop never delivers the event.
	FaultWebhookDrop FaultKind = "webhook_drop"
	// FaultWebhookDuplicate delivers the event twice.
	FaultWebhookDuplicate FaultKind = "webhook_duplicate"
	// FaultWebhookDelay holds the event for Delay (±Jitter) first.
	FaultWebhookDelay FaultKind = "webhook_delay"
	// FaultWebhookReorder holds the event until the next event for the same
	// endpoint has been delivered (at most Delay, default 2s).
	FaultWebhookReorder FaultKind = "webhook_reorder"
	// FaultWebhookBadSignature signs with the wrong secret.
	FaultWebhookBadSignature FaultKind = "webhook_bad_signature"
	// FaultWebhookStale signs with a timestamp Delay old (default 10
	// minutes), beyond stripe-go's 300s tolerance.
	FaultWebhookStale FaultKind = "webhook_stale"
	// FaultWebhookEarly delivers the event before the API answer that
	// caused it is sent (the answer waits up to Delay, default 5s).
	FaultWebhookEarly FaultKind = "webhook_early"
	// FaultWebhookAPIVersion stamps the event with another release train
	// (basil), which stripe-go v84's ConstructEvent rejects.
	FaultWebhookAPIVersion FaultKind = "webhook_api_version"
)

// FaultKinds lists every kind the provider knows.
func FaultKinds() []FaultKind {
	return []FaultKind{
		FaultHTTPError, FaultRateLimit, FaultLockTimeout, FaultIdempotencyConflict, FaultCommitThenFail,
		FaultSlow, FaultShouldRetry, FaultTruncatedJSON, FaultMalformedJSON, FaultWrongContentType,
		FaultDecline, FaultProcessing, FaultRequiresAction, FaultAway, FaultAmnesia,
		FaultWebhookDrop, FaultWebhookDuplicate, FaultWebhookDelay, FaultWebhookReorder,
		FaultWebhookBadSignature, FaultWebhookStale, FaultWebhookEarly, FaultWebhookAPIVersion,
	}
}

// Modes of FaultCommitThenFail and FaultHTTPError.
const (
	ModeError = "error"
	ModeDrop  = "drop"
	ModeHang  = "hang"
	ModeSaved = "saved"
)

// Bodies of error answers.
const (
	BodyJSON  = "json"
	BodyHTML  = "html"
	BodyEmpty = "empty"
)

// Package fakeprovider is a stateful fake of Stripe's v1 payments API that
// the official stripe-go client (v84) talks to unmodified, and that can be
// told to misbehave the way a real provider does.
//
// A Provider is an http.Handler. Under /v1/ it serves PaymentIntents
// (create, confirm, capture, cancel, update, retrieve, list, search),
// Charges, Refunds and Events in Stripe's wire format: form-encoded
// requests with bracketed keys, JSON answers, Stripe's error envelopes,
// Request-Id headers and Stripe's idempotency rules. Test payment methods
// (pm_card_visa, pm_card_chargeDeclined, …) decide outcomes; every change
// emits an Event, delivered to webhook endpoints signed with
// Stripe-Signature so that webhook.ConstructEvent accepts it.
//
// Under /_paychaos/ is the control API (also reachable in process through
// the Provider's methods, and from another process through Client): the
// ledger Snapshot that checkers treat as ground truth, Reset, the clock,
// webhook endpoints, and faults. Faults are data (Fault) and count the
// times they acted, because a fault that never fired proves nothing.
package fakeprovider

// Package fakeprovider is a stateful fake of Stripe's v1 payments API that
// the official stripe-go client (v84) talks to unmodified, and that can be
// told to misbehave the way a real provider does.
//
// A Provider is an http.Handler. Under /v1/ it serves PaymentIntents
// (create, confirm, capture, cancel, update, retrieve, list, search),
// Charges (retrieve, list), Refunds (create, retrieve, update, cancel,
// list), Events (retrieve, list), Customers (create, retrieve, update,
// delete, list, search), PaymentMethods (create, retrieve, attach, detach,
// list), Products and Prices (create, retrieve, list) and Checkout
// Sessions in mode=payment (create, retrieve, list, line items, expire)
// in Stripe's wire format: form-encoded
// requests with bracketed keys, JSON answers, Stripe's error envelopes,
// Request-Id headers and Stripe's idempotency rules (replay with
// Idempotent-Replayed: true, 400 idempotency_error for another endpoint
// or other parameters, 409 while in flight, keys kept 24 hours of the
// provider's clock, one key space for the whole account). Test payment
// methods decide outcomes: pm_card_visa succeeds, pm_card_chargeDeclined
// and its siblings decline with Stripe's codes, pm_card_authenticationRequired
// stops in requires_action (complete it with Authenticate), and the
// provider's own pm_card_processing / pm_card_processingDeclined stay in
// processing and settle later. Every change emits an Event, delivered to
// webhook endpoints signed with Stripe-Signature so that
// webhook.ConstructEvent accepts it, with retries and backoff, stamped
// with each endpoint's API version.
//
// The browser's side is served too. The provider's publishable key
// (PublishableKey) retrieves and confirms a PaymentIntent with its
// client_secret, as Stripe.js does, and is refused elsewhere with
// Stripe's 403. A Checkout Session's url is a page under /pay/ on the
// provider's own address, paid with a form post of a test card (see
// hosted.go); tokens (tok_visa) and test card numbers stand for the test
// PaymentMethods.
//
// Under /_paychaos/ is the control API (see control.go), reachable in
// process through the Provider's methods and from another process through
// Client: the ledger Snapshot that checkers treat as ground truth, Reset,
// the clock, webhook endpoints, 3-D Secure completion, and faults. Faults
// are data (Fault, one FaultKind per misbehaviour) and count the times
// they acted, because a fault that never fired proves nothing.
//
// Unknown routes get Stripe's 404 and unknown parameters its 400
// parameter_unknown; both are counted in the Snapshot so a test can assert
// that an integration made none.
package fakeprovider

// Package checkout is paychaos's reference system under test: a small
// checkout service that pays through stripe-go v84 and fails safely when
// its payment provider misbehaves, written to be read.
//
// What "safely" takes, and where it lives:
//   - pay.go: the attempt is written before the provider call and its result
//     after; one idempotency key per attempt, reused by every retry; an
//     outcome that is not known leaves the order pending, never paid or
//     failed; a request that provably never reached the provider leaves no
//     order behind (503).
//   - provider.go: a per-request timeout well under the response budget,
//     bounded retries with seeded jitter on transport errors, 5xx and 429,
//     and a circuit breaker (sony/gobreaker) so checkout fails fast while
//     the provider is down.
//   - reconcile.go: pending orders are resolved from the provider (retrieve,
//     or search by metadata['order_id']), attempts the provider never saw
//     are re-sent with their own key, and captures that belong to canceled
//     or failed orders (or duplicate a payment) are refunded.
//   - webhook.go: deliveries are verified with webhook.ConstructEvent,
//     applied once per event id, and never move an order backwards.
//   - orders.go, refunds.go: the HTTP API; the server prices items, bounds
//     amounts, rejects unknown fields, and never echoes input in errors.
//
// Each safeguard can be switched off by one Flaw (flaws.go), at one place
// in the code marked by s.flawed(…), so that the scenarios can prove they
// notice. The HTTP contract is in README.md next to main.go.
package checkout

// Package attack is the catalogue of malicious requests paychaos sends at a
// system under test, and the runner that records what each one did.
//
// An Attack is a value: a name, the safe answer it expects (Expect, a
// history.Expect: the statuses the input-safety invariant allows, such as
// 4xx or 401, 403 and 404, and what the request may do) and a plan that builds its requests from the target's description (sut.Target)
// rather than from one service's routes: the pay, get, refund and cancel
// call templates are rendered with tampered data, or the rendered JSON
// body is mutated. An attack that a target cannot express (no refund call,
// no items, a second customer missing) is skipped with its reason, never
// silently passed.
//
// Run sends the catalogue at a SUT. For every request it reads the status
// of the order the request aims at before and after (with the owner's
// token), and records one history.Op with what the checker needs: Kind
// (Attack for requests at the API, Webhook for forged deliveries, Pay for
// the double submit whose harm only the ledger shows), Name, Expect,
// Before, After, HTTPStatus, Outcome and an excerpt of the answer. A
// request meant to create nothing that gets an order back is recorded
// against that order, from "none" to whatever the SUT made of it, so an
// order created by a malicious request reads as a state change. After
// each attack a health probe shows the SUT is still standing.
//
// The checker judges; this package only sends and records. Every attack
// sends a fixed number of requests, and only to the target's base URL.
package attack

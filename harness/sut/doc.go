// Package sut is the contract between paychaos and the system under test.
//
// A scenario needs to place and pay an order, read it back, deliver
// webhooks to the SUT and point the SUT's provider URL at the proxy. In Go
// that is the small Driver interface plus optional capabilities found by
// type assertion (Lister, Refunder, Canceler, Reconciler, WebhookReceiver,
// Process). For a SUT in any language, a Target describes the same HTTP
// calls as data; HTTPDriver speaks it. The reference shop is one such
// Target.
package sut

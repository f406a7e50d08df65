// Package sut is the contract between paychaos and the system under test.
//
// A scenario needs to place and pay an order, read it back, deliver
// webhooks to the SUT and point the SUT's provider URL at the proxy. In Go
// that is the small Driver interface plus optional capabilities found by
// type assertion (Lister, Refunder, Canceler, Reconciler, WebhookReceiver,
// Process). For a SUT in any language, a Target describes the same HTTP
// calls as data; HTTPDriver speaks it. The reference shop is one such
// Target.
//
// The checker joins the provider's payments to the orders by what the SUT
// keeps: the PaymentIntent ids an Order carries (history.Order's
// PaymentIntents, read from a Target's fields.payment_intent), else the
// order id in the payments' metadata (Instance.MetadataKey). A Driver
// whose answers carry neither leaves the payments unattributed.
package sut

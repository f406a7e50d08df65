package checkout

import (
	"fmt"
	"slices"
	"strings"
)

// Flaw names one safeguard of the shop that can be switched off. Each flaw
// is one switch in one place of the code, so that a reader can see exactly
// what the safeguard is and a scenario can prove that it matters.
type Flaw string

// The flaws. The README says, for each, what it breaks and which invariant
// should catch it.
const (
	// FlawNoIdempotencyKey sends provider writes without an
	// Idempotency-Key header, so a retried create makes a second payment.
	FlawNoIdempotencyKey Flaw = "no-idempotency-key"
	// FlawNewKeyPerRetry sends a fresh idempotency key on every retry of
	// the same payment attempt instead of reusing the attempt's key.
	FlawNewKeyPerRetry Flaw = "new-key-per-retry"
	// FlawNoTimeout calls the provider with no timeout and no budget, so a
	// provider that never answers holds checkout forever.
	FlawNoTimeout Flaw = "no-timeout"
	// FlawMarkPaidOnError marks an order paid when the provider call fails
	// with anything but a card decline.
	FlawMarkPaidOnError Flaw = "mark-paid-on-error"
	// FlawMarkFailedOnTimeout marks an order failed, for good, when the
	// provider call times out, although the payment may have gone through.
	FlawMarkFailedOnTimeout Flaw = "mark-failed-on-timeout"
	// FlawNoReconciler turns the reconciler into a no-op: pending orders
	// stay pending and stray captures are never refunded.
	FlawNoReconciler Flaw = "no-reconciler"
	// FlawTrustWebhooks applies webhook bodies without checking their
	// signature.
	FlawTrustWebhooks Flaw = "trust-webhooks"
	// FlawNoWebhookTolerance checks webhook signatures but not their
	// timestamp, so stale and replayed deliveries are accepted.
	FlawNoWebhookTolerance Flaw = "no-webhook-tolerance"
	// FlawWebhookOrderBlind applies every webhook as it comes, so an older
	// event can overwrite a newer state.
	FlawWebhookOrderBlind Flaw = "webhook-order-blind"
	// FlawClientAmount charges the amount the client sent instead of the
	// catalogue price of the items.
	FlawClientAmount Flaw = "client-amount"
	// FlawNoInputValidation lets any request body through to the database
	// and the provider.
	FlawNoInputValidation Flaw = "no-input-validation"
	// FlawNoRefundOnCancel cancels orders without refunding their capture.
	FlawNoRefundOnCancel Flaw = "no-refund-on-cancel"
	// FlawNoOrderLock lets a resubmitted order start another payment
	// attempt while the first may still be running or may have succeeded.
	FlawNoOrderLock Flaw = "no-order-lock"
	// FlawLogCardData logs checkout request bodies verbatim, card data
	// included.
	FlawLogCardData Flaw = "log-card-data"
	// FlawNoCircuitBreaker calls the provider even while it is known to be
	// down, so checkout waits out every timeout during an outage.
	FlawNoCircuitBreaker Flaw = "no-circuit-breaker"
	// FlawNoOwnershipCheck lets any customer read, cancel or refund any
	// order.
	FlawNoOwnershipCheck Flaw = "no-ownership-check"
	// FlawChargeInUSD charges every order in usd, whatever its currency:
	// a shop that only ever sold in dollars.
	FlawChargeInUSD Flaw = "charge-in-usd"
	// FlawWebhookToleranceUnit checks webhook timestamps with a tolerance
	// of 300 meant as seconds but passed as a time.Duration (300ns): every
	// genuine delivery is refused as too old.
	FlawWebhookToleranceUnit Flaw = "webhook-tolerance-unit"
	// FlawReconcilerGivesUp stops the background reconciler after its
	// first pass that failed (one provider error during an outage): only
	// an explicit reconcile resolves what is pending after that.
	FlawReconcilerGivesUp Flaw = "reconciler-gives-up"
	// FlawUnsentFailsKey records a checkout whose payment provably never
	// reached the provider as failed, for good, instead of forgetting it:
	// the customer's retry with the same Idempotency-Key is answered
	// failed ever after.
	FlawUnsentFailsKey Flaw = "unsent-fails-key"
	// FlawListAllOrders answers a customer's order list with every
	// customer's orders.
	FlawListAllOrders Flaw = "list-all-orders"
	// FlawRefundWithoutAmount sends refunds to the provider without their
	// amount, so a partial refund gives back the whole payment.
	FlawRefundWithoutAmount Flaw = "refund-without-amount"
)

// allFlaws is the catalogue, in the order the README lists them.
var allFlaws = []Flaw{
	FlawNoIdempotencyKey,
	FlawNewKeyPerRetry,
	FlawNoTimeout,
	FlawMarkPaidOnError,
	FlawMarkFailedOnTimeout,
	FlawNoReconciler,
	FlawTrustWebhooks,
	FlawNoWebhookTolerance,
	FlawWebhookOrderBlind,
	FlawClientAmount,
	FlawNoInputValidation,
	FlawNoRefundOnCancel,
	FlawNoOrderLock,
	FlawLogCardData,
	FlawNoCircuitBreaker,
	FlawNoOwnershipCheck,
	FlawChargeInUSD,
	FlawWebhookToleranceUnit,
	FlawReconcilerGivesUp,
	FlawUnsentFailsKey,
	FlawListAllOrders,
	FlawRefundWithoutAmount,
}

// AllFlaws returns every flaw the shop knows, so that a kill matrix can run
// the scenarios once per flaw.
func AllFlaws() []Flaw { return slices.Clone(allFlaws) }

// Valid reports whether f is a known flaw.
func (f Flaw) Valid() bool { return slices.Contains(allFlaws, f) }

// Flaws is the set of switched-off safeguards. The zero value is the safe
// shop.
type Flaws map[Flaw]bool

// Has reports whether f is switched on.
func (fs Flaws) Has(f Flaw) bool { return fs[f] }

// List returns the flaws switched on, in catalogue order.
func (fs Flaws) List() []Flaw {
	var out []Flaw
	for _, f := range allFlaws {
		if fs[f] {
			out = append(out, f)
		}
	}
	return out
}

// String is the comma-separated form ParseFlaws reads.
func (fs Flaws) String() string {
	names := make([]string, 0, len(fs))
	for _, f := range fs.List() {
		names = append(names, string(f))
	}
	return strings.Join(names, ",")
}

// ParseFlaws reads a comma-separated list of flaw names (SHOP_FLAWS). Spaces
// around names and empty items are ignored; an unknown name is an error
// that names it and lists the valid ones.
func ParseFlaws(s string) (Flaws, error) {
	fs := Flaws{}
	for _, part := range strings.Split(s, ",") {
		name := strings.TrimSpace(part)
		if name == "" {
			continue
		}
		f := Flaw(name)
		if !f.Valid() {
			valid := make([]string, len(allFlaws))
			for i, v := range allFlaws {
				valid[i] = string(v)
			}
			return nil, fmt.Errorf("unknown flaw %q (valid: %s)", name, strings.Join(valid, ", "))
		}
		fs[f] = true
	}
	return fs, nil
}

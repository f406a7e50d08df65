package checkout

import (
	"fmt"
	"slices"
	"strings"
)

// Correlation is how the shop lets the provider's payments be traced back
// to its orders. Either way its order answers carry every PaymentIntent id
// of the order (payment_intents).
type Correlation string

const (
	// CorrelateMetadata (the default) tags every PaymentIntent and refund
	// with metadata[order_id], and the reconciler also searches by it.
	CorrelateMetadata Correlation = "metadata"
	// CorrelatePaymentIntent tags nothing: like most services, the shop
	// keeps only the PaymentIntent ids it was given, and the reconciler
	// retrieves by them (a payment whose answer was lost is found again by
	// re-sending its attempt with the same idempotency key).
	CorrelatePaymentIntent Correlation = "payment_intent"
)

// parseCorrelation reads SHOP_CORRELATE.
func parseCorrelation(s string) (Correlation, error) {
	switch c := Correlation(strings.TrimSpace(s)); c {
	case "", CorrelateMetadata:
		return CorrelateMetadata, nil
	case CorrelatePaymentIntent:
		return c, nil
	}
	return "", fmt.Errorf("%q: want %s or %s", s, CorrelateMetadata, CorrelatePaymentIntent)
}

// tagsMetadata reports whether the shop names its orders in the
// provider's metadata.
func (s *Shop) tagsMetadata() bool { return s.cfg.Correlate != CorrelatePaymentIntent }

// paymentIntentsOf lists the order's own PaymentIntent first, then those
// of its attempts (group_concat of attempts.payment_intent), once each.
func paymentIntentsOf(own, attempts string) []string {
	var out []string
	if own != "" {
		out = append(out, own)
	}
	for _, pi := range strings.Split(attempts, ",") {
		if pi != "" && !slices.Contains(out, pi) {
			out = append(out, pi)
		}
	}
	return out
}

package checkout

import (
	"net/http"
	"testing"

	"github.com/paychaos/paychaos/fakeprovider"
)

// BenchmarkCheckout is one paid checkout end to end: HTTP in, SQLite
// before and after, stripe-go to the fake provider over loopback.
func BenchmarkCheckout(b *testing.B) {
	e := newEnv(b)
	b.ResetTimer()
	for b.Loop() {
		if r := e.pay(aliceToken, "", 1000, "pm_card_visa"); r.status != http.StatusCreated {
			b.Fatalf("%d %s", r.status, r.body)
		}
	}
}

// BenchmarkCheckoutBreakerOpen is a checkout while the breaker is open:
// what fail-fast costs.
func BenchmarkCheckoutBreakerOpen(b *testing.B) {
	e := newEnv(b)
	e.fault(fakeprovider.Fault{Kind: fakeprovider.FaultAway})
	e.pay(aliceToken, "", 1000, "pm_card_visa") // opens the breaker
	b.ResetTimer()
	for b.Loop() {
		if r := e.pay(aliceToken, "", 1000, "pm_card_visa"); r.status != http.StatusServiceUnavailable {
			b.Fatalf("%d %s", r.status, r.body)
		}
	}
}

// BenchmarkReconcileIdle is a reconciler pass over a shop with 100 settled
// orders: the background loop's steady cost.
func BenchmarkReconcileIdle(b *testing.B) {
	e := newEnv(b)
	for range 100 {
		e.pay(aliceToken, "", 1000, "pm_card_visa")
	}
	b.ResetTimer()
	for b.Loop() {
		e.reconcile()
	}
}

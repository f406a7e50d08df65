package fakeprovider

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v84"
)

// TestConcurrentSamePaymentAndKey hammers one PaymentIntent and one
// idempotency key from many goroutines. Run under -race it checks the
// locking; the assertions check that no interleaving breaks the money.
func TestConcurrentSamePaymentAndKey(t *testing.T) {
	sink := newHookSink(t, "whsec_conc")
	h := newHarness(t, WithWebhook(sink.srv.URL, sink.secret))
	sc := h.client(0, 0)
	base, err := sc.V1PaymentIntents.Create(bg, &stripe.PaymentIntentCreateParams{Amount: stripe.Int64(5000), Currency: stripe.String("usd"),
		PaymentMethodTypes: []*string{stripe.String("card")}, CaptureMethod: stripe.String("manual"), PaymentMethod: stripe.String("pm_card_visa")})
	if err != nil {
		t.Fatal(err)
	}
	const workers, ops = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	sameKeyIDs := map[string]bool{}
	var serverErrors []error
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for i := range ops {
				var err error
				switch rng.IntN(7) {
				case 0:
					_, err = sc.V1PaymentIntents.Confirm(bg, base.ID, nil)
				case 1:
					_, err = sc.V1PaymentIntents.Capture(bg, base.ID, &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(int64(1000 + rng.IntN(4000)))})
				case 2:
					_, err = sc.V1PaymentIntents.Cancel(bg, base.ID, nil)
				case 3:
					_, err = sc.V1Refunds.Create(bg, &stripe.RefundCreateParams{PaymentIntent: stripe.String(base.ID), Amount: stripe.Int64(int64(100 + rng.IntN(900)))})
				case 4:
					_, err = sc.V1PaymentIntents.Update(bg, base.ID, &stripe.PaymentIntentUpdateParams{Metadata: map[string]string{"w": strconv.Itoa(w), "i": strconv.Itoa(i)}})
				case 5:
					p := visaParams("shared", 700)
					p.SetIdempotencyKey("shared-key")
					var pi *stripe.PaymentIntent
					pi, err = sc.V1PaymentIntents.Create(bg, p)
					if err == nil {
						mu.Lock()
						sameKeyIDs[pi.ID] = true
						mu.Unlock()
					}
				default:
					_, err = sc.V1PaymentIntents.Retrieve(bg, base.ID, nil)
				}
				if err != nil {
					se, ok := err.(*stripe.Error)
					if !ok || se.HTTPStatusCode >= 500 {
						mu.Lock()
						serverErrors = append(serverErrors, err)
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(serverErrors) > 0 {
		t.Fatalf("%d transport or 5xx errors, first: %v", len(serverErrors), serverErrors[0])
	}
	if len(sameKeyIDs) > 1 {
		t.Fatalf("one idempotency key made %d payments", len(sameKeyIDs))
	}
	snap := h.p.Snapshot()
	shared := 0
	for _, pi := range snap.PaymentIntents {
		if pi.OrderID() == "shared" {
			shared++
		}
		if pi.AmountReceived > pi.Amount {
			t.Fatalf("received more than the amount: %+v", pi)
		}
	}
	if shared != 1 {
		t.Fatalf("%d payments for the shared key", shared)
	}
	refunds := map[string]int64{}
	for _, r := range snap.Refunds {
		refunds[r.Charge] += r.Amount
	}
	for _, c := range snap.Charges {
		if refunds[c.ID] > c.AmountCaptured || c.AmountRefunded != refunds[c.ID] || c.AmountCaptured+c.Released > c.Amount {
			t.Fatalf("charge inconsistent: %+v refunds %d", c, refunds[c.ID])
		}
	}
	eventually(t, 10*time.Second, "every event delivered", func() bool { return sink.count() == len(h.p.Snapshot().Events) })
	if sink.rejectedCount() != 0 {
		t.Fatal("a signature failed under concurrency")
	}
}

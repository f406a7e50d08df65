package harness

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/paychaos/paychaos/harness/attack"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/traffic"
)

// Attacks sends malicious requests and forged webhooks at the SUT while a
// scenario's fault window is open: the client-side half of the chaos.
type Attacks struct {
	// Attacks to send; nil means the whole catalogue.
	Attacks []attack.Attack
	// Items is a basket the SUT prices itself, for the tampered-amount
	// attack; nil skips it.
	Items *attack.Items
}

// Test payment methods that leave an order paid, failed, and pending with
// nothing captured (waiting for 3-D Secure that never comes): the orders
// forged webhooks aim at.
var targetMethods = []string{"pm_card_visa", "pm_card_chargeDeclined", "pm_card_authenticationRequired"}

// attack places the orders the attacks aim at, then sends the attacks.
func (e *Env) attack(ctx context.Context, rec *history.Recorder, s Scenario, rng *rand.Rand) error {
	if len(e.sut.Customers) == 0 {
		return fmt.Errorf("attacks: the SUT has no customers")
	}
	var targets []history.Order
	for i, pm := range targetMethods {
		op := traffic.Checkout(ctx, e.sut.Driver, rec, -1, sut.PayRequest{
			Customer: e.sut.Customers[i%len(e.sut.Customers)], Amount: 1000 + int64(i), Currency: s.Traffic.Currency,
			PaymentMethod: pm, Key: fmt.Sprintf("%s-target-%d-%d", s.Name, e.o.seed, i),
		})
		if op.Order != "" {
			targets = append(targets, history.Order{ID: op.Order, Customer: op.Customer, Status: op.Status, Amount: op.Amount, Currency: op.Currency})
		}
	}
	ledger, err := e.stack.Provider().Ledger(ctx)
	if err != nil {
		return fmt.Errorf("attacks: read the ledger: %w", err)
	}
	_, err = attack.Run(ctx, e.sut.Driver, rec, attack.Options{
		Customers: e.sut.Customers, Orders: targets, Rand: rng,
		Currency: s.Traffic.Currency, Items: s.Attacks.Items,
		WebhookPath: e.sut.WebhookPath, WebhookSecret: WebhookSecret, Ledger: &ledger, MetadataKey: e.sut.MetadataKey,
		Attacks: s.Attacks.Attacks, Client: -2, Logger: e.o.log,
	})
	if err != nil {
		return fmt.Errorf("attacks: %w", err)
	}
	return nil
}

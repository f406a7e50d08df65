package history

import (
	"slices"
	"testing"
)

// What the checker joins payments by is saved with the run, so that a
// re-check joins them the same way.
func TestSaveLoadKeepsWhatPaymentsJoinBy(t *testing.T) {
	dir := t.TempDir()
	run := Run{
		Meta: Meta{Scenario: "s", MetadataKey: "order_ref"},
		Orders: []Order{
			{ID: "o1", Status: StatusPaid, Amount: 10, Currency: "usd", PaymentIntents: []string{"pi_1", "pi_2"}},
			{ID: "o2", Status: StatusPending, Amount: 10, Currency: "usd", CheckoutSession: "cs_1"},
		},
	}
	if err := Save(dir, run); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta.MetadataKey != "order_ref" || len(got.Orders) != 2 ||
		!slices.Equal(got.Orders[0].PaymentIntents, []string{"pi_1", "pi_2"}) || got.Orders[1].CheckoutSession != "cs_1" {
		t.Fatalf("loaded %+v", got)
	}
}

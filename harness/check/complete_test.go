package check

import (
	"slices"
	"strings"
	"testing"

	"github.com/paychaos/paychaos/harness/history"
)

// The known-bad histories of the newer invariants, each made safe by the
// one change that fixes the bug it shows: the invariant must then pass.

func TestPaymentsCompleteOnceTheRetryPays(t *testing.T) {
	in := loadFixture(t, "payments-complete-never-recovers.json")
	// The breaker closes: the customer's retry with the same key pays,
	// and the shop takes good cards before the fault.
	in.History[5].Order, in.History[5].Outcome, in.History[5].Status, in.History[5].HTTPStatus, in.History[5].Code =
		"ord_5", history.OK, history.StatusPaid, 201, ""
	in.Orders[0].Status = history.StatusPaid
	// And the shop lets the key be retried: the order it failed is gone.
	in.History[7].Order, in.History[7].Status, in.History[7].Outcome, in.History[7].HTTPStatus = "", history.StatusNone, history.Unknown, 503
	in.Orders = in.Orders[:2]
	in.Orders = append(in.Orders, history.Order{ID: "ord_5", Customer: "cus_5", Status: history.StatusPaid, Amount: 600, Currency: "jpy"})
	v := PaymentsComplete.Check(in)
	if v.Result != Pass {
		t.Fatalf("%s: %s", v.Result, v.Message)
	}
	if !strings.Contains(v.Message, "2 of 2 sent 2s or more after the fault healed") {
		t.Errorf("message: %s", v.Message)
	}
	// A recovery budget longer than the cooldown judges nothing after.
	in = loadFixture(t, "payments-complete-never-recovers.json")
	in.RecoveryBudget = 10 * 1e9
	v = PaymentsComplete.Check(in)
	sameSet(t, "ops", v.Ops, []int{1, 7, 8})
}

func TestPaymentsCompleteForgivesAnAbandonedCheckout(t *testing.T) {
	in := loadFixture(t, "payments-complete-never-recovers.json")
	before := PaymentsComplete.Check(in)
	// The customer of op 1 (ord_1, failed before the fault) left the
	// hosted page: that order failing is the customer's choice.
	pay := in.History[0]
	in.History = append(in.History, history.Op{ID: 99, Kind: history.CheckoutPage, Name: "abandon",
		Customer: pay.Customer, Key: pay.Key, Order: pay.Order, Outcome: history.OK, HTTPStatus: 200})
	after := PaymentsComplete.Check(in)
	if !slices.Contains(before.Ops, 1) || slices.Contains(after.Ops, 1) {
		t.Fatalf("op 1 judged before %v, after its customer abandoned %v: %s", before.Ops, after.Ops, after.Message)
	}
	if after.Result != Fail {
		t.Fatalf("the other checkouts still fail it: %s: %s", after.Result, after.Message)
	}
}

func TestWebhooksAcceptedOnceAnswered(t *testing.T) {
	in := loadFixture(t, "webhooks-accepted-rejected.json")
	for i := range in.Ledger.Deliveries {
		if d := &in.Ledger.Deliveries[i]; d.EventID == "evt_1" || d.EventID == "evt_5" {
			d.Status = 200
		}
	}
	if v := WebhooksAccepted.Check(in); v.Result != Pass || !strings.Contains(v.Message, "3 events validly signed, each accepted") {
		t.Fatalf("%s: %s", v.Result, v.Message)
	}
	// Refusing only the forged one is right.
	in.Ledger.Deliveries = in.Ledger.Deliveries[2:3]
	if v := WebhooksAccepted.Check(in); v.Result != Skip {
		t.Fatalf("only a forged delivery: %s: %s", v.Result, v.Message)
	}
}

func TestOwnershipOwnOrdersOnly(t *testing.T) {
	in := loadFixture(t, "ownership-list-leak.json")
	in.History = append(in.History[:2], in.History[4:]...) // no list leak, no foreign refund
	if v := Ownership.Check(in); v.Result != Pass {
		t.Fatalf("%s: %s", v.Result, v.Message)
	}
	// With no checkout in the history, the SUT's record names the owner.
	in = loadFixture(t, "ownership-list-leak.json")
	in.History = in.History[2:3]
	v := Ownership.Check(in)
	sameSet(t, "ops", v.Ops, []int{3})
}

func TestRefundSafetyAsAsked(t *testing.T) {
	in := loadFixture(t, "refund-safety-refund-all.json")
	in.Ledger.Refunds[0].Amount = 300
	in.Ledger.Charges[0].AmountRefunded, in.Ledger.Charges[0].Refunded = 300, false
	if v := RefundSafety.Check(in); v.Result != Pass {
		t.Fatalf("%s: %s", v.Result, v.Message)
	}
	// A refund op that names no amount asks for everything.
	in = loadFixture(t, "refund-safety-refund-all.json")
	in.History[0].Amount = 0
	if v := RefundSafety.Check(in); v.Result != Pass {
		t.Fatalf("no amount asked: %s: %s", v.Result, v.Message)
	}
	// A refund refused asked for nothing.
	in = loadFixture(t, "refund-safety-refund-all.json")
	in.History[1].Outcome, in.History[1].HTTPStatus = history.Fail, 409
	in.Orders[1].Refunded = 0
	v := RefundSafety.Check(in)
	sameSet(t, "orders", v.Orders, []string{"ord_1", "ord_2"})
}

func TestEventualResolutionNotesAskedOrders(t *testing.T) {
	in := loadFixture(t, "eventual-resolution-asked.json")
	in.BackgroundReconciler = false
	v := EventualResolution.Check(in)
	if v.Result != Pass || !strings.Contains(v.Message, "1 order only once the harness asked the SUT to reconcile") {
		t.Fatalf("%s: %s", v.Result, v.Message)
	}
	in.BackgroundReconciler, in.Reconciled = true, nil
	if v := EventualResolution.Check(in); v.Result != Pass {
		t.Fatalf("resolved by itself: %s: %s", v.Result, v.Message)
	}
}

package check

import (
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/history"
)

// piInput is a run of one paid order whose payments are pis; the order
// keeps the PaymentIntent ids kept, and no payment carries metadata unless
// meta is set.
func piInput(kept []string, meta map[string]string, pis ...string) *Input {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	in := &Input{
		History: []history.Op{{ID: 1, Kind: history.Pay, Order: "ord_1", Customer: "cus_a", Key: "k1", Amount: 1000, Currency: "usd",
			Call: time.Second, Return: 2 * time.Second, Outcome: history.OK, Status: history.StatusPaid, HTTPStatus: 201}},
		Orders: []history.Order{{ID: "ord_1", Customer: "cus_a", Status: history.StatusPaid, Amount: 1000, Currency: "usd", PaymentIntents: kept}},
	}
	for i, id := range pis {
		in.Ledger.PaymentIntents = append(in.Ledger.PaymentIntents, fakeprovider.PaymentRecord{
			ID: id, Amount: 1000, Currency: "usd", Status: "succeeded", AmountReceived: 1000, Metadata: meta, Created: at.Add(time.Duration(i) * time.Second),
		})
	}
	return in
}

func verdicts(in *Input) map[string]Verdict {
	out := map[string]Verdict{}
	for _, v := range Run(in, NoDoubleCharge, NoFalsePaid, NoLostMoney, AmountIntegrity, RefundSafety) {
		out[v.Invariant] = v
	}
	return out
}

func TestJoinByPaymentIntentPassesACorrectService(t *testing.T) {
	for name, v := range verdicts(piInput([]string{"pi_1"}, nil, "pi_1")) {
		if v.Result != Pass {
			t.Errorf("%s: %s: %s", name, v.Result, v.Message)
		}
		if strings.Contains(v.Message, "unattributed") {
			t.Errorf("%s: a joined payment is called unattributed: %s", name, v.Message)
		}
	}
}

func TestJoinByPaymentIntentCatchesADoubleCharge(t *testing.T) {
	v := verdicts(piInput([]string{"pi_1", "pi_2"}, nil, "pi_1", "pi_2"))[NoDoubleCharge.Name()]
	if v.Result != Fail || !equal(v.Orders, []string{"ord_1"}) || !equal(v.Ledger, []string{"pi_1", "pi_2"}) || v.MoneyAtRisk != 1000 {
		t.Fatalf("two captured payments kept by one order: %+v", v)
	}
}

func TestUnattributedPaymentAccusesNoOrder(t *testing.T) {
	// The SUT keeps pi_1; pi_2 was made by a request whose answer was
	// lost, and no order says it is theirs.
	vs := verdicts(piInput([]string{"pi_1"}, nil, "pi_1", "pi_2"))
	for name, v := range vs {
		if v.Result == Fail {
			t.Errorf("%s accuses an order of an unattributed payment: %s", name, v.Message)
		}
	}
	msg := vs[NoLostMoney.Name()].Message
	for _, want := range []string{"1 payment unattributed (pi_2), holding 1000", "no order the SUT reported keeps its PaymentIntent id", "metadata has no order_id"} {
		if !strings.Contains(msg, want) {
			t.Errorf("no-lost-money message %q does not say %q", msg, want)
		}
	}
}

func TestJoinWithoutPaymentIdsSaysHowToFixTheTarget(t *testing.T) {
	// The SUT keeps the PaymentIntent id but the target does not read it:
	// the paid order looks unpaid, and the message says why.
	vs := verdicts(piInput(nil, nil, "pi_1"))
	if v := vs[NoFalsePaid.Name()]; v.Result != Fail {
		t.Fatalf("paid order with no joined payment: %+v", v)
	}
	if msg := vs[NoLostMoney.Name()].Message; !strings.Contains(msg, "sets fields.payment_intent") {
		t.Fatalf("no hint at the target: %q", msg)
	}
}

func TestJoinByMetadataKey(t *testing.T) {
	in := piInput(nil, map[string]string{"orderRef": "ord_1"}, "pi_1")
	if v := verdicts(in)[NoFalsePaid.Name()]; v.Result != Fail {
		t.Fatalf("default key order_id must not read orderRef: %+v", v)
	}
	in.MetadataKey = "orderRef"
	for name, v := range verdicts(in) {
		if v.Result != Pass {
			t.Errorf("joined by metadata[orderRef]: %s: %s: %s", name, v.Result, v.Message)
		}
	}
	if got := FromRun(history.Run{Meta: history.Meta{MetadataKey: "orderRef"}}).MetadataKey; got != "orderRef" {
		t.Fatalf("a saved run's metadata key is lost on recheck: %q", got)
	}
}

func TestJoinPrefersThePaymentIntentTheOrderKeeps(t *testing.T) {
	// pi_1's metadata names another order, but ord_1 keeps it.
	in := piInput([]string{"pi_1"}, map[string]string{"order_id": "ord_other"}, "pi_1")
	for name, v := range verdicts(in) {
		if v.Result != Pass {
			t.Errorf("%s: %s: %s", name, v.Result, v.Message)
		}
	}
}

func TestJoinNamesCheckoutSessionsItCannotLink(t *testing.T) {
	in := piInput(nil, nil, "pi_1")
	in.Orders[0].CheckoutSession = "cs_1"
	if msg := verdicts(in)[NoLostMoney.Name()].Message; !strings.Contains(msg, "Checkout Session ids kept by 1 order") {
		t.Fatalf("message %q", msg)
	}
}

func TestJoinLooseChargeByItsPaymentIntent(t *testing.T) {
	// A charge whose intent the ledger lost still joins by the id the
	// order keeps.
	in := piInput([]string{"pi_gone"}, nil)
	in.Ledger.Charges = []fakeprovider.ChargeRecord{{ID: "ch_1", PaymentIntent: "pi_gone", Amount: 1000, AmountCaptured: 1000, Currency: "usd", Status: "succeeded", Captured: true}}
	for name, v := range verdicts(in) {
		if v.Result != Pass {
			t.Errorf("%s: %s: %s", name, v.Result, v.Message)
		}
	}
}

func equal(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// When the SUT listed every order it keeps, money that no order claims is
// money it lost track of: a violation of no order's.
func TestUnattributedMoneyOfAListingSUTIsLost(t *testing.T) {
	in := piInput([]string{"pi_1"}, nil, "pi_1", "pi_2")
	in.OrdersListed = true
	vs := verdicts(in)
	v := vs[NoLostMoney.Name()]
	if v.Result != Fail || len(v.Orders) != 0 || !equal(v.Ledger, []string{"pi_2"}) || v.MoneyAtRisk != 1000 ||
		!strings.Contains(v.Message, "(unattributed) 1 payment hold 1000 that no order the SUT listed claims (pi_2): no order the SUT reported keeps") {
		t.Fatalf("no-lost-money: %+v", v)
	}
	if d := vs[NoDoubleCharge.Name()]; d.Result != Pass {
		t.Fatalf("an unattributed payment is nobody's double charge: %+v", d)
	}
	// Given back, it holds nothing: named, not held against the SUT.
	in.Ledger.Refunds = []fakeprovider.RefundRecord{{ID: "re_2", PaymentIntent: "pi_2", Amount: 1000, Currency: "usd", Status: "succeeded"}}
	if v := verdicts(in)[NoLostMoney.Name()]; v.Result != Pass || !strings.Contains(v.Message, "1 payment unattributed (pi_2), holding 0") {
		t.Fatalf("refunded unattributed payment: %+v", v)
	}
}

package check

import (
	"slices"
	"testing"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/history"
)

// browserRun is a run of a flow whose customers pay in their browser:
// ord_1's customer never confirmed (the PaymentIntent still awaits a
// card), ord_2's browser confirmed and paid but the SUT never marked the
// order paid, ord_3's customer abandoned the hosted page and the SUT
// failed the order when the session expired.
func browserRun(browserFlow bool) *Input {
	s := 10 * time.Second
	return &Input{
		BrowserFlow: browserFlow,
		Window:      Window{SettleEnd: s},
		History: []history.Op{
			{ID: 1, Kind: history.Pay, Order: "ord_1", Amount: 1000, Currency: "usd", Call: time.Second, Return: time.Second, Outcome: history.Unknown, Status: history.StatusPending, HTTPStatus: 202},
			{ID: 2, Kind: history.Confirm, Name: "confirm", Order: "ord_1", Amount: 1000, Currency: "usd", Call: time.Second, Return: time.Second, Outcome: history.Unknown, Error: "connection refused"},
			{ID: 3, Kind: history.Pay, Order: "ord_2", Amount: 2000, Currency: "usd", Call: time.Second, Return: time.Second, Outcome: history.Unknown, Status: history.StatusPending, HTTPStatus: 202},
			{ID: 4, Kind: history.Confirm, Name: "confirm", Order: "ord_2", Amount: 2000, Currency: "usd", Call: time.Second, Return: time.Second, Outcome: history.OK, HTTPStatus: 200},
			{ID: 5, Kind: history.Pay, Order: "ord_3", Amount: 3000, Currency: "usd", Call: time.Second, Return: time.Second, Outcome: history.Unknown, Status: history.StatusPending, HTTPStatus: 202},
			{ID: 6, Kind: history.CheckoutPage, Name: "abandon", Order: "ord_3", Amount: 3000, Currency: "usd", Call: time.Second, Return: time.Second, Outcome: history.OK, HTTPStatus: 200},
		},
		Orders: []history.Order{
			{ID: "ord_1", Status: history.StatusPending, Amount: 1000, Currency: "usd"},
			{ID: "ord_2", Status: history.StatusPending, Amount: 2000, Currency: "usd"},
			{ID: "ord_3", Status: history.StatusFailed, Amount: 3000, Currency: "usd"},
		},
		OrdersListed: true,
		Ledger: fakeprovider.Snapshot{PaymentIntents: []fakeprovider.PaymentRecord{
			{ID: "pi_1", Amount: 1000, Currency: "usd", Status: "requires_payment_method", Metadata: map[string]string{"order_id": "ord_1"}},
			{ID: "pi_2", Amount: 2000, Currency: "usd", Status: "succeeded", AmountReceived: 2000, Metadata: map[string]string{"order_id": "ord_2"}},
		}},
	}
}

// Money the browser paid that the SUT never accounts for is lost, in a
// browser flow as in any; an order whose customer has yet to give a card
// is pending by right there, and is not where the SUT confirms; an
// abandoned checkout that ends failed is no finding.
func TestBrowserFlowVerdicts(t *testing.T) {
	in := browserRun(true)
	if err := (history.Run{Ops: in.History, Orders: in.Orders}).Validate(); err != nil {
		t.Fatal(err)
	}
	if v := NoLostMoney.Check(in); v.Result != Fail || !slices.Equal(v.Orders, []string{"ord_2"}) || v.MoneyAtRisk != 2000 {
		t.Errorf("no-lost-money: %+v", v)
	}
	if v := EventualResolution.Check(in); v.Result != Fail || !slices.Equal(v.Orders, []string{"ord_2"}) {
		t.Errorf("eventual-resolution in a browser flow: %+v, want only ord_2", v)
	}
	if v := EventualResolution.Check(browserRun(false)); v.Result != Fail || !slices.Equal(v.Orders, []string{"ord_1", "ord_2"}) {
		t.Errorf("eventual-resolution where the SUT confirms: %+v, want ord_1 and ord_2", v)
	}
}

func TestFromRunKnowsTheBrowserFlows(t *testing.T) {
	for flow, want := range map[string]bool{"": false, "server_confirm": false, "client_confirm": true, "checkout_session": true} {
		if got := FromRun(history.Run{Meta: history.Meta{Flow: flow}}).BrowserFlow; got != want {
			t.Errorf("flow %q: BrowserFlow %v", flow, got)
		}
	}
}

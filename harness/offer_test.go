package harness_test

import (
	"slices"
	"testing"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/sut"
)

// silentLauncher says nothing of what it offers.
type silentLauncher struct{ sut.Launcher }

func TestOffersBeforeTheSUTStarts(t *testing.T) {
	stack := []fault.Need{fault.NeedProviderLink, fault.NeedWebhookLink, fault.NeedProvider}
	client := sut.Target{Flow: sut.FlowClientConfirm}
	hosted := sut.Target{Flow: sut.FlowCheckoutSession}
	cases := []struct {
		name string
		l    sut.Launcher
		want []fault.Need
	}{
		{"a running service", sut.Running{}, append(slices.Clone(stack), fault.NeedPaymentIntentCalls)},
		{"a subprocess", sut.Subprocess{}, append(slices.Clone(stack), fault.NeedProcess, fault.NeedPaymentIntentCalls)},
		{"a service confirmed in the browser", sut.Running{Target: client}, append(slices.Clone(stack), fault.NeedBrowserLink, fault.NeedPaymentIntentCalls)},
		{"a service paid on the hosted page", sut.Subprocess{Target: hosted}, append(slices.Clone(stack), fault.NeedProcess, fault.NeedBrowserLink)},
	}
	for _, c := range cases {
		got, ok := harness.Offers(c.l)
		if !ok || !slices.Equal(got, c.want) {
			t.Errorf("%s offers %v (known %v), want %v", c.name, got, ok, c.want)
		}
	}
	if got, ok := harness.Offers(silentLauncher{}); ok || got != nil {
		t.Errorf("a launcher that does not say offers %v (known %v), want it asked once it runs", got, ok)
	}
	o, _ := harness.Offers(sut.Subprocess{})
	if err := fault.Available(fault.Partition, o); err == nil {
		t.Error("a subprocess offers a network to cut")
	}
	if err := fault.Available(fault.Crash, o); err != nil {
		t.Errorf("a subprocess cannot be crashed: %v", err)
	}
	if err := fault.Available(fault.CrashAfterCharge, o); err != nil {
		t.Errorf("a server-confirm subprocess cannot be crashed after a charge: %v", err)
	}
	if o, _ := harness.Offers(sut.Subprocess{Target: hosted}); fault.Available(fault.CrashAfterCharge, o) == nil {
		t.Error("a service paid on the hosted page offers a PaymentIntent create call to hold")
	}
}

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
	cases := []struct {
		name string
		l    sut.Launcher
		want []fault.Need
	}{
		{"a running service", sut.Running{}, stack},
		{"a subprocess", sut.Subprocess{}, append(slices.Clone(stack), fault.NeedProcess)},
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
}

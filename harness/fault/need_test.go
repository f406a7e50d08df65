package fault

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness/proxy"
)

// catalogue is every fault value the package offers, and the compositions
// the scenarios play.
var catalogue = []Fault{
	None, ProviderDown, WebhooksDown, ProviderBlackhole, ProviderReset, ProviderCutResponse, ProviderStarved,
	ProviderSlowClose, ProviderLatency("latency", time.Second, 0), ProviderErrors, ProviderBadGateway,
	ProviderRateLimited, ProviderLockTimeout, ProviderAway, CommitThen500, CommitThenDrop, CommitThenHang,
	TruncatedSuccess, RetryOnSuccess, RefundCommitThen500, WebhookDrop, WebhookDuplicate, WebhookDelay,
	WebhookReorder, WebhookBadSig, WebhookStale, WebhookEarly, WebhookAPIVersion, Crash, Freeze,
	CrashAfterCharge, Partition,
	Together{WebhookDrop, CrashAfterCharge},
	Then{First: ProviderBlackhole, After: time.Millisecond, Second: Crash},
	Schedule{Fault: ProviderDown, On: time.Second, Off: time.Second},
}

// everything offers all a fault may need.
func everything() *Targets {
	return &Targets{
		ProviderLink: &proxy.Link{}, WebhookLink: &proxy.Link{}, Provider: &fakeProvider{},
		Process: stuckProcess{}, Network: stuckNetwork{},
	}
}

func TestEveryFaultIsAvailableWhereEverythingIs(t *testing.T) {
	for _, f := range catalogue {
		if err := Available(f, everything()); err != nil {
			t.Errorf("%s: %v", f.Name(), err)
		}
	}
}

// Each fault names what is missing, and compositions pass their parts'
// needs through.
func TestAvailableNamesWhatIsMissing(t *testing.T) {
	without := func(drop func(*Targets)) *Targets {
		t := everything()
		drop(t)
		return t
	}
	noProcess := without(func(t *Targets) { t.Process = nil })
	noNetwork := without(func(t *Targets) { t.Network = nil })
	noProvider := without(func(t *Targets) { t.Provider = nil })
	noWebhookLink := without(func(t *Targets) { t.WebhookLink = nil })
	noProviderLink := without(func(t *Targets) { t.ProviderLink = nil })
	cases := []struct {
		f    Fault
		t    *Targets
		want Need
	}{
		{Partition, noNetwork, NeedNetwork},
		{Crash, noProcess, NeedProcess},
		{Freeze, noProcess, NeedProcess},
		{CrashAfterCharge, noProcess, NeedProcess},
		{CrashAfterCharge, noProvider, NeedProvider},
		{ProviderErrors, noProvider, NeedProvider},
		{ProviderDown, noProviderLink, NeedProviderLink},
		{WebhooksDown, noWebhookLink, NeedWebhookLink},
		{WebhooksDown, noProvider, NeedProvider},
		{Together{WebhookDrop, CrashAfterCharge}, noProcess, NeedProcess},
		{Then{First: ProviderBlackhole, Second: Crash}, noProcess, NeedProcess},
		{Then{First: ProviderBlackhole, Second: Crash}, noProviderLink, NeedProviderLink},
		{Schedule{Fault: Partition, On: time.Second, Off: time.Second}, noNetwork, NeedNetwork},
	}
	for _, c := range cases {
		err := Available(c.f, c.t)
		var u *UnavailableError
		if !errors.As(err, &u) || u.Missing != c.want || u.Fault != c.f.Name() {
			t.Errorf("%s: %v; want it to say it needs %s", c.f.Name(), err, c.want)
		}
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v is not ErrUnsupported", c.f.Name(), err)
		}
	}
	if err := Available(None, &Targets{}); err != nil {
		t.Errorf("the baseline needs nothing: %v", err)
	}
}

// A fault found unavailable is refused at Inject as well, with the same
// reason, before it touches anything.
func TestInjectRefusesWhatIsUnavailable(t *testing.T) {
	for _, f := range []Fault{Partition, Crash, Freeze, CrashAfterCharge} {
		p := &fakeProvider{}
		_, err := f.Inject(context.Background(), &Targets{Provider: p})
		var u *UnavailableError
		if !errors.As(err, &u) {
			t.Errorf("%s: %v; want an UnavailableError", f.Name(), err)
		}
		if len(p.faults) != 0 {
			t.Errorf("%s: left faults at the provider: %v", f.Name(), p.faults)
		}
	}
}

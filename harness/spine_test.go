package harness_test

import (
	"context"
	"errors"
	"testing"

	"github.com/paychaos/paychaos/harness/fault"
)

// A fault the environment cannot play is refused before any traffic runs,
// and the refusal names what is missing: an in-process SUT is no process
// to kill, embedded mode owns no network to cut.
func TestRunRefusesAnUnavailableFaultBeforeTraffic(t *testing.T) {
	env := newEnv(t, "")
	for _, c := range []struct {
		f    fault.Fault
		want fault.Need
	}{
		{fault.Partition, fault.NeedNetwork},
		{fault.Crash, fault.NeedProcess},
		{fault.Then{First: fault.ProviderBlackhole, Second: fault.CrashAfterCharge}, fault.NeedProcess},
	} {
		res, err := env.Run(context.Background(), scenario("unavailable", c.f))
		var u *fault.UnavailableError
		if !errors.As(err, &u) || u.Missing != c.want || !errors.Is(err, fault.ErrUnsupported) {
			t.Fatalf("%s: %v; want it refused for want of %s", c.f.Name(), err, c.want)
		}
		if !res.Started.IsZero() || len(res.Timeline) != 0 {
			t.Fatalf("%s: the run started: %+v", c.f.Name(), res)
		}
	}
	snap, err := env.Provider().Ledger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for route, n := range snap.Requests {
		t.Errorf("the provider received %d request(s) on %s from a refused run", n, route)
	}
}

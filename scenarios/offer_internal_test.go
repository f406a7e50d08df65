package scenarios

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	gtypes "github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/traffic"
	"github.com/paychaos/paychaos/scenarios/refshop"
)

// counted is a launcher that counts its launches and offers what its
// launcher offers.
type counted struct {
	refshop.Process
	launches *atomic.Int64
}

func (c counted) Launch(ctx context.Context, w sut.Wiring) (*sut.Instance, error) {
	c.launches.Add(1)
	return c.Process.Launch(ctx, w)
}

// A partition scenario in embedded mode, against a SUT process, is
// skipped before the SUT starts, the skip naming what is missing.
var _ = Describe("a scenario the mode cannot play", Ordered, Label(Partition), func() {
	var launches atomic.Int64
	var skipped []string
	cfg := Wire(Env{SUT: counted{launches: &launches}}, nil, nil)
	Context("against a SUT process in embedded mode", func() {
		partition(cfg)
		ReportAfterEach(func(r SpecReport) {
			if r.State == gtypes.SpecStateSkipped {
				skipped = append(skipped, r.Failure.Message)
			}
		})
	})
	It("is skipped without starting the SUT, naming what is missing", func() {
		Expect(skipped).To(ConsistOf(And(
			ContainSubstring("skipped before the SUT started"),
			ContainSubstring(string(fault.NeedNetwork)))))
		Expect(launches.Load()).To(BeZero(), "the SUT was started for a scenario skipped anyway")
	})
})

func TestPlayable(t *testing.T) {
	process := Wire(Env{SUT: refshop.Process{}}, nil, nil)
	var unavailable *fault.UnavailableError
	if err := process.playable(quick("p", fault.Partition, traffic.Steady)); !errors.As(err, &unavailable) || unavailable.Missing != fault.NeedNetwork {
		t.Fatalf("partition against a process: %v, want it unavailable for want of %q", err, fault.NeedNetwork)
	}
	for _, f := range []fault.Fault{fault.Crash, fault.ProviderBlackhole, fault.WebhookDrop, fault.None} {
		if err := process.playable(quick("p", f, traffic.Steady)); err != nil {
			t.Errorf("%s against a process: %v, want playable", f.Name(), err)
		}
	}
	inProcess := Wire(Env{SUT: refshop.Launcher{}}, nil, nil)
	if err := inProcess.playable(quick("p", fault.Crash, traffic.Steady)); !errors.As(err, &unavailable) || unavailable.Missing != fault.NeedProcess {
		t.Fatalf("crash in process: %v, want it unavailable for want of %q", err, fault.NeedProcess)
	}
	// A launcher that does not say is asked once it runs.
	unknown := Wire(Env{SUT: silent{}}, nil, nil)
	if err := unknown.playable(quick("p", fault.Partition, traffic.Steady)); err != nil || unknown.Offers != nil {
		t.Fatalf("a launcher that offers nothing known: offers %v, %v; want it asked later", unknown.Offers, err)
	}
}

// silent is a launcher that does not say what it offers.
type silent struct{ sut.Launcher }

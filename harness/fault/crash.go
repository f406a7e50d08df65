package fault

import (
	"context"
	"errors"
	"fmt"
	"time"

	fp "github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/history"
)

// CrashAfterCharge kills the SUT at the worst moment of a payment: the
// provider has charged the card and is about to answer, and the SUT has
// not written the result. It holds the next checkout's answer at the
// provider (commit, then hang), waits until a checkout is caught there,
// kills the SUT with SIGKILL, and restarts it at recovery. The order must
// end paid, once, by the SUT's own recovery (reconciler or webhooks).
var CrashAfterCharge Fault = crashAfterCharge{wait: 5 * time.Second}

type crashAfterCharge struct{ wait time.Duration }

var _ describedFault = crashAfterCharge{}

func (crashAfterCharge) Name() string { return "crash-after-charge" }
func (crashAfterCharge) Kind() Kind   { return KindProcess }
func (crashAfterCharge) Params() map[string]string {
	return map[string]string{"when": "after the provider charged, before the SUT recorded", "signal": "SIGKILL", "recover": "restart"}
}

// Needs: it holds the answer of a PaymentIntent create call, which a
// SUT in the checkout_session flow never makes.
func (crashAfterCharge) Needs() []Need {
	return []Need{NeedProcess, NeedProvider, NeedPaymentIntentCalls}
}

func (c crashAfterCharge) Inject(ctx context.Context, t *Targets) (Injected, error) {
	if err := Available(c, t); err != nil {
		return nil, err // it names the fault and what it lacks
	}
	hold := ProviderFault{FaultName: "hold-answer", Fault: fp.Fault{Kind: fp.FaultCommitThenFail, Endpoint: CreatePayment, Mode: fp.ModeHang}}
	held, err := hold.Inject(ctx, t)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (Injected, error) {
		return nil, errors.Join(err, Undo(ctx, held.Recover))
	}
	// Wait, bounded, until a checkout has been charged and is held.
	deadline := time.Now().Add(c.wait)
	for {
		n, err := held.Hits(ctx, nil)
		if err != nil {
			return fail(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("inject crash-after-charge: no checkout reached the provider within %s", c.wait))
		}
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := t.Process.Kill(ctx); err != nil {
		return fail(fmt.Errorf("inject crash-after-charge: %w", err))
	}
	return &crashed{held: held, t: t}, nil
}

type crashed struct {
	held Injected
	t    *Targets
}

var _ Injected = (*crashed)(nil)

func (c *crashed) Recover(ctx context.Context) error {
	return errors.Join(c.held.Recover(ctx), c.t.Process.Start(ctx))
}

// Hits counts the checkouts charged and held when the SUT died.
func (c *crashed) Hits(ctx context.Context, _ []history.Op) (int64, error) {
	return c.held.Hits(ctx, nil)
}

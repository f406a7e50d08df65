package fault

import (
	"context"
	"errors"

	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
)

// ProcessFault acts on a SUT that the harness runs as a process: a crash
// (SIGKILL, restarted at recovery) or a freeze (SIGSTOP, SIGCONT at
// recovery). Its evidence is the operations that met the dead or frozen
// process.
type ProcessFault struct {
	FaultName string
	// Freeze stops the process instead of killing it.
	Freeze bool
}

var _ describedFault = ProcessFault{}

// Crash kills the SUT with SIGKILL and restarts it when the fault recovers.
var Crash Fault = ProcessFault{FaultName: "sut-crash"}

// Freeze stops the SUT with SIGSTOP and resumes it when the fault recovers.
var Freeze Fault = ProcessFault{FaultName: "sut-freeze", Freeze: true}

func (f ProcessFault) Name() string { return f.FaultName }
func (f ProcessFault) Kind() Kind   { return KindProcess }
func (f ProcessFault) Params() map[string]string {
	if f.Freeze {
		return map[string]string{"signal": "SIGSTOP", "recover": "SIGCONT"}
	}
	return map[string]string{"signal": "SIGKILL", "recover": "restart"}
}

func (ProcessFault) Needs() []Need { return []Need{NeedProcess} }

func (f ProcessFault) Inject(ctx context.Context, t *Targets) (Injected, error) {
	if err := Available(f, t); err != nil {
		return nil, err // it names the fault and what it lacks
	}
	if f.Freeze {
		if err := t.Process.Freeze(ctx); err != nil {
			return nil, errors.Join(err, Undo(ctx, t.Process.Thaw))
		}
		return &processOn{p: t.Process, freeze: true}, nil
	}
	if err := t.Process.Kill(ctx); err != nil {
		return nil, err
	}
	return &processOn{p: t.Process}, nil
}

type processOn struct {
	p      sut.Process
	freeze bool
}

var _ Injected = (*processOn)(nil)

func (o *processOn) Recover(ctx context.Context) error {
	if o.freeze {
		return o.p.Thaw(ctx)
	}
	return o.p.Start(ctx)
}

// Hits is at least one: Kill returns once the process is dead and Freeze
// once the kernel has stopped it. Checkouts sent to a frozen process are
// still in flight when Hits is asked, so they cannot be the evidence.
func (o *processOn) Hits(_ context.Context, during []history.Op) (int64, error) {
	return max(int64(len(during)), 1), nil
}

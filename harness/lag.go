package harness

import "github.com/paychaos/paychaos/harness/history"

// allowForLag records the harness's own scheduling delay in the result
// and takes it out of the recovery time: a run on a starved machine sends
// its checkouts late, and a baseline comparison must not call that the
// SUT recovering slower. Fail-fast allows for it in the checker, from the
// run's saved history.Meta.Lag; a verdict the machine was too busy to
// reach makes the run inconclusive, never passed.
func (r *Result) allowForLag(lag history.Lag) {
	if r.Inconclusive == "" {
		for _, v := range r.Verdicts {
			if v.Inconclusive {
				r.Inconclusive = v.Invariant + ": " + v.Message
				break
			}
		}
	}
	r.HarnessLag, r.HarnessLost = lag.Worst(), lag.LostDuring(0, r.Window.SettleEnd)
	if r.RecoveryTime > 0 {
		end := r.Window.FaultEnd + r.RecoveryTime
		r.RecoveryLost = min(lag.LostDuring(r.Window.FaultEnd, end), r.RecoveryTime)
		r.RecoveryTime -= r.RecoveryLost
	}
}

package harness

import (
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/history"
)

func TestRecoveryTimeAllowsForTheHarnessLag(t *testing.T) {
	// The fault ends at 10 s; checkouts were back 2 s later, but the
	// harness lost 300 ms of those 2 s (and 1 s long after).
	lag := history.Lag{Span: history.LagSpan, Lost: make([]time.Duration, 200), Longest: make([]time.Duration, 200)}
	lag.Lost[105], lag.Longest[105] = 300*time.Millisecond, 200*time.Millisecond
	lag.Lost[180], lag.Longest[180] = time.Second, time.Second
	r := Result{Window: check.Window{FaultStart: 5 * time.Second, FaultEnd: 10 * time.Second, SettleEnd: 19 * time.Second}, RecoveryTime: 2 * time.Second}
	r.allowForLag(lag)
	if r.RecoveryTime != 1700*time.Millisecond || r.RecoveryLost != 300*time.Millisecond {
		t.Errorf("recovery %v, lost %v; want 1.7s and 300ms", r.RecoveryTime, r.RecoveryLost)
	}
	if r.HarnessLag != time.Second || r.HarnessLost != 1300*time.Millisecond {
		t.Errorf("harness lag %v, lost %v; want 1s and 1.3s", r.HarnessLag, r.HarnessLost)
	}
	// Never recovered stays never; no lag changes nothing.
	r = Result{Window: r.Window, RecoveryTime: -1}
	r.allowForLag(lag)
	if r.RecoveryTime != -1 {
		t.Errorf("never recovered became %v", r.RecoveryTime)
	}
	r = Result{Window: r.Window, RecoveryTime: 2 * time.Second}
	r.allowForLag(history.Lag{})
	if r.RecoveryTime != 2*time.Second || r.HarnessLag != 0 {
		t.Errorf("without lag: %+v", r)
	}
}

func TestTooBusyToJudgeIsInconclusive(t *testing.T) {
	r := Result{RecoveryTime: -1, Verdicts: []check.Verdict{
		{Invariant: "no-double-charge", Result: check.Pass},
		{Invariant: "fail-fast", Result: check.Skip, Message: "inconclusive for timing: too busy", Inconclusive: true},
	}}
	r.allowForLag(history.Lag{})
	if r.Inconclusive != "fail-fast: inconclusive for timing: too busy" || r.Passed() {
		t.Fatalf("inconclusive %q, passed %v", r.Inconclusive, r.Passed())
	}
	// A skip that merely does not apply proves nothing wrong.
	r = Result{RecoveryTime: -1, Verdicts: []check.Verdict{{Invariant: "fail-fast", Result: check.Skip, Message: "no fault window"}}}
	r.allowForLag(history.Lag{})
	if r.Inconclusive != "" || !r.Passed() {
		t.Fatalf("a plain skip made the run inconclusive: %q", r.Inconclusive)
	}
	// An earlier reason stands.
	r = Result{RecoveryTime: -1, Inconclusive: "fault x never acted", Verdicts: []check.Verdict{{Invariant: "fail-fast", Result: check.Skip, Inconclusive: true}}}
	r.allowForLag(history.Lag{})
	if r.Inconclusive != "fault x never acted" {
		t.Fatalf("inconclusive %q", r.Inconclusive)
	}
}

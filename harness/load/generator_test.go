package load

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

func TestShapes(t *testing.T) {
	for _, tc := range []struct {
		s    Shape
		d    time.Duration
		want int
	}{
		{Shape{Kind: Constant, Rate: 100}, time.Second, 100},
		{Shape{Kind: Step, Rate: 100, Peak: 1000, At: time.Second}, 2 * time.Second, 1100},
		{Shape{Kind: Spike, Rate: 100, Peak: 1000, At: time.Second, For: time.Second}, 3 * time.Second, 1200},
		{Shape{Kind: Ramp, Rate: 100, Peak: 300, For: 2 * time.Second}, 2 * time.Second, 400},
	} {
		got := tc.s.Asked(tc.d)
		if d := got - tc.want; d < -2 || d > 2 {
			t.Errorf("%s over %s: %d arrivals, want about %d", tc.s, tc.d, got, tc.want)
		}
	}
	for _, bad := range []Shape{
		{Kind: Constant}, {Kind: "wave", Rate: 1}, {Kind: Spike, Rate: 1, Peak: 2},
		{Kind: Step, Rate: 1, Peak: MaxRate + 1}, {Kind: Ramp, Rate: 1, Peak: 2, At: -1, For: 1},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
}

// clock is the test's recorder clock.
func clock() func() time.Duration {
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}

func TestGeneratorKeepsScheduleAndCap(t *testing.T) {
	g := Generator{Shape: Shape{Kind: Constant, Rate: 2000}, InFlight: 4, Max: 400, Now: clock()}
	var mu sync.Mutex
	var dues []time.Duration
	var inFlight, peak atomic.Int32
	n, err := g.Run(t.Context(), func(n int, due time.Duration) func(context.Context) {
		mu.Lock()
		if n != len(dues) {
			t.Errorf("arrival %d out of turn", n)
		}
		dues = append(dues, due)
		mu.Unlock()
		return func(context.Context) {
			cur := inFlight.Add(1)
			for p := peak.Load(); cur > p && !peak.CompareAndSwap(p, cur); p = peak.Load() {
			}
			time.Sleep(time.Millisecond) // the request's work, not a wait for state
			inFlight.Add(-1)
		}
	})
	if err != nil || n != 400 {
		t.Fatalf("ran %d, %v", n, err)
	}
	if peak.Load() > 4 {
		t.Errorf("%d in flight at once, cap 4", peak.Load())
	}
	for i := 1; i < len(dues); i++ {
		if d := dues[i] - dues[i-1]; d != 500*time.Microsecond {
			t.Fatalf("arrivals %d and %d due %v apart, want 500µs", i-1, i, d)
		}
	}
}

// A SUT that stalls is charged with the stall for every arrival behind
// it, not just the one it held: that is what measuring from the due time
// buys over measuring from the send (coordinated omission).
func TestStallIsChargedToEveryArrivalBehindIt(t *testing.T) {
	now := clock()
	shape := Shape{Kind: Constant, Rate: 1000}
	g := Generator{Shape: shape, InFlight: 1, Max: 300, Now: now}
	var mu sync.Mutex
	var ops []history.Op
	if _, err := g.Run(t.Context(), func(n int, due time.Duration) func(context.Context) {
		return func(context.Context) {
			op := history.Op{Kind: history.Pay, Due: max(due, 1), Call: now(), Phase: history.Before}
			if n == 10 {
				time.Sleep(150 * time.Millisecond) // the SUT stalls on this one
			}
			op.Return = now()
			mu.Lock()
			ops = append(ops, op)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	var sent Histogram
	for _, op := range ops {
		sent.Record(op.Latency())
	}
	s := Measure(shape, ops)
	if s == nil || s.Sent != 300 {
		t.Fatalf("measured %+v", s)
	}
	before := s.Phases[0]
	if before.Count != 300 || before.P90 < 50*time.Millisecond {
		t.Errorf("from the due time: %+v; the stall held back about 150 arrivals", before)
	}
	if sent.Quantile(0.9) >= 50*time.Millisecond {
		t.Errorf("from the send p90 is %v: the test does not show what it means to", sent.Quantile(0.9))
	}
	if s.Late < 100 {
		t.Errorf("%d late, want the ~150 the stall held back", s.Late)
	}
}

func TestMeasureAskedAgainstAchieved(t *testing.T) {
	shape := Shape{Kind: Constant, Rate: 100}
	var ops []history.Op
	// 50 sent over a second at 100/s asked: half were held back.
	for i := range 50 {
		due := time.Second + time.Duration(i)*10*time.Millisecond
		ops = append(ops, history.Op{Kind: history.Pay, Due: due, Call: time.Second + time.Duration(i)*20*time.Millisecond,
			Return: time.Second + time.Duration(i)*20*time.Millisecond + 5*time.Millisecond, Phase: history.During})
	}
	ops = append(ops, history.Op{Kind: history.Get, Call: 3 * time.Second}, history.Op{Kind: history.Pay, Call: 4 * time.Second})
	s := Measure(shape, ops)
	if s.Sent != 50 || s.Asked != 99 || s.Behind != 49 {
		t.Errorf("sent %d asked %d behind %d, want 50 99 49", s.Sent, s.Asked, s.Behind)
	}
	if r := s.Ratio(); r < 0.45 || r > 0.55 {
		t.Errorf("achieved/asked %.2f, want about 0.5", r)
	}
	if s.Phases[1].Phase != history.During || s.Phases[1].Count != 50 || s.Phases[0].Count != 0 {
		t.Errorf("phases %+v", s.Phases)
	}
	if Measure(shape, ops[50:]) != nil {
		t.Error("closed-loop ops measured as open loop")
	}
}

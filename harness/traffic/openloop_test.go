package traffic

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/load"
	"github.com/paychaos/paychaos/harness/sut"
)

// slowDriver answers every checkout paid after a pause, like a SUT at
// its limit.
type slowDriver struct {
	sut.Driver
	pause time.Duration
}

func (d slowDriver) Pay(ctx context.Context, req sut.PayRequest) (sut.Reply, error) {
	time.Sleep(d.pause) // the SUT's work
	return sut.Reply{HTTPStatus: 201, Order: history.Order{ID: "ord-" + req.Key, Status: history.StatusPaid}}, nil
}

func TestOpenLoopProfileRecordsDueTimes(t *testing.T) {
	rec := history.NewRecorder()
	r := &Runner{Driver: slowDriver{pause: 2 * time.Millisecond}, Recorder: rec,
		Customers: []sut.Customer{{ID: "c1"}}, Rand: rand.New(rand.NewPCG(1, 1))}
	p := Rush
	p.Max = 300
	p.Clients = 2 // 2 in flight at 2 ms each: at most 1000/s of the 2000/s asked
	p.Arrivals = load.Shape{Kind: load.Constant, Rate: 2000}
	n, err := r.Run(t.Context(), p)
	if err != nil || n != 300 {
		t.Fatalf("ran %d: %v", n, err)
	}
	ops := rec.Ops()
	history.TagPhases(ops, time.Hour, 2*time.Hour)
	for i := range ops {
		if ops[i].Kind != history.Pay || ops[i].Due <= 0 || ops[i].Outcome != history.OK {
			t.Fatalf("op %+v", ops[i])
		}
	}
	s := load.Measure(p.Arrivals, ops)
	if s.Sent != 300 || s.Late == 0 || s.Phases[0].P99 < 10*time.Millisecond {
		t.Errorf("a SUT at half the asked rate shows no lateness: %+v", s)
	}
	if s.Ratio() > 0.75 {
		t.Errorf("achieved %.0f/s of %.0f/s asked with room for 1000/s", s.Achieved, s.AskedRate)
	}
}

func TestOpenLoopProfileRefusesABadShape(t *testing.T) {
	p := Rush
	p.Arrivals.Peak = -1
	if err := p.Validate(); err == nil {
		t.Fatal("a negative peak validated")
	}
	p = Rush
	p.DoubleSubmit = 0.5
	if err := p.Validate(); err == nil {
		t.Fatal("an open-loop profile that would drop its double submits validated")
	}
	if err := Rush.Validate(); err != nil {
		t.Fatal(err)
	}
}

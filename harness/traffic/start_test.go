package traffic

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
)

// heldDriver holds each checkout until released.
type heldDriver struct {
	started chan struct{}
	release chan struct{}
}

func (d heldDriver) Pay(_ context.Context, r sut.PayRequest) (sut.Reply, error) {
	d.started <- struct{}{}
	<-d.release
	return sut.Reply{HTTPStatus: 201, Order: history.Order{ID: "o-" + r.Key, Status: history.StatusPaid}}, nil
}

func (heldDriver) Get(context.Context, sut.Customer, string) (sut.Reply, error) {
	return sut.Reply{}, nil
}

func TestStopWaitsForCheckoutsInFlight(t *testing.T) {
	d := heldDriver{started: make(chan struct{}, 1), release: make(chan struct{})}
	rec := history.NewRecorder()
	r := &Runner{Driver: d, Recorder: rec, Customers: []sut.Customer{{ID: "a"}}, Rand: rand.New(rand.NewPCG(1, 1))}
	p := Steady
	p.Rate, p.Max, p.Clients = 1000, 1, 1
	stop := Start(context.Background(), r, p)
	<-d.started

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case err := <-stopped:
		t.Fatalf("stop returned (%v) with a checkout in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(d.release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if ops := rec.Ops(); len(ops) != 1 || ops[0].Outcome != history.OK || len(rec.InFlight()) != 0 {
		t.Fatalf("after stop: ops %+v, in flight %d; want the one checkout, finished", ops, len(rec.InFlight()))
	}
	if err := stop(); err != nil {
		t.Fatalf("a second stop: %v", err)
	}
}

func TestStopReturnsRunsError(t *testing.T) {
	r := &Runner{Recorder: history.NewRecorder(), Rand: rand.New(rand.NewPCG(1, 1))}
	stop := Start(context.Background(), r, Profile{Name: "broken"})
	if err := stop(); err == nil {
		t.Fatal("an invalid profile ran")
	}
}

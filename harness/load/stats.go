package load

import (
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// LateBy is how long after its due time an arrival may go out and still
// count as on time: below it is the clock's and the scheduler's jitter on
// a busy machine, above it the in-flight cap or a starved generator held
// it back.
const LateBy = 10 * time.Millisecond

// Stats is an open-loop run measured like a load tool: what was asked
// against what was done, and latency from each checkout's due time, per
// phase of the fault.
type Stats struct {
	Shape string `json:"shape"`
	// Asked is how many checkouts the shape scheduled while the traffic
	// ran, Sent how many went out, Behind how many were due and never sent
	// (held back by the in-flight cap when the traffic stopped), Late how
	// many went out more than LateBy after their due time.
	Asked  int `json:"asked"`
	Sent   int `json:"sent"`
	Behind int `json:"behind"`
	Late   int `json:"late"`
	// AskedRate and Achieved are checkouts per second: scheduled, and
	// answered, over the traffic's span.
	AskedRate float64 `json:"asked_rate"`
	Achieved  float64 `json:"achieved"`
	// Phases are latency percentiles from the due time, before, during and
	// after the fault.
	Phases []PhaseLatency `json:"phases"`
}

// PhaseLatency is the coordinated-omission-free latency of one phase's
// checkouts: from when each was due until its answer.
type PhaseLatency struct {
	Phase history.Phase `json:"phase"`
	Count int           `json:"count"`
	P50   time.Duration `json:"p50"`
	P90   time.Duration `json:"p90"`
	P99   time.Duration `json:"p99"`
	P999  time.Duration `json:"p999"`
	Max   time.Duration `json:"max"`
}

// Ratio is Achieved over AskedRate: 1 when the SUT kept up.
func (s *Stats) Ratio() float64 {
	if s.AskedRate == 0 {
		return 0
	}
	return s.Achieved / s.AskedRate
}

// Measure sums up the open-loop checkouts of ops (pay ops with a Due
// time) sent on shape's schedule; nil when there are none. ops must carry
// their phases (history.TagPhases).
func Measure(shape Shape, ops []history.Op) *Stats {
	var (
		start, lastCall, lastReturn time.Duration
		sent, late                  int
		hist                        = map[history.Phase]*Histogram{}
	)
	order := []history.Phase{history.Before, history.During, history.After}
	for _, p := range order {
		hist[p] = new(Histogram)
	}
	for i := range ops {
		op := &ops[i]
		if op.Kind != history.Pay || op.Due <= 0 {
			continue
		}
		if sent == 0 || op.Due < start {
			start = op.Due
		}
		sent++
		lastCall, lastReturn = max(lastCall, op.Call), max(lastReturn, op.Return)
		if op.Call-op.Due > LateBy {
			late++
		}
		if h, ok := hist[op.Phase]; ok {
			h.Record(op.Return - op.Due)
		}
	}
	if sent == 0 {
		return nil
	}
	s := &Stats{Shape: shape.String(), Sent: sent, Late: late}
	// The traffic ran until its last send; the arrivals due by then and
	// not sent were held back.
	span := lastCall - start
	s.Asked = max(shape.Asked(span+1), sent)
	s.Behind = s.Asked - sent
	if span > 0 {
		s.AskedRate = float64(s.Asked) / span.Seconds()
	}
	if d := lastReturn - start; d > 0 {
		s.Achieved = float64(sent) / d.Seconds()
	}
	for _, p := range order {
		h := hist[p]
		s.Phases = append(s.Phases, PhaseLatency{Phase: p, Count: int(h.Count()),
			P50: h.Quantile(0.5), P90: h.Quantile(0.9), P99: h.Quantile(0.99), P999: h.Quantile(0.999), Max: h.Max()})
	}
	return s
}

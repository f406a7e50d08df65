package harness

import (
	"slices"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// phaseStats computes counts and latency percentiles per phase, over
// checkouts only: they are what customers wait for.
func phaseStats(ops []history.Op) []PhaseStats {
	by := map[history.Phase][]time.Duration{}
	stats := map[history.Phase]*PhaseStats{}
	order := []history.Phase{history.Before, history.During, history.After}
	for _, p := range order {
		stats[p] = &PhaseStats{Phase: p}
	}
	for _, op := range ops {
		if op.Kind != history.Pay {
			continue
		}
		s, ok := stats[op.Phase]
		if !ok {
			continue
		}
		switch op.Outcome {
		case history.OK:
			s.OK++
		case history.Fail:
			s.Fail++
		default:
			s.Unknown++
		}
		by[op.Phase] = append(by[op.Phase], op.Latency())
	}
	out := make([]PhaseStats, 0, len(order))
	for _, p := range order {
		s := stats[p]
		l := by[p]
		slices.Sort(l)
		s.P50, s.P95, s.P99 = pct(l, 50), pct(l, 95), pct(l, 99)
		out = append(out, *s)
	}
	return out
}

// pct is the nearest-rank percentile of sorted durations.
func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted) + 99) / 100
	if i < 1 {
		i = 1
	}
	return sorted[i-1]
}

// recoveryTime is how long after faultEnd checkouts came back to the
// baseline's success rate: the first checkout from which the next window
// of answers succeeds at least as often as before the fault, minus a
// tolerance. It is -1 when that never happened.
func recoveryTime(ops []history.Op, faultEnd time.Duration) time.Duration {
	const window = 5
	var base, baseOK float64
	var after []history.Op
	for _, op := range ops {
		if op.Kind != history.Pay {
			continue
		}
		switch {
		case op.Phase == history.Before:
			base++
			if op.Outcome != history.Unknown {
				baseOK++ // a clear answer, paid or declined, is the service working
			}
		case op.Call >= faultEnd:
			after = append(after, op)
		}
	}
	rate := 1.0
	if base > 0 {
		rate = baseOK / base
	}
	for i := 0; i+window <= len(after); i++ {
		ok := 0
		for _, op := range after[i : i+window] {
			if op.Outcome != history.Unknown {
				ok++
			}
		}
		if float64(ok)/window >= rate-0.2 {
			return max(after[i].Call-faultEnd, 0)
		}
	}
	return -1
}

func timeline(ops []history.Op) []Point {
	out := make([]Point, 0, len(ops))
	for _, op := range ops {
		if op.Kind != history.Pay {
			continue
		}
		out = append(out, Point{At: op.Call, Latency: op.Latency(), Outcome: op.Outcome, Kind: op.Kind})
	}
	return out
}

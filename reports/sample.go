package reports

import (
	"slices"

	"github.com/paychaos/paychaos/harness/history"
)

// SampleSize is how many latencies a phase keeps in the report for the
// baseline's statistics: enough for a Mann-Whitney test to see a shift of
// tens of milliseconds, small enough for a report of thousands of
// scenarios.
const SampleSize = 128

// latencySample keeps at most SampleSize of the sorted latencies, evenly
// spaced through them (the midpoints of SampleSize equal slices), so the
// sample's distribution is the phase's. It sorts lat in place.
func latencySample(lat []Duration) []Duration {
	slices.Sort(lat)
	if len(lat) <= SampleSize {
		return slices.Clone(lat)
	}
	out := make([]Duration, SampleSize)
	for i := range out {
		out[i] = lat[(2*i+1)*len(lat)/(2*SampleSize)]
	}
	return out
}

// fillSamples sets each phase's latency sample from the scenario's
// timeline: the checkouts sent in that phase, as the phase's figures
// count them.
func fillSamples(s *Scenario) {
	by := map[string][]Duration{}
	for _, p := range s.Timeline {
		if p.Kind != string(history.Pay) {
			continue
		}
		ph := string(history.PhaseAt(p.At.D(), s.Window.FaultStart.D(), s.Window.FaultEnd.D()))
		by[ph] = append(by[ph], p.Latency)
	}
	for i := range s.Phases {
		if lat := by[s.Phases[i].Phase]; len(lat) > 0 {
			s.Phases[i].Sample = latencySample(lat)
		}
	}
}

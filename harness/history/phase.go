package history

import "time"

// PhaseAt places the instant t relative to the fault window
// [faultStart, faultEnd) on the history clock. An empty window
// (faultEnd <= faultStart) means no fault was injected: every instant is
// Before, the baseline.
func PhaseAt(t, faultStart, faultEnd time.Duration) Phase {
	switch {
	case faultEnd <= faultStart || t < faultStart:
		return Before
	case t < faultEnd:
		return During
	default:
		return After
	}
}

// TagPhases sets every op's Phase from its call time: a request is judged
// by the conditions it was sent into, even if its answer came after the
// fault was recovered.
func TagPhases(ops []Op, faultStart, faultEnd time.Duration) {
	for i := range ops {
		ops[i].Phase = PhaseAt(ops[i].Call, faultStart, faultEnd)
	}
}

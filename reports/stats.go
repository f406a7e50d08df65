package reports

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aclements/go-moremath/stats"
)

func toFloats(ds []Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d)
	}
	return out
}

// mannWhitneyGreater is the p-value of a one-sided Mann-Whitney U test
// that cur tends to be larger than base: how likely a shift this large is
// by chance alone. All values equal, or an empty sample, is no evidence: 1.
func mannWhitneyGreater(cur, base []Duration) float64 {
	res, err := stats.MannWhitneyUTest(toFloats(cur), toFloats(base), stats.LocationGreater)
	if err != nil {
		return 1
	}
	return res.P
}

// hodgesLehmann estimates how much cur is shifted from base: the median
// of every pairwise difference cur[i] - base[j].
func hodgesLehmann(cur, base []Duration) time.Duration {
	diffs := make([]Duration, 0, len(cur)*len(base))
	for _, c := range cur {
		for _, b := range base {
			diffs = append(diffs, c-b)
		}
	}
	return median(diffs).D()
}

// median of durations; 0 for none. It does not change ds.
func median(ds []Duration) Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return s[n/2-1] + (s[n/2]-s[n/2-1])/2
}

// proportionLower is the p-value of a one-sided two-proportion z test that
// the current success rate (okCur of nCur) is lower than the baseline's
// (okBase of nBase), with the pooled proportion. No variance (everything
// succeeded or failed in both) is no evidence: 1.
func proportionLower(okBase, nBase, okCur, nCur int) float64 {
	p1, p2 := float64(okBase)/float64(nBase), float64(okCur)/float64(nCur)
	pool := float64(okBase+okCur) / float64(nBase+nCur)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(nBase) + 1/float64(nCur)))
	if se == 0 {
		return 1
	}
	return stats.StdNormal.CDF((p2 - p1) / se)
}

// pText writes a p-value; below what a float64 tail can tell from zero it
// says so rather than print 0.
func pText(p float64) string {
	if p < 1e-15 {
		return "p<1e-15"
	}
	return fmt.Sprintf("p=%.2g", p)
}

package load

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// exact is the nearest-rank quantile of sorted values.
func exact(sorted []time.Duration, q float64) time.Duration {
	r := int(math.Ceil(q*float64(len(sorted)) - 1e-9))
	return sorted[min(max(r, 1), len(sorted))-1]
}

func TestHistogramAgainstExactPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		draw func() time.Duration
	}{
		{"uniform ms", func() time.Duration { return time.Duration(rng.Int64N(int64(50 * time.Millisecond))) }},
		{"lognormal", func() time.Duration { return time.Duration(math.Exp(rng.NormFloat64()*2 + 15)) }},
		{"bimodal with a stall", func() time.Duration {
			if rng.IntN(100) == 0 {
				return 3*time.Second + time.Duration(rng.Int64N(int64(time.Second)))
			}
			return time.Duration(rng.Int64N(int64(2 * time.Millisecond)))
		}},
		{"small exact", func() time.Duration { return time.Duration(rng.IntN(100)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h Histogram
			vals := make([]time.Duration, 100_001)
			for i := range vals {
				vals[i] = tc.draw()
				h.Record(vals[i])
			}
			slices.Sort(vals)
			if h.Count() != uint64(len(vals)) || h.Max() != vals[len(vals)-1] {
				t.Fatalf("count %d max %v, want %d %v", h.Count(), h.Max(), len(vals), vals[len(vals)-1])
			}
			for _, q := range []float64{0.001, 0.5, 0.9, 0.95, 0.99, 0.999, 1} {
				want, got := exact(vals, q), h.Quantile(q)
				// The bucket's lowest value: never above the exact value,
				// and below it by less than 1/128 of it.
				if got > want || float64(want-got) > float64(want)/(1<<subBits) {
					t.Errorf("q%v = %v, exact %v", q, got, want)
				}
			}
		})
	}
}

func TestHistogramBucketsTile(t *testing.T) {
	// Every bucket starts where the previous one ended: no value falls in
	// a gap or two buckets.
	for b := 1; b < len(Histogram{}.counts); b++ {
		lo := lowest(b)
		if bucket(lo) != b || bucket(lo-1) != b-1 {
			t.Fatalf("bucket %d starts at %d: bucket(%d)=%d, bucket(%d)=%d", b, lo, lo, bucket(lo), lo-1, bucket(lo-1))
		}
	}
	if bucket(math.MaxUint64) != len(Histogram{}.counts)-1 {
		t.Fatalf("the largest value is in bucket %d", bucket(math.MaxUint64))
	}
}

func TestHistogramMergeAndEmpty(t *testing.T) {
	var a, b, all Histogram
	if a.Quantile(0.99) != 0 || a.Max() != 0 {
		t.Fatal("an empty histogram has no quantiles")
	}
	for i := range 1000 {
		d := time.Duration(i) * time.Microsecond
		all.Record(d)
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	a.Merge(&b)
	for _, q := range []float64{0.5, 0.99, 1} {
		if a.Quantile(q) != all.Quantile(q) {
			t.Errorf("merged q%v = %v, want %v", q, a.Quantile(q), all.Quantile(q))
		}
	}
	a.Record(-time.Second)
	if a.Quantile(0.0001) != 0 {
		t.Errorf("a negative duration counts as zero, got %v", a.Quantile(0.0001))
	}
}

package load

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: each power of two is split in
// 2^subBits linear buckets, so a recorded value is off by less than
// 1/2^subBits (0.8%) of itself, HDR-style.
const subBits = 7

// Histogram counts durations in log-linear buckets of bounded relative
// error, from 1 ns to about 292 years, in 58 KB whatever the count. The
// zero value is ready. Not safe for concurrent use.
type Histogram struct {
	counts   [(64 - subBits + 1) << subBits]uint64
	n        uint64
	min, max time.Duration
}

// bucket is the bucket of v >= 0: values below 2^subBits each have their
// own; above, the top subBits+1 bits of v pick it.
func bucket(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	e := bits.Len64(v) - subBits - 1 // how far v is shifted down
	return (e+1)<<subBits + int(v>>uint(e)) - 1<<subBits
}

// lowest is the smallest value in bucket b.
func lowest(b int) uint64 {
	if b < 1<<subBits {
		return uint64(b)
	}
	e := b>>subBits - 1
	return uint64(b&(1<<subBits-1)+1<<subBits) << uint(e)
}

// Record counts d; a negative d counts as zero.
func (h *Histogram) Record(d time.Duration) {
	d = max(d, 0)
	if h.n == 0 || d < h.min {
		h.min = d
	}
	h.max = max(h.max, d)
	h.n++
	h.counts[bucket(uint64(d))]++
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	for i, c := range o.counts {
		h.counts[i] += c
	}
}

// Count is the number of values recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest value recorded, exactly.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile is the nearest-rank q-quantile (0 < q <= 1): the smallest value
// of its bucket, within the histogram's relative error of the exact one,
// and never past the exact maximum. Zero when nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	// Less a hair, so that 0.95 of 100 is rank 95, not 96 by rounding.
	rank := uint64(math.Ceil(q*float64(h.n) - 1e-9))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for b, c := range h.counts {
		if seen += c; seen >= rank {
			return min(max(time.Duration(lowest(b)), h.min), h.max)
		}
	}
	return h.max
}

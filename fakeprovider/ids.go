package fakeprovider

import (
	"sync/atomic"
	"time"
)

// idGen mints Stripe-looking ids (pi_3MtwBwLkdIwHu7ix28a3tqPa). Object
// ids come from their slot (see object); request ids from a counter run
// through a bijective mixer: unique, random looking, seed-reproducible,
// and without a lock.
type idGen struct {
	seed uint64
	n    atomic.Uint64
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// short returns prefix followed by 14 base62 characters, as Stripe's
// request ids are (req_…).
func (g *idGen) short(prefix string) string {
	n := g.n.Add(1)
	a := mix64(g.seed + n*0x9e3779b97f4a7c15)
	var buf [24]byte
	b := append(buf[:0], prefix...)
	for i := 0; i < 14; i++ {
		b = append(b, base62[a%62])
		a /= 62
		if a == 0 {
			a = mix64(n ^ g.seed)
		}
	}
	return string(b)
}

// mix64 is splitmix64's finaliser: a bijection on uint64.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// clock is the provider's sense of time: a base clock plus an offset the
// control API can move, so tests can expire idempotency keys or age
// webhook timestamps without waiting.
type clock struct {
	base   func() time.Time
	offset atomic.Int64 // nanoseconds
	// moved, when set, runs after every set or advance (without the
	// provider's lock): what is due by the new time happens at once.
	moved func()
}

func (c *clock) now() time.Time {
	return c.base().Add(time.Duration(c.offset.Load()))
}

func (c *clock) set(t time.Time) {
	c.offset.Store(int64(t.Sub(c.base())))
	if c.moved != nil {
		c.moved()
	}
}

func (c *clock) advance(d time.Duration) {
	c.offset.Add(int64(d))
	if c.moved != nil {
		c.moved()
	}
}

// Object ids (pi_, ch_, re_, evt_) encode their object's slot: the first
// 11 characters after the prefix are a bijection of (reset generation,
// kind, slot), so looking an object up decodes its id instead of
// searching a map that would have to grow with every payment.

const (
	golden    = 0x9e3779b97f4a7c15
	genStride = 0xd1b54a32d192ed03
)

// goldenInv is golden's multiplicative inverse modulo 2^64.
var goldenInv = func() uint64 {
	x := uint64(golden) // Newton's iteration doubles the correct bits each step
	for range 6 {
		x *= 2 - golden*x
	}
	return x
}()

func saltOf(prefix string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(prefix); i++ {
		h ^= uint64(prefix[i])
		h *= 1099511628211
	}
	return h
}

// object returns the id of slot seq of a kind in reset generation gen.
func (g *idGen) object(prefix string, gen uint64, seq int) string {
	a := mix64(g.seed + gen*genStride + saltOf(prefix) + uint64(seq)*golden)
	c := mix64(a ^ g.seed ^ 0x5851f42d4c957f2d)
	var buf [32]byte
	b := append(buf[:0], prefix...)
	for i := 0; i < 11; i++ {
		b = append(b, base62[a%62])
		a /= 62
	}
	for i := 0; i < 13; i++ {
		b = append(b, base62[c%62])
		c /= 62
	}
	return string(b)
}

// slot decodes an object id back to its slot. ok is false for anything
// that is not an id of this kind and generation; callers still compare
// the stored object's id, which also checks the last 13 characters.
func (g *idGen) slot(id, prefix string, gen uint64) (int, bool) {
	if len(id) != len(prefix)+24 || id[:len(prefix)] != prefix {
		return 0, false
	}
	var a uint64
	for i := len(prefix) + 10; i >= len(prefix); i-- {
		d := unbase62(id[i])
		if d < 0 {
			return 0, false
		}
		hi := a * 62
		if a != 0 && hi/62 != a {
			return 0, false
		}
		a = hi + uint64(d)
		if a < hi {
			return 0, false
		}
	}
	n := (unmix64(a) - g.seed - gen*genStride - saltOf(prefix)) * goldenInv
	if n > 1<<40 {
		return 0, false
	}
	return int(n), true
}

func unbase62(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 10
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// unmix64 inverts mix64.
func unmix64(z uint64) uint64 {
	z = z ^ (z >> 31) ^ (z >> 62)
	z *= 0x319642b2d24d8ec3
	z = z ^ (z >> 27) ^ (z >> 54)
	z *= 0x96de1b173f119089
	return z ^ (z >> 30) ^ (z >> 60)
}

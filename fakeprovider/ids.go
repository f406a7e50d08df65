package fakeprovider

import (
	"sync/atomic"
	"time"
)

// idGen mints Stripe-looking ids (pi_3MtwBwLkdIwHu7ix28a3tqPa) without a
// lock: a counter run through a bijective mixer gives unique, random
// looking, seed-reproducible ids.
type idGen struct {
	seed uint64
	n    atomic.Uint64
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// next returns prefix followed by 24 base62 characters.
func (g *idGen) next(prefix string) string {
	n := g.n.Add(1)
	a := mix64(g.seed + n*0x9e3779b97f4a7c15) // bijective in n: ids never collide
	c := mix64(a ^ g.seed ^ 0x5851f42d4c957f2d)
	var buf [32]byte
	b := append(buf[:0], prefix...)
	// 11 chars carry all 64 bits of a (62^11 > 2^64), 13 more from c.
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
}

func (c *clock) now() time.Time {
	return c.base().Add(time.Duration(c.offset.Load()))
}

func (c *clock) set(t time.Time) { c.offset.Store(int64(t.Sub(c.base()))) }

func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

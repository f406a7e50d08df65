package fakeprovider

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestObjectIDsRoundTrip(t *testing.T) {
	g := &idGen{seed: 12345}
	if goldenInv*golden != 1 {
		t.Fatal("goldenInv is not golden's inverse")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		z := rng.Uint64()
		if unmix64(mix64(z)) != z {
			t.Fatalf("unmix64(mix64(%d))", z)
		}
	}
	seen := map[string]bool{}
	for gen := uint64(0); gen < 3; gen++ {
		for _, prefix := range []string{"pi_", "ch_", "re_", "evt_"} {
			for seq := 0; seq < 2000; seq++ {
				id := g.object(prefix, gen, seq)
				if seen[id] {
					t.Fatalf("duplicate id %s", id)
				}
				seen[id] = true
				n, ok := g.slot(id, prefix, gen)
				if !ok || n != seq {
					t.Fatalf("%s decodes to %d %v, want %d", id, n, ok, seq)
				}
				if n, ok := g.slot(id, prefix, gen+1); ok && n == seq {
					t.Fatalf("%s decodes in another generation", id)
				}
			}
		}
	}
	for _, bad := range []string{"", "pi_", "pi_!!!!!!!!!!!!!!!!!!!!!!!!", "ch_3MtwBwLkdIwHu7ix28a3tqPa", "pi_zzzzzzzzzzzzzzzzzzzzzzzz"} {
		if n, ok := g.slot(bad, "pi_", 0); ok && n < 2000 {
			t.Errorf("%q decodes to slot %d", bad, n)
		}
	}
}

// TestClientSecretsLookRandom: every position of a client secret's 24
// characters is spread over the base62 digits; none runs out into a fixed
// character, as it did when one 64-bit word fed more digits than it holds.
func TestClientSecretsLookRandom(t *testing.T) {
	p := New(WithSeed(7))
	t.Cleanup(func() { _ = p.Close() })
	const n = 3100 // 50 a digit on average
	var counts [24][62]int
	for seq := range n {
		id := p.ids.object(prefixPI, 0, seq)
		s := p.clientSecret(id)
		tail, ok := strings.CutPrefix(s, id+"_secret_")
		if !ok || len(tail) != 24 {
			t.Fatalf("client secret %q of %s", s, id)
		}
		for i := range len(tail) {
			counts[i][strings.IndexByte(base62, tail[i])]++
		}
	}
	for i, c := range counts {
		for d, k := range c {
			// 50 expected; a fair digit stays well inside [15, 100].
			if k < 15 || k > 100 {
				t.Errorf("position %d: %q appears %d times in %d secrets", i, base62[d], k, n)
			}
		}
	}
}

package secret

import "strings"

// Kind is what a secret found in text is.
type Kind int

const (
	// Card is a full card number (PAN).
	Card Kind = iota + 1
	// SecretKey is a Stripe secret API key (sk_test_…, sk_live_…).
	SecretKey
	// RestrictedKey is a Stripe restricted API key (rk_test_…, rk_live_…).
	RestrictedKey
	// WebhookSecret is a webhook signing secret (whsec_…).
	WebhookSecret
	// ControlToken is the fake provider's control API token (ctl_…).
	ControlToken
	// PublishableKey (pk_test_…, pk_live_…) is public by design: it
	// reaches browsers. Find leaves it; MaskKey knows its prefix.
	PublishableKey
)

func (k Kind) String() string {
	switch k {
	case Card:
		return "card number"
	case SecretKey:
		return "secret key"
	case RestrictedKey:
		return "restricted key"
	case WebhookSecret:
		return "webhook secret"
	case ControlToken:
		return "control token"
	case PublishableKey:
		return "publishable key"
	}
	return "secret"
}

// A key is its prefix and then a run of letters and digits, at least min
// of them; it starts a word.
var keys = [...]struct {
	prefix string
	kind   Kind
	min    int
}{
	{"sk_test_", SecretKey, 1}, {"sk_live_", SecretKey, 1},
	{"rk_test_", RestrictedKey, 1}, {"rk_live_", RestrictedKey, 1},
	{"whsec_", WebhookSecret, 1},
	// Short ctl_ words are names, not tokens (ours are 32 hex digits).
	{"ctl_", ControlToken, 16},
	{"pk_test_", PublishableKey, 1}, {"pk_live_", PublishableKey, 1},
}

// Match is a secret's byte span in a text and what it is.
type Match struct {
	Start, End int
	Kind       Kind
}

// Masked is how the secret m spans in s is written in its place.
func (m Match) Masked(s string) string {
	if m.Kind == Card {
		return "****" + last4(s[m.Start:m.End])
	}
	return MaskKey(s[m.Start:m.End])
}

// Find returns the first secret in s that starts at or after byte from.
//
// A card number is 13 to 19 digits, alone or in groups of 3 to 6 joined
// by single spaces or dashes, not glued to letters or to a mask's '*' (a
// longer token: hex, base62 ids, 424242******4242), starting with a card
// network's first digit (2-6) and passing the Luhn check. A key is one of
// the prefixes sk_test_, sk_live_, rk_test_, rk_live_, whsec_ (or ctl_
// with 16 or more characters) at the start of a word, then letters and
// digits. Find allocates nothing: the checker runs it over every body of
// a history.
func Find(s string, from int) (Match, bool) {
	k, kok := nextKey(s, from)
	p, pok := nextPAN(s, from)
	switch {
	case kok && (!pok || k.Start <= p.Start):
		return k, true
	case pok:
		return p, true
	}
	return Match{}, false
}

// Mask returns s with every secret Find finds, and every occurrence of
// the known values given (a password, a token of any shape), masked:
// keys keep only their prefix (sk_test_****), card numbers only their
// last four digits (****4242). Nothing Find finds survives it. A text
// with no secret is returned as it is, not copied.
func Mask(s string, known ...string) string {
	for _, k := range known {
		if k != "" && strings.Contains(s, k) {
			s = strings.ReplaceAll(s, k, MaskKey(k))
		}
	}
	var (
		b        strings.Builder
		at       int
		key, pan = Match{Start: -1}, Match{Start: -1}
		kok, pok = true, true // there may be another key, card number
	)
	for {
		// Each scanner runs again only once its match is used up.
		if kok && key.Start < at {
			key, kok = nextKey(s, at)
		}
		if pok && pan.Start < at {
			pan, pok = nextPAN(s, at)
		}
		var m Match
		switch {
		case kok && (!pok || key.Start <= pan.Start):
			m = key
		case pok:
			m = pan
		}
		if m.Kind == 0 {
			break
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[at:m.Start])
		b.WriteString(m.Masked(s))
		at = m.End
	}
	if at == 0 {
		return s
	}
	b.WriteString(s[at:])
	return b.String()
}

// MaskKey masks one secret value: its kind's prefix if it has a known one
// (sk_test_, whsec_, ctl_…), then "****". Nothing of the secret itself
// is kept, not even its length.
func MaskKey(v string) string {
	for _, k := range keys {
		if strings.HasPrefix(v, k.prefix) {
			return k.prefix + "****"
		}
	}
	return "****"
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }

// glued reports a byte that makes digits beside it part of a token.
func glued(c byte) bool { return isLetter(c) || c == '*' }

// nextKey finds the first key starting at or after from. A prefix holds
// no '_' before its first one, so the first '_' that completes a prefix
// gives the leftmost key.
func nextKey(s string, from int) (Match, bool) {
	for i := from; i < len(s); {
		j := strings.IndexByte(s[i:], '_')
		if j < 0 {
			break
		}
		u := i + j
		i = u + 1
		// The byte before the '_' rules out most underscores at once (sk_,
		// rk_, whsec_, ctl_).
		if u == 0 || s[u-1] != 'k' && s[u-1] != 'c' && s[u-1] != 'l' {
			continue
		}
		for _, k := range keys {
			f := strings.IndexByte(k.prefix, '_')
			if k.kind == PublishableKey || s[u-1] != k.prefix[f-1] {
				continue
			}
			start := u - f
			if start < from || !strings.HasPrefix(s[start:], k.prefix) || start > 0 && (isAlnum(s[start-1]) || s[start-1] == '_') {
				continue
			}
			end := start + len(k.prefix)
			for end < len(s) && isAlnum(s[end]) {
				end++
			}
			if end-start-len(k.prefix) >= k.min {
				return Match{Start: start, End: end, Kind: k.kind}, true
			}
		}
	}
	return Match{}, false
}

// nextPAN finds the first card number at or after byte from (see Find).
func nextPAN(s string, from int) (Match, bool) {
	var (
		digits [64]byte
		gs     [16]struct{ start, end, d0, dn int } // groups: byte span, digit offset and count
	)
	for i := from; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		// A span: digit groups joined by single spaces or dashes.
		ng, nd := 0, 0
		j := i
		for {
			st, d0 := j, nd
			for j < len(s) && isDigit(s[j]) {
				if nd < len(digits) {
					digits[nd] = s[j]
				}
				nd++
				j++
			}
			gs[ng] = struct{ start, end, d0, dn int }{st, j, d0, nd - d0}
			ng++
			// A long list of numbers is cut into spans of len(gs) groups; the
			// next span starts at the next group.
			if ng < len(gs) && j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) {
				j++
				continue
			}
			break
		}
		// A group glued to letters is part of a token (hex, base62 ids).
		first, last := 0, ng-1
		if i > 0 && glued(s[i-1]) {
			first++
		}
		if j < len(s) && glued(s[j]) {
			last--
		}
		i = j
		// Groups whose digits overflowed the buffer are longer than any card
		// run they could belong to; stop before them.
		for last >= first && gs[last].d0+gs[last].dn > len(digits) {
			last--
		}
		for g := first; g <= last; g++ {
			// The group alone, then runs of grouped digits starting at it.
			if n := gs[g].dn; n >= 13 && n <= 19 && isPAN(digits[gs[g].d0:gs[g].d0+n]) {
				return Match{Start: gs[g].start, End: gs[g].end, Kind: Card}, true
			}
			total := 0
			for h := g; h <= last; h++ {
				if n := gs[h].dn; n < 3 || n > 6 {
					break
				}
				total += gs[h].dn
				if total > 19 {
					break
				}
				if h > g && total >= 13 && isPAN(digits[gs[g].d0:gs[g].d0+total]) {
					return Match{Start: gs[g].start, End: gs[h].end, Kind: Card}, true
				}
			}
		}
	}
	return Match{}, false
}

// isPAN reports whether d (13-19 ASCII digits) looks like a card number: a
// card network's first digit and a valid Luhn check digit.
func isPAN(d []byte) bool {
	if d[0] < '2' || d[0] > '6' {
		return false
	}
	sum := 0
	double := false
	for k := len(d) - 1; k >= 0; k-- {
		n := int(d[k] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// last4 is the last four digits of a card number as written.
func last4(pan string) string {
	var d [4]byte
	n := 0
	for i := len(pan) - 1; i >= 0 && n < 4; i-- {
		if isDigit(pan[i]) {
			n++
			d[4-n] = pan[i]
		}
	}
	return string(d[4-n:])
}

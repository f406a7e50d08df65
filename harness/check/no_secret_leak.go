package check

import (
	"fmt"
	"slices"
	"strings"
)

// noSecretLeak: nothing the SUT says or logs carries a secret or a full
// card number.
//
// Rule: no op's Body or Error and no Input.Texts value contains any
// non-empty Input.Secrets value, or a full card number: 13 to 19 digits,
// alone or in groups of 3 to 6 joined by single spaces or dashes, not part
// of a longer alphanumeric token, starting with a card network's first
// digit (2-6) and passing the Luhn check. Masked numbers (424242******4242)
// and ids that merely contain digits do not match. Messages name the op or
// text and mask what leaked.
type noSecretLeak struct{}

func (noSecretLeak) Name() string              { return "no-secret-leak" }
func (c noSecretLeak) Check(in *Input) Verdict { return c.checkIndex(newIndex(in)) }

func (c noSecretLeak) checkIndex(ix *index) Verdict {
	secrets := make([]string, 0, len(ix.in.Secrets))
	for _, s := range ix.in.Secrets {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	f := finding{name: c.Name()}
	scanned, texts := 0, 0
	for _, i := range ix.textOps {
		op := ix.op(i)
		for _, fld := range [...]struct{ name, s string }{{"body", op.Body}, {"error", op.Error}} {
			if fld.s == "" {
				continue
			}
			scanned += len(fld.s)
			if what := leakIn(fld.s, secrets); what != "" {
				f.violation(0, "op %d %s carries %s", op.ID, fld.name, what)
				f.op(op.ID)
				f.order(op.Order)
			}
		}
	}
	keys := make([]string, 0, len(ix.in.Texts))
	for k := range ix.in.Texts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := ix.in.Texts[k]
		scanned += len(s)
		texts++
		if what := leakIn(s, secrets); what != "" {
			f.violation(0, "text %q carries %s", k, what)
		}
	}
	if scanned == 0 {
		return skip(c.Name(), "no response body, error or text to scan")
	}
	return f.verdict(
		fmt.Sprintf("%s leaked", plural(f.n, "output")),
		fmt.Sprintf("%d bytes in %s and %s scanned for %s and card numbers: none found",
			scanned, plural(len(ix.textOps), "op output"), plural(texts, "text"), plural(len(secrets), "secret")))
}

// leakIn describes the first secret or card number found in s, masked, or
// returns "".
func leakIn(s string, secrets []string) string {
	for i, sec := range secrets {
		if strings.Contains(s, sec) {
			return fmt.Sprintf("secret #%d (%s)", i+1, maskSecret(sec))
		}
	}
	var last4 string
	scanPANs(s, func(start, end int, digits []byte) bool {
		last4 = string(digits[len(digits)-4:])
		return false
	})
	if last4 != "" {
		return "a card number ending " + last4
	}
	return ""
}

// redact masks every secret and card number in s, for quoting s in a
// verdict.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, maskSecret(sec))
		}
	}
	var b strings.Builder
	at := 0
	scanPANs(s, func(start, end int, digits []byte) bool {
		b.WriteString(s[at:start])
		b.WriteString("••••")
		b.Write(digits[len(digits)-4:])
		at = end
		return true
	})
	if at == 0 {
		return s
	}
	b.WriteString(s[at:])
	return b.String()
}

// maskSecret keeps a secret's first three characters (its kind, like
// "sk_" or "whs") and drops the rest.
func maskSecret(s string) string {
	if len(s) < 8 {
		return "…"
	}
	return s[:3] + "…"
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// scanPANs calls fn for each card number in s with its byte span and its
// digits, until fn returns false. See noSecretLeak for what counts.
func scanPANs(s string, fn func(start, end int, digits []byte) bool) {
	var (
		digits [64]byte
		gs     [16]struct{ start, end, d0, dn int } // groups: byte span, digit offset and count
	)
	for i := 0; i < len(s); {
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
		if i > 0 && isLetter(s[i-1]) {
			first++
		}
		if j < len(s) && isLetter(s[j]) {
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
				if !fn(gs[g].start, gs[g].end, digits[gs[g].d0:gs[g].d0+n]) {
					return
				}
				continue
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
				if h > g && total >= 13 {
					d := digits[gs[g].d0 : gs[g].d0+total]
					if isPAN(d) {
						if !fn(gs[g].start, gs[h].end, d) {
							return
						}
						g = h
						break
					}
				}
			}
		}
	}
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

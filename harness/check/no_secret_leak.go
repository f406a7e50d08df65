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
func (c noSecretLeak) Check(in *Input) Verdict { return c.checkInput(in) }

func (c noSecretLeak) checkInput(in *Input) Verdict {
	secrets := make([]string, 0, len(in.Secrets))
	for _, s := range in.Secrets {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	f := finding{name: c.Name()}
	scanned, outputs, texts := 0, 0, 0
	for i := range in.History {
		op := &in.History[i]
		if op.Body == "" && op.Error == "" {
			continue
		}
		outputs++
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
	keys := make([]string, 0, len(in.Texts))
	for k := range in.Texts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := in.Texts[k]
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
			scanned, plural(outputs, "op output"), plural(texts, "text"), plural(len(secrets), "secret")))
}

// leakIn describes the first secret or card number found in s, masked, or
// returns "".
func leakIn(s string, secrets []string) string {
	for i, sec := range secrets {
		if strings.Contains(s, sec) {
			return fmt.Sprintf("secret #%d (%s)", i+1, maskSecret(sec))
		}
	}
	if start, end, ok := nextPAN(s, 0); ok {
		return "a card number ending " + last4(s[start:end])
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
	for {
		start, end, ok := nextPAN(s, at)
		if !ok {
			break
		}
		b.WriteString(s[at:start])
		b.WriteString("••••")
		b.WriteString(last4(s[start:end]))
		at = end
	}
	if at == 0 {
		return s
	}
	b.WriteString(s[at:])
	return b.String()
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

// nextPAN finds the first card number in s at or after byte from and
// returns its byte span (separators included). See noSecretLeak for what
// counts. It allocates nothing: it runs over every body of a history.
func nextPAN(s string, from int) (start, end int, ok bool) {
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
				return gs[g].start, gs[g].end, true
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
					return gs[g].start, gs[h].end, true
				}
			}
		}
	}
	return 0, 0, false
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

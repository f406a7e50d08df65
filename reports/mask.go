package reports

import (
	"maps"
	"regexp"
	"strings"
)

var (
	// secretKeyRE matches Stripe secret and restricted keys and webhook
	// signing secrets; publishable keys (pk_) are public and kept.
	secretKeyRE = regexp.MustCompile(`\b(sk|rk)_(test|live)_[0-9A-Za-z]+|\bwhsec_[0-9A-Za-z]+`)
	// panRE matches 13 to 19 digits, optionally grouped by spaces or
	// dashes, not glued to other word characters.
	panRE = regexp.MustCompile(`\b\d(?:[ -]?\d){12,18}\b`)
)

// Mask hides secrets in text: secret keys keep their prefix
// (sk_test_**** ), and card numbers (13 to 19 digits passing the Luhn
// check) keep only their last four digits (****4242). The report must
// never carry a secret, whatever the SUT or the checker wrote.
func Mask(s string) string {
	if s == "" {
		return s
	}
	if strings.Contains(s, "_test_") || strings.Contains(s, "_live_") || strings.Contains(s, "whsec_") {
		s = maskKeys(s)
	}
	if digits(s) < 13 {
		return s
	}
	return maskPANs(s)
}

// digits counts the decimal digits in s: text with fewer than 13 cannot
// hold a card number, which spares most ids the regular expression.
func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

func maskKeys(s string) string {
	return secretKeyRE.ReplaceAllStringFunc(s, func(k string) string {
		if strings.HasPrefix(k, "whsec_") {
			return "whsec_****"
		}
		parts := strings.SplitN(k, "_", 3)
		return parts[0] + "_" + parts[1] + "_****"
	})
}

func maskPANs(s string) string {
	return panRE.ReplaceAllStringFunc(s, func(m string) string {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m)
		if len(digits) < 13 || len(digits) > 19 || !luhn(digits) {
			return m
		}
		return "****" + digits[len(digits)-4:]
	})
}

func luhn(digits string) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func maskAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Mask(s)
	}
	return out
}

// masked returns a copy of the report with every free text masked. It is
// applied when a report is built or loaded and again by each writer, so a
// hand-edited model cannot leak through a writer either.
func masked(r Report) Report {
	r.Run.Suite = Mask(r.Run.Suite)
	r.Run.SuitePath = Mask(r.Run.SuitePath)
	r.Run.Mode = Mask(r.Run.Mode)
	r.Run.Target = Mask(r.Run.Target)
	r.Run.LabelFilter = Mask(r.Run.LabelFilter)
	r.Run.SuiteFailures = maskAll(r.Run.SuiteFailures)
	if r.Run.Versions != nil {
		v := maps.Clone(r.Run.Versions)
		for k := range v {
			v[k] = Mask(v[k])
		}
		r.Run.Versions = v
	}
	ss := make([]Scenario, len(r.Scenarios))
	for i, s := range r.Scenarios {
		s.ID, s.Name, s.Location = Mask(s.ID), Mask(s.Name), Mask(s.Location)
		s.Labels = maskAll(s.Labels)
		s.Message, s.Inconclusive = Mask(s.Message), Mask(s.Inconclusive)
		s.Mode, s.Target, s.Traffic = Mask(s.Mode), Mask(s.Target), Mask(s.Traffic)
		s.Dir, s.Reproduce = Mask(s.Dir), Mask(s.Reproduce)
		fs := make([]Fault, len(s.Faults))
		for j, f := range s.Faults {
			f.Name, f.Kind = Mask(f.Name), Mask(f.Kind)
			if f.Params != nil {
				p := maps.Clone(f.Params)
				for k := range p {
					p[k] = Mask(p[k])
				}
				f.Params = p
			}
			fs[j] = f
		}
		if s.Faults != nil {
			s.Faults = fs
		}
		cs := make([]Check, len(s.Verdicts))
		for j, c := range s.Verdicts {
			c.Invariant, c.Message = Mask(c.Invariant), Mask(c.Message)
			c.Orders, c.Ledger = maskAll(c.Orders), maskAll(c.Ledger)
			cs[j] = c
		}
		if s.Verdicts != nil {
			s.Verdicts = cs
		}
		ss[i] = s
	}
	if r.Scenarios != nil {
		r.Scenarios = ss
	}
	rs := make([]Regression, len(r.Regressions))
	for i, g := range r.Regressions {
		g.Scenario, g.ID, g.Message = Mask(g.Scenario), Mask(g.ID), Mask(g.Message)
		rs[i] = g
	}
	if r.Regressions != nil {
		r.Regressions = rs
	}
	return r
}

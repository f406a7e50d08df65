package reports

import (
	"maps"

	"github.com/paychaos/paychaos/internal/secret"
)

// Mask hides secrets in text the way the checker finds them (see
// secret.Find): keys keep their prefix (sk_test_****), card numbers only
// their last four digits (****4242); publishable keys stay. The report
// must never carry a secret, whatever the SUT or the checker wrote.
func Mask(s string) string { return secret.Mask(s) }

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

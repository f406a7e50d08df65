package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// MoneyInvariants are the invariants whose violation means a customer or
// the merchant may lose money; the headline puts them first and any of
// them caps the score at MoneyScoreCap. A new money invariant is one more
// name here.
var MoneyInvariants = []string{
	"no-double-charge", "no-false-paid", "no-lost-money", "amount-integrity", "refund-safety",
}

// Score caps: a run that violated a money invariant never scores above
// MoneyScoreCap, and one that violated any invariant never above
// ViolationScoreCap, however many other checks held.
const (
	MoneyScoreCap     = 10
	ViolationScoreCap = 50
)

// IsMoneyInvariant reports whether a violation of the invariant puts money
// at risk.
func IsMoneyInvariant(name string) bool { return slices.Contains(MoneyInvariants, name) }

// InvariantCount is how one invariant fared across the run.
type InvariantCount struct {
	Invariant string `json:"invariant"`
	// Money is set for the MoneyInvariants.
	Money bool `json:"money"`
	// Scenarios is the number of scenarios that violate it.
	Scenarios int `json:"scenarios"`
	// MoneyAtRisk sums its violations' money at risk (minor units),
	// saturated at the largest int64 (then MoneySaturated is set).
	MoneyAtRisk    int64 `json:"money_at_risk"`
	MoneySaturated bool  `json:"money_at_risk_saturated,omitempty"`
}

// violatedCounts lists the violated invariants worst first: money
// invariants before the others, then by money at risk, then by the number
// of scenarios, then in the catalogue's order.
func violatedCounts(ss []Scenario) []InvariantCount {
	by := map[string]*InvariantCount{}
	var out []*InvariantCount
	for _, s := range ss {
		seen := map[string]bool{}
		for _, c := range s.Violations() {
			ic := by[c.Invariant]
			if ic == nil {
				ic = &InvariantCount{Invariant: c.Invariant, Money: IsMoneyInvariant(c.Invariant)}
				by[c.Invariant] = ic
				out = append(out, ic)
			}
			if !seen[c.Invariant] {
				seen[c.Invariant] = true
				ic.Scenarios++
			}
			ic.MoneyAtRisk, ic.MoneySaturated = addMoney(ic.MoneyAtRisk, c.MoneyAtRisk, ic.MoneySaturated)
		}
	}
	rank := func(name string) int {
		if i := slices.Index(canonicalInvariants, name); i >= 0 {
			return i
		}
		return len(canonicalInvariants)
	}
	slices.SortStableFunc(out, func(a, b *InvariantCount) int {
		switch {
		case a.Money != b.Money:
			if a.Money {
				return -1
			}
			return 1
		case a.MoneyAtRisk != b.MoneyAtRisk:
			return cmp.Compare(b.MoneyAtRisk, a.MoneyAtRisk)
		case a.Scenarios != b.Scenarios:
			return cmp.Compare(b.Scenarios, a.Scenarios)
		}
		return cmp.Or(cmp.Compare(rank(a.Invariant), rank(b.Invariant)), strings.Compare(a.Invariant, b.Invariant))
	})
	counts := make([]InvariantCount, len(out))
	for i, ic := range out {
		counts[i] = *ic
	}
	return counts
}

// capScore keeps the share-of-checks score from hiding a violation: many
// held checks must not make a run that lost money look good.
func capScore(score int, violated []InvariantCount) int {
	if len(violated) == 0 {
		return score
	}
	if violated[0].Money { // money invariants sort first
		return min(score, MoneyScoreCap)
	}
	return min(score, ViolationScoreCap)
}

// moneyText writes a sum of money at risk, saying when it is only a floor.
func moneyText(n int64, saturated bool) string {
	if saturated {
		return "more than " + fmtMoney(n)
	}
	return fmtMoney(n)
}

// headlineText is the run's first line, the same in every writer: the
// outcome word, then for a failed run the money at risk, the worst
// violated invariant and the scenarios violating each invariant; for
// another run what keeps it from passing.
func headlineText(r Report) string {
	t := r.Totals
	ran := t.Scenarios - t.Skipped
	word := headline(r)
	var parts []string
	switch {
	case r.Verdict == VerdictFail:
		worst := r.Violated[0]
		money := "no money recorded at risk"
		if t.MoneyAtRisk > 0 || t.MoneySaturated {
			money = "money at risk " + moneyText(t.MoneyAtRisk, t.MoneySaturated) + " (minor units)"
		}
		kind := ""
		if worst.Money {
			kind = " (a money invariant)"
		}
		parts = append(parts, money,
			fmt.Sprintf("worst: %s%s, violated in %d of %s", worst.Invariant, kind, worst.Scenarios, plural(ran, "scenario")))
		if len(r.Violated) > 1 {
			var each []string
			for _, ic := range r.Violated {
				each = append(each, fmt.Sprintf("%s %d", ic.Invariant, ic.Scenarios))
			}
			parts = append(parts, "scenarios violated per invariant: "+strings.Join(each, ", "))
		}
		if n := t.Inconclusive + t.Errored; n > 0 {
			parts = append(parts, plural(n, "scenario")+" proved nothing")
		}
	case ran == 0:
		parts = append(parts, "no scenario ran")
	case r.Verdict == VerdictInconclusive:
		why := []string{}
		if n := t.Inconclusive + t.Errored; n > 0 {
			why = append(why, fmt.Sprintf("%d of %s proved nothing (%d inconclusive, %s)",
				n, plural(ran, "scenario"), t.Inconclusive, plural(t.Errored, "harness error")))
		}
		if n := t.TimingInconclusive; n > 0 {
			why = append(why, fmt.Sprintf("the machine was too busy to judge the timing of %s (not failed)", plural(n, "scenario")))
		}
		if r.Run.Interrupted {
			why = append(why, "the run was interrupted")
		}
		if n := len(r.Run.SuiteFailures); n > 0 {
			why = append(why, plural(n, "suite failure"))
		}
		parts = append(parts, "no invariant violated, but "+strings.Join(why, "; "))
	case len(r.Regressions) > 0:
		parts = append(parts, fmt.Sprintf("every invariant held in %s, but %s against the baseline",
			plural(ran, "scenario"), plural(len(r.Regressions), "regression")))
	default:
		parts = append(parts, fmt.Sprintf("every invariant held in %s; no money at risk", plural(ran, "scenario")))
	}
	return word + " — " + strings.Join(parts, " — ")
}

// scoreText is the score with what capped it, in a sentence.
func scoreText(r Report) string {
	s := fmt.Sprintf("Resilience score %d/100", r.Score)
	switch {
	case len(r.Violated) == 0:
		return s + " (share of invariant checks that held)"
	case r.Violated[0].Money:
		return s + fmt.Sprintf(" (capped at %d: a money invariant was violated)", MoneyScoreCap)
	}
	return s + fmt.Sprintf(" (capped at %d: an invariant was violated)", ViolationScoreCap)
}

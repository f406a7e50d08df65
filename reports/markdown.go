package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MarkdownLimit is the size the Markdown summary always stays under, in
// bytes: a pull-request comment holds 65,536 characters, and a reader
// wants the gist. Evidence beyond it is left to the HTML page.
const MarkdownLimit = 60000

// HTMLName, MarkdownName, JUnitName and JSONName are the files WriteAll
// writes; the Markdown summary points at HTMLName for the full evidence.
const (
	HTMLName     = "index.html"
	MarkdownName = "summary.md"
	JUnitName    = "junit.xml"
	JSONName     = "report.json"
)

// Markdown caps: items per evidence list, lines of a failure message.
const (
	mdMaxItems        = 10
	mdMaxFailureLines = 6
	mdMaxMessage      = 600
)

// clip cuts text to about max bytes on a rune boundary, saying so.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + " … (cut; full text in " + HTMLName + ")"
}

// WriteMarkdown writes the summary for a pull-request comment: the
// verdict, regressions, the scenarios × invariants table, every violated
// invariant with its orders, then each scenario's figures. It is always
// shorter than MarkdownLimit: what does not fit is cut with a pointer to
// the HTML page.
func WriteMarkdown(w io.Writer, r Report) error {
	r = masked(r)
	_, err := io.WriteString(w, markdown(r))
	return err
}

func markdown(r Report) string {
	head := mdHeader(r)
	foot := fmt.Sprintf("\n---\nFull report with timelines and complete evidence: `%s` · report schema v%d\n", HTMLName, SchemaVersion)
	budget := MarkdownLimit - 1 - len(head) - len(foot)
	var b strings.Builder
	b.WriteString(head)
	for _, section := range []func(Report, int) string{mdRegressions, mdMatrix, mdViolations, mdDetails} {
		s := section(r, budget)
		b.WriteString(s)
		budget -= len(s)
	}
	b.WriteString(foot)
	out := b.String()
	if len(out) >= MarkdownLimit { // only when the header alone is huge (thousands of suite failures)
		cut := MarkdownLimit - len(foot) - 200
		if nl := strings.LastIndexByte(out[:cut], '\n'); nl > 0 {
			cut = nl
		}
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut] + "\n\n_…cut to fit; see `" + HTMLName + "`._\n" + foot
	}
	return out
}

var verdictIcon = map[Verdict]string{VerdictPass: "✅", VerdictFail: "❌", VerdictInconclusive: "⚠️"}

func mdHeader(r Report) string {
	var b strings.Builder
	icon := verdictIcon[r.Verdict]
	if r.Verdict == VerdictPass && len(r.Regressions) > 0 {
		icon = "📉"
	}
	fmt.Fprintf(&b, "# paychaos: %s %s\n\n", icon, mdText(r.Headline))
	b.WriteString(mdViolatedTable(r))
	t := r.Totals
	fmt.Fprintf(&b, "**%s**: %d passed · %d violated · %d inconclusive · %s · %d skipped. ",
		plural(t.Scenarios, "scenario"), t.Passed, t.Failed, t.Inconclusive, plural(t.Errored, "harness error"), t.Skipped)
	fmt.Fprintf(&b, "%s; money at risk %s (minor units). %s. Exit code %d.\n\n",
		plural(t.Violations, "invariant violation"), moneyText(t.MoneyAtRisk, t.MoneySaturated), scoreText(r), r.ExitCode)
	var meta []string
	meta = append(meta, "seed `"+strconv.FormatInt(r.Run.Seed, 10)+"`")
	if r.Run.Mode != "" {
		meta = append(meta, "mode `"+mdCode(r.Run.Mode)+"`")
	}
	if r.Run.Target != "" {
		meta = append(meta, "target `"+mdCode(r.Run.Target)+"`")
	}
	if r.Run.LabelFilter != "" {
		meta = append(meta, "labels `"+mdCode(r.Run.LabelFilter)+"`")
	}
	if !r.Run.Started.IsZero() {
		meta = append(meta, "started "+r.Run.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	meta = append(meta, "took "+fmtDur(r.Run.Duration.D()))
	for _, k := range sortedKeys(r.Run.Versions) {
		meta = append(meta, mdText(k)+" `"+mdCode(r.Run.Versions[k])+"`")
	}
	b.WriteString(strings.Join(meta, " · ") + "\n")
	if r.Run.Interrupted {
		b.WriteString("\n> ⚠️ **The run was interrupted**: scenarios after the interruption proved nothing.\n")
	}
	for _, f := range r.Run.SuiteFailures {
		b.WriteString("\n> ⚠️ Suite failure: " + mdText(firstLine(f)) + "\n")
	}
	return b.String()
}

// mdViolatedTable counts, per violated invariant, the scenarios that
// violate it, worst first.
func mdViolatedTable(r Report) string {
	if len(r.Violated) == 0 {
		return ""
	}
	var b strings.Builder
	ran := r.Totals.Scenarios - r.Totals.Skipped
	b.WriteString("| Violated invariant | Scenarios | Money at risk |\n|---|--:|--:|\n")
	for i, ic := range r.Violated {
		if i == mdMaxItems*2 {
			fmt.Fprintf(&b, "| _… %d more in `%s`_ | | |\n", len(r.Violated)-i, HTMLName)
			break
		}
		mark := ""
		if ic.Money {
			mark = "💰 "
		}
		fmt.Fprintf(&b, "| %s`%s` | %d of %d | %s |\n", mark, mdCode(ic.Invariant), ic.Scenarios, ran, moneyText(ic.MoneyAtRisk, ic.MoneySaturated))
	}
	b.WriteString("\n")
	return b.String()
}

// fit appends blocks to head while they fit in budget, keeping room for a
// note on what was left out.
func fit(head string, blocks []string, budget int, more func(left int) string) string {
	if len(blocks) == 0 {
		return ""
	}
	reserve := len(more(len(blocks))) + 1
	if len(head)+reserve > budget {
		return ""
	}
	var b strings.Builder
	b.WriteString(head)
	for i, blk := range blocks {
		if b.Len()+len(blk)+reserve > budget {
			b.WriteString(more(len(blocks) - i))
			return b.String()
		}
		b.WriteString(blk)
	}
	return b.String()
}

func mdRegressions(r Report, budget int) string {
	if r.Baseline == nil && len(r.Regressions) == 0 {
		return ""
	}
	var head strings.Builder
	fmt.Fprintf(&head, "\n## Regressions against the baseline: %d\n\n", len(r.Regressions))
	if bl := r.Baseline; bl != nil {
		head.WriteString(mdText(baselineText(*bl)) + "\n\n")
	}
	if len(r.Regressions) == 0 {
		head.WriteString("No regression.\n")
		if head.Len() > budget {
			return ""
		}
		return head.String()
	}
	head.WriteString("| Scenario | Regression | Baseline | Now |\n|---|---|---|---|\n")
	var rows []string
	for _, g := range r.Regressions {
		what := string(g.Kind)
		if g.Invariant != "" {
			what += " `" + mdCode(g.Invariant) + "`"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |\n", mdCell(g.Scenario), what, mdCell(g.Baseline), mdCell(g.Current)))
	}
	return fit(head.String(), rows, min(budget, 12000), func(n int) string {
		return fmt.Sprintf("\n_… %d more regressions in `%s`._\n", n, HTMLName)
	})
}

var cellIcon = map[string]string{ResultPass: "✅", ResultFail: "❌", ResultSkip: "➖"}

func matrixCell(s Scenario, inv string) string {
	c, ok := s.Check(inv)
	switch {
	case !ok:
		return "·"
	case c.Result == ResultPass && !provedSomething(s):
		return "❔"
	}
	if icon, ok := cellIcon[c.Result]; ok {
		return icon
	}
	return mdCell(c.Result)
}

var statusIcon = map[Status]string{StatusPass: "✅", StatusFail: "❌", StatusInconclusive: "⚠️", StatusError: "💥", StatusSkipped: "⏭️"}

func mdMatrix(r Report, budget int) string {
	if len(r.Scenarios) == 0 {
		return "\n## Invariants\n\nNo scenario in this run.\n"
	}
	var head strings.Builder
	head.WriteString("\n## Invariants\n\n| Scenario | Status |")
	for _, inv := range r.Invariants {
		head.WriteString(" " + mdCell(inv) + " |")
	}
	head.WriteString(" Faults fired | Recovery | Money at risk |\n|---|---|")
	head.WriteString(strings.Repeat("---|", len(r.Invariants)))
	head.WriteString("---|---|--:|\n")
	// Rows that need attention come first when the table must be cut.
	var rows, calm []string
	for _, s := range r.Scenarios {
		var row strings.Builder
		fmt.Fprintf(&row, "| %s | %s %s |", mdCell(s.Name), statusIcon[s.Status], statusWord(s.Status))
		for _, inv := range r.Invariants {
			row.WriteString(" " + matrixCell(s, inv) + " |")
		}
		fmt.Fprintf(&row, " %s | %s | %s |\n", firedText(s), recoveryText(s), fmtMoney(s.MoneyAtRisk))
		if s.Status == StatusPass || s.Status == StatusSkipped {
			calm = append(calm, row.String())
		} else {
			rows = append(rows, row.String())
		}
	}
	legend := "\n✅ held · ❌ violated · ❔ passed but the scenario proved nothing · ➖ not applicable · · not checked\n"
	budget = min(budget/3, 20000) - len(legend)
	all := orderedRows(r, rows, calm)
	if tooBig(head.Len(), all, budget) {
		all = append(rows, calm...)
	}
	return fit(head.String(), all, budget, func(n int) string {
		return fmt.Sprintf("| _… %d more scenarios in `%s`_ |\n", n, HTMLName)
	}) + legend
}

func tooBig(base int, rows []string, budget int) bool {
	n := base
	for _, r := range rows {
		n += len(r)
	}
	return n > budget
}

// orderedRows puts the rows back in the scenarios' order.
func orderedRows(r Report, attention, calm []string) []string {
	out := make([]string, 0, len(r.Scenarios))
	ai, ci := 0, 0
	for _, s := range r.Scenarios {
		if s.Status == StatusPass || s.Status == StatusSkipped {
			out = append(out, calm[ci])
			ci++
		} else {
			out = append(out, attention[ai])
			ai++
		}
	}
	return out
}

func firedText(s Scenario) string {
	if !s.HasResult {
		return "–"
	}
	if len(s.Faults) == 0 {
		return "no fault"
	}
	fired := 0
	for _, f := range s.Faults {
		if f.Fired {
			fired++
		}
	}
	return fmt.Sprintf("%d/%d", fired, len(s.Faults))
}

func mdViolations(r Report, budget int) string {
	var blocks []string
	for _, s := range r.Scenarios {
		for _, c := range s.Violations() {
			var b strings.Builder
			fmt.Fprintf(&b, "\n### ❌ `%s` in %s\n\n", mdCode(c.Invariant), mdText(s.Name))
			lines := evidenceLines(c, mdMaxItems)
			if c.Message != "" {
				b.WriteString("> " + strings.ReplaceAll(mdText(clip(lines[0], mdMaxMessage)), "\n", "\n> ") + "\n\n")
				lines = lines[1:]
			}
			if len(c.Orders) > 0 {
				fmt.Fprintf(&b, "- **Orders (%d)**: %s\n", len(c.Orders), mdCodeList(c.Orders))
				lines = lines[1:]
			}
			for _, l := range lines {
				b.WriteString("- " + mdText(l) + "\n")
			}
			if len(c.Orders) > mdMaxItems || len(c.Ops) > mdMaxItems || len(c.Ledger) > mdMaxItems {
				fmt.Fprintf(&b, "- Complete evidence in `%s`.\n", HTMLName)
			}
			fmt.Fprintf(&b, "- Reproduce: `%s`\n", mdCode(s.Reproduce))
			blocks = append(blocks, b.String())
		}
	}
	if len(blocks) == 0 {
		return ""
	}
	return fit(fmt.Sprintf("\n## Violations: %d\n", len(blocks)), blocks, budget-2000, func(n int) string {
		return fmt.Sprintf("\n_… %d more violations: see `%s`._\n", n, HTMLName)
	})
}

func mdCodeList(ids []string) string {
	return list(ids, mdMaxItems, func(s string) string { return "`" + mdCode(s) + "`" })
}

func mdDetails(r Report, budget int) string {
	var blocks []string
	for _, s := range r.Scenarios {
		var b strings.Builder
		fmt.Fprintf(&b, "\n### %s %s — %s\n\n", statusIcon[s.Status], mdText(s.Name), statusWord(s.Status))
		if s.ID != s.Name {
			fmt.Fprintf(&b, "Spec: %s", mdText(s.ID))
		} else {
			b.WriteString("Spec")
		}
		fmt.Fprintf(&b, " (Ginkgo state `%s`", s.State)
		if len(s.Labels) > 0 {
			b.WriteString(", labels " + list(s.Labels, 20, func(l string) string { return "`" + mdCode(l) + "`" }))
		}
		b.WriteString(")\n\n")
		if s.HasResult {
			fmt.Fprintf(&b, "- Faults: %s\n", mdText(faultSummary(s)))
			fmt.Fprintf(&b, "- %s\n", windowText(s))
			if s.Traffic != "" {
				fmt.Fprintf(&b, "- Traffic: `%s`\n", mdCode(s.Traffic))
			}
			fmt.Fprintf(&b, "- Recovery: %s · money at risk: %s (minor units) · took %s\n",
				recoveryText(s), fmtMoney(s.MoneyAtRisk), fmtDur(s.Duration.D()))
		}
		if s.Inconclusive != "" {
			fmt.Fprintf(&b, "- **Inconclusive**: %s\n", mdText(s.Inconclusive))
		}
		if t := timingText(s); t != "" {
			fmt.Fprintf(&b, "- Harness timing: %s\n", mdText(t))
		}
		if s.Message != "" {
			label := "Failure"
			if s.Status == StatusSkipped {
				label = "Skipped"
			}
			lines := strings.Split(s.Message, "\n")
			if len(lines) > mdMaxFailureLines {
				lines = append(lines[:mdMaxFailureLines], fmt.Sprintf("… (%d more lines in %s)", len(lines)-mdMaxFailureLines, HTMLName))
			}
			fmt.Fprintf(&b, "- %s:\n\n```text\n%s\n```\n", label, strings.ReplaceAll(strings.Join(lines, "\n"), "```", "'''"))
		}
		if len(s.Phases) > 0 {
			b.WriteString("\n| Phase | OK | Fail | Unknown | Success | p50 | p95 | p99 |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
			for _, p := range s.Phases {
				fmt.Fprintf(&b, "| %s | %d | %d | %d | %s | %s | %s | %s |\n", mdCell(p.Phase), p.OK, p.Fail, p.Unknown,
					pct(p.SuccessRate), fmtDur(p.P50.D()), fmtDur(p.P95.D()), fmtDur(p.P99.D()))
			}
		}
		if len(s.Verdicts) > 0 {
			b.WriteString("\n")
			var vs []string
			for _, c := range s.Verdicts {
				v := cellIcon[c.Result] + " `" + mdCode(c.Invariant) + "`"
				if c.Inconclusive {
					v += " (too busy to judge: inconclusive, not failed)"
				}
				vs = append(vs, v)
			}
			b.WriteString("Verdicts: " + strings.Join(vs, " · ") + "\n")
		}
		if s.Status != StatusSkipped {
			fmt.Fprintf(&b, "\nReproduce: `%s`\n", mdCode(s.Reproduce))
		}
		blocks = append(blocks, b.String())
	}
	return fit("\n## Scenarios\n", blocks, budget, func(n int) string {
		return fmt.Sprintf("\n_… %d more scenarios: see `%s`._\n", n, HTMLName)
	})
}

// mdText makes free text safe in Markdown prose: HTML-looking text would
// vanish, and a pipe would break a table.
func mdText(s string) string { return mdTextReplacer.Replace(s) }

var (
	mdTextReplacer = strings.NewReplacer("<", "&lt;", ">", "&gt;", "|", `\|`)
	mdCodeReplacer = strings.NewReplacer("`", "'", "\n", " ", "|", `\|`)
)

func mdCell(s string) string {
	return strings.ReplaceAll(mdText(strings.TrimSpace(s)), "\n", " ")
}

// mdCode makes text safe inside a single-backtick code span.
func mdCode(s string) string { return mdCodeReplacer.Replace(s) }

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

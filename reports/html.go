package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
)

//go:embed html.tmpl
var htmlTemplate string

//go:embed html.css
var htmlCSS string

// htmlMaxItems caps each evidence list on the page; report.json has all.
const htmlMaxItems = 500

var pageTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"dur":   func(d Duration) string { return fmtDur(d.D()) },
	"money": fmtMoney,
	"pct":   pct,
	"f1":    f1,
	"join":  strings.Join,
}).Parse(htmlTemplate))

// f1 writes a chart coordinate with one decimal.
func f1(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

type htmlPage struct {
	R            Report
	Title        string
	Headline     string
	VerdictClass string
	Sentence     string
	ScoreNote    string
	Violated     []InvariantCount
	Ran          int
	Meta         []htmlKV
	Versions     []htmlKV
	Rows         []htmlRow
	Scenarios    []htmlScenario
	Baseline     string
	CSS          template.CSS
	JSONName     string
}

type htmlKV struct{ K, V string }

type htmlRow struct {
	Anchor, Name, Status, StatusWord string
	Cells                            []htmlCell
	Fired, Recovery, Money           string
}

type htmlCell struct{ Class, Text, Title string }

type htmlScenario struct {
	Scenario
	Anchor     string
	StatusWord string
	Facts      []htmlKV
	// Timing says how the harness's own lag bore on the timing verdicts.
	Timing     string
	Chart      chart
	Violations []htmlEvidence
	Held       []Check
	Regs       []Regression
}

type htmlEvidence struct {
	Check
	Orders, Ops, Ledger []string
	More                []string
}

// WriteHTML writes one self-contained page: inline CSS and SVG, no script,
// no font, nothing fetched (a Content-Security-Policy forbids it). It reads
// on a laptop screen and prints cleanly.
func WriteHTML(w io.Writer, r Report) error {
	r = masked(r)
	if err := pageTmpl.Execute(w, page(r)); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	return nil
}

func page(r Report) htmlPage {
	p := htmlPage{
		R:            r,
		Headline:     headline(r),
		VerdictClass: strings.ToLower(headline(r)),
		CSS:          template.CSS(htmlCSS),
		JSONName:     JSONName,
	}
	p.Title = "paychaos: " + r.Headline
	p.Sentence = strings.TrimPrefix(r.Headline, p.Headline+" — ")
	p.ScoreNote = scoreText(r)
	p.Violated = r.Violated
	p.Ran = r.Totals.Scenarios - r.Totals.Skipped
	t := r.Totals
	p.Meta = append(p.Meta, htmlKV{"Seed", strconv.FormatInt(r.Run.Seed, 10)})
	add := func(k, v string) {
		if v != "" {
			p.Meta = append(p.Meta, htmlKV{k, v})
		}
	}
	add("Mode", r.Run.Mode)
	add("Target", r.Run.Target)
	add("Labels", r.Run.LabelFilter)
	if !r.Run.Started.IsZero() {
		add("Started", r.Run.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	add("Duration", fmtDur(r.Run.Duration.D()))
	add("Scenarios", fmt.Sprintf("%d: %d passed, %d violated, %d inconclusive, %s, %d skipped",
		t.Scenarios, t.Passed, t.Failed, t.Inconclusive, plural(t.Errored, "harness error"), t.Skipped))
	add("Checks held", fmt.Sprintf("%d of %d", t.ChecksHeld, t.Checks))
	add("Exit code", strconv.Itoa(r.ExitCode))
	for _, k := range sortedKeys(r.Run.Versions) {
		p.Versions = append(p.Versions, htmlKV{k, r.Run.Versions[k]})
	}

	if bl := r.Baseline; bl != nil {
		p.Baseline = baselineText(*bl)
	}
	regs := map[string][]Regression{}
	for _, g := range r.Regressions {
		regs[g.ID] = append(regs[g.ID], g)
	}
	for i, s := range r.Scenarios {
		anchor := "scenario-" + strconv.Itoa(i+1)
		row := htmlRow{Anchor: anchor, Name: s.Name, Status: string(s.Status), StatusWord: statusWord(s.Status),
			Fired: firedText(s), Recovery: recoveryText(s), Money: fmtMoney(s.MoneyAtRisk)}
		for _, inv := range r.Invariants {
			row.Cells = append(row.Cells, htmlCellOf(s, inv))
		}
		p.Rows = append(p.Rows, row)

		hs := htmlScenario{Scenario: s, Anchor: anchor, StatusWord: statusWord(s.Status), Regs: regs[s.ID]}
		if s.HasResult {
			hs.Chart = buildChart(s)
			hs.Facts = []htmlKV{
				{"Faults", faultSummary(s)},
				{"Window", windowText(s)},
				{"Traffic", s.Traffic},
				{"Recovery", recoveryText(s)},
				{"Money at risk", fmtMoney(s.MoneyAtRisk) + " (minor units)"},
				{"Duration", fmtDur(s.Duration.D())},
				{"Seed", strconv.FormatInt(s.Seed, 10)},
			}
			if s.Dir != "" {
				hs.Facts = append(hs.Facts, htmlKV{"Saved run", s.Dir})
			}
			hs.Timing = timingText(s)
		}
		for _, c := range s.Verdicts {
			if c.Result != ResultFail {
				hs.Held = append(hs.Held, c)
				continue
			}
			e := htmlEvidence{Check: c}
			e.Orders, e.More = capList(c.Orders, "orders", e.More)
			ops := make([]string, len(c.Ops))
			for j, id := range c.Ops {
				ops[j] = opRef(id)
			}
			e.Ops, e.More = capList(ops, "operations", e.More)
			e.Ledger, e.More = capList(c.Ledger, "ledger entries", e.More)
			hs.Violations = append(hs.Violations, e)
		}
		p.Scenarios = append(p.Scenarios, hs)
	}
	// The table keeps the source order; the sections below it start with
	// what needs attention.
	slices.SortStableFunc(p.Scenarios, func(a, b htmlScenario) int {
		return attention[a.Status] - attention[b.Status]
	})
	return p
}

// attention orders scenario sections: violations first, skipped last.
var attention = map[Status]int{StatusFail: 0, StatusInconclusive: 1, StatusError: 2, StatusPass: 3, StatusSkipped: 4}

func capList(items []string, what string, more []string) ([]string, []string) {
	if len(items) <= htmlMaxItems {
		return items, more
	}
	return items[:htmlMaxItems], append(more, fmt.Sprintf("%d more %s in %s", len(items)-htmlMaxItems, what, JSONName))
}

func htmlCellOf(s Scenario, inv string) htmlCell {
	c, ok := s.Check(inv)
	switch {
	case !ok:
		return htmlCell{Class: "none", Text: "·", Title: "not checked"}
	case c.Result == ResultFail:
		return htmlCell{Class: "fail", Text: "✗", Title: inv + " violated: " + c.Message}
	case c.Result == ResultSkip:
		return htmlCell{Class: "skip", Text: "–", Title: inv + " not applicable: " + c.Message}
	case c.Result == ResultPass && !provedSomething(s):
		return htmlCell{Class: "unproven", Text: "?", Title: inv + " passed, but the scenario proved nothing"}
	case c.Result == ResultPass:
		return htmlCell{Class: "pass", Text: "✓", Title: inv + " held"}
	}
	return htmlCell{Class: "none", Text: c.Result, Title: c.Message}
}

package reports

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// hugeRun is a run far past what a comment can hold: many scenarios, long
// names, thousands of orders per violation, long failure messages and many
// regressions.
func hugeRun(scenarios, orders int) Report {
	var r Report
	for i := range scenarios {
		s := Scenario{
			ID:        fmt.Sprintf("family %d scenario %d with a rather long descriptive name", i%7, i),
			Name:      fmt.Sprintf("scenario %d with a rather long descriptive name", i),
			State:     "passed",
			Status:    StatusPass,
			HasResult: true,
			Recovered: true,
			Faults:    []Fault{{Name: "provider-outage", Kind: "network", Start: Duration(time.Second), End: Duration(5 * time.Second), Hits: 3, Fired: true}},
			Phases:    []Phase{{Phase: "before", OK: 10, Total: 10, SuccessRate: 1}, {Phase: "during", OK: 5, Fail: 5, Total: 10, SuccessRate: 0.5}},
			Reproduce: fmt.Sprintf("go run ./cmd/paychaos run --seed %d", i),
			Verdicts:  []Check{{Invariant: "no-double-charge", Result: ResultPass}},
		}
		if i%3 == 0 {
			c := Check{Invariant: "no-false-paid", Result: ResultFail, Message: strings.Repeat("an order is paid without a capture; ", 20)}
			for j := range orders {
				c.Orders = append(c.Orders, fmt.Sprintf("ord_%d_%05d", i, j))
				c.Ops = append(c.Ops, j)
				c.Ledger = append(c.Ledger, fmt.Sprintf("pi_%d_%05d", i, j))
			}
			s.Verdicts = append(s.Verdicts, c)
			s.Status, s.State = StatusFail, "failed"
			s.Message = strings.Repeat("Expected invariants to hold\n", 200)
		}
		r.Scenarios = append(r.Scenarios, s)
		r.Regressions = append(r.Regressions, Regression{Kind: SlowerLatency, ID: s.ID, Scenario: s.Name, Baseline: "1s", Current: "9s"})
	}
	r.Baseline = &BaselineRef{Seed: 1, Margins: DefaultMargins}
	r.refresh()
	return r
}

func TestMarkdownStaysUnderTheLimit(t *testing.T) {
	for _, size := range []struct{ scenarios, orders int }{{1, 5000}, {40, 2000}, {3000, 200}} {
		r := hugeRun(size.scenarios, size.orders)
		out := string(render(t, r, md))
		if len(out) >= MarkdownLimit {
			t.Errorf("%d scenarios: summary is %d bytes, limit %d", size.scenarios, len(out), MarkdownLimit)
		}
		for _, want := range []string{"# paychaos: ❌ FAIL", "no-false-paid", "`ord_0_00000`", "index.html", "## Invariants", "## Violations"} {
			if !strings.Contains(out, want) {
				t.Errorf("%d scenarios: summary lacks %q", size.scenarios, want)
			}
		}
		if strings.Contains(out, "ord_0_00010") {
			t.Errorf("%d scenarios: evidence lists were not cut at %d items", size.scenarios, mdMaxItems)
		}
		if !strings.Contains(out, "cut; full text in index.html") {
			t.Errorf("%d scenarios: a long violation message was not cut", size.scenarios)
		}
		if !strings.Contains(out, "… and ") {
			t.Errorf("%d scenarios: cut lists do not say how much was left out", size.scenarios)
		}
	}
	// When the table must be cut, scenarios needing attention come first.
	out := string(render(t, hugeRun(3000, 10), md))
	table := out[strings.Index(out, "## Invariants"):strings.Index(out, "✅ held ·")]
	if !strings.Contains(table, "more scenarios in `index.html`") || strings.Contains(table, "| scenario 1 with") {
		t.Errorf("a cut table should list violated scenarios first and say how many were left out")
	}
}

// Even a header swollen by suite failures stays under the limit.
func TestMarkdownHugeHeader(t *testing.T) {
	r := hugeRun(10, 10)
	for i := range 5000 {
		r.Run.SuiteFailures = append(r.Run.SuiteFailures, fmt.Sprintf("AfterSuite failed: cleanup %d left a proxy behind — ✗", i))
	}
	r.refresh()
	out := render(t, r, md)
	if len(out) >= MarkdownLimit || !utf8.Valid(out) || !strings.Contains(string(out), "cut to fit") {
		t.Fatalf("summary of %d bytes, valid UTF-8 %v", len(out), utf8.Valid(out))
	}
}

// A small run is never cut.
func TestMarkdownSmallRunWhole(t *testing.T) {
	out := string(render(t, fixtureReport(t), md))
	if strings.Contains(out, "more scenarios") || strings.Contains(out, "more violations") || strings.Contains(out, "… and") {
		t.Errorf("a small run was cut:\n%s", out)
	}
}

func TestMarkdownEscapes(t *testing.T) {
	r := Report{Scenarios: []Scenario{{
		ID: "a|b", Name: "a|b <script>", Status: StatusFail, State: "failed", HasResult: true,
		Verdicts: []Check{{Invariant: "no-false-paid", Result: ResultFail, Message: "pipe | and <b>html</b>", Orders: []string{"o`1"}}},
	}}}
	r.refresh()
	out := string(render(t, r, md))
	for _, bad := range []string{"<script>", "<b>", "| a|b"} {
		if strings.Contains(out, bad) {
			t.Errorf("summary contains unescaped %q", bad)
		}
	}
	if !strings.Contains(out, `a\|b &lt;script&gt;`) || !strings.Contains(out, "`o'1`") {
		t.Errorf("escaping:\n%s", out)
	}
}

func BenchmarkMarkdownHugeRun(b *testing.B) {
	r := hugeRun(3000, 200)
	for b.Loop() {
		_ = markdown(r)
	}
}

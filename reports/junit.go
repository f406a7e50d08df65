package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// junitEvidenceLines is how many lines of evidence a failure element
// carries; the rest is in the HTML page.
const junitEvidenceLines = 12

// The JUnit elements follow the schema Jenkins' JUnit plugin validates
// against (junit-4.xsd), which GitLab and GitHub test reporters read too:
// testsuites > testsuite > (properties, testcase*), and in a testcase the
// order skipped, error*, failure*, system-out. Attributes outside that
// schema are left out.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Disabled int          `xml:"disabled,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Package    string          `xml:"package,attr,omitempty"`
	ID         int             `xml:"id,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Disabled   int             `xml:"disabled,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Time      string         `xml:"time,attr"`
	Status    string         `xml:"status,attr"`
	Skipped   *string        `xml:"skipped"`
	Errors    []junitProblem `xml:"error"`
	Failures  []junitProblem `xml:"failure"`
	SystemOut *junitText     `xml:"system-out"`
}

// junitText is element text written as CDATA, so multi-line evidence reads
// as it is in the file.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// WriteJUnit writes one test case per scenario: a failure element per
// violated invariant (its evidence's first lines) and per regression, an
// error element for an inconclusive or errored scenario, and skipped for a
// skipped one. Suite-level failures become test cases of their own, so a
// CI reporter shows them.
func WriteJUnit(w io.Writer, r Report) error {
	r = masked(r)
	suite := junitSuite{
		Name:    "paychaos",
		Package: r.Run.Suite,
		Time:    seconds(r.Run.Duration),
	}
	if !r.Run.Started.IsZero() {
		suite.Timestamp = r.Run.Started.UTC().Format("2006-01-02T15:04:05")
	}
	suite.Properties = junitProperties(r)
	regs := map[string][]Regression{}
	for _, g := range r.Regressions {
		regs[g.ID] = append(regs[g.ID], g)
	}
	for _, s := range r.Scenarios {
		suite.Cases = append(suite.Cases, junitCaseOf(s, regs[s.ID], r.Run.Suite))
	}
	for i, f := range r.Run.SuiteFailures {
		suite.Cases = append(suite.Cases, junitCase{
			Name:      fmt.Sprintf("suite failure %d: %s", i+1, firstLine(f)),
			Classname: classname(r.Run.Suite),
			Time:      "0.000",
			Status:    "error",
			Errors:    []junitProblem{{Message: firstLine(f), Type: "suite", Text: f}},
		})
	}
	for i := range suite.Cases {
		sanitize(&suite.Cases[i])
	}
	for i := range suite.Properties {
		suite.Properties[i].Value = xmlSafe(suite.Properties[i].Value)
	}
	suite.Package = xmlSafe(suite.Package)
	for _, c := range suite.Cases {
		suite.Tests++
		switch {
		case c.Skipped != nil:
			suite.Skipped++
		case len(c.Errors) > 0:
			suite.Errors++
		case len(c.Failures) > 0:
			suite.Failures++
		}
	}
	doc := junitSuites{
		Name: "paychaos", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Time: suite.Time, Suites: []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitProperties(r Report) []junitProperty {
	ps := []junitProperty{
		{"seed", strconv.FormatInt(r.Run.Seed, 10)},
		{"verdict", string(r.Verdict)},
		{"headline", r.Headline},
		{"money_at_risk", strconv.FormatInt(r.Totals.MoneyAtRisk, 10)},
		{"score", strconv.Itoa(r.Score)},
		{"exit_code", strconv.Itoa(r.ExitCode)},
		{"schema_version", strconv.Itoa(SchemaVersion)},
	}
	add := func(k, v string) {
		if v != "" {
			ps = append(ps, junitProperty{k, v})
		}
	}
	add("mode", r.Run.Mode)
	add("target", r.Run.Target)
	add("label_filter", r.Run.LabelFilter)
	if r.Run.Interrupted {
		add("interrupted", "true")
	}
	if r.Totals.MoneySaturated {
		add("money_at_risk_saturated", "true")
	}
	for _, k := range sortedKeys(r.Run.Versions) {
		add("version."+k, r.Run.Versions[k])
	}
	for _, p := range junitTiming(r) {
		add(p.Name, p.Value)
	}
	if r.Baseline != nil {
		add("baseline.seed", strconv.FormatInt(r.Baseline.Seed, 10))
		add("regressions", strconv.Itoa(len(r.Regressions)))
	}
	return ps
}

func junitCaseOf(s Scenario, regs []Regression, suite string) junitCase {
	c := junitCase{
		Name:      s.ID,
		Classname: classname(suite),
		Time:      seconds(s.Duration),
		Status:    string(s.Status),
	}
	switch s.Status {
	case StatusSkipped:
		msg := s.Message
		if msg == "" {
			msg = "skipped (" + s.State + ")"
		}
		c.Skipped = &msg
	case StatusInconclusive:
		c.Errors = append(c.Errors, junitProblem{
			Message: "inconclusive: " + firstLine(s.Inconclusive), Type: "inconclusive",
			Text: s.Inconclusive + "\n\nA scenario that proved nothing is not a pass.",
		})
	case StatusError:
		msg := firstLine(s.Message)
		if msg == "" {
			msg = "spec " + s.State
		}
		c.Errors = append(c.Errors, junitProblem{Message: "harness error: " + msg, Type: "harness", Text: firstLines(s.Message, junitEvidenceLines)})
	}
	if s.Status == StatusFail && s.Inconclusive != "" {
		c.Errors = append(c.Errors, junitProblem{
			Message: "inconclusive: " + firstLine(s.Inconclusive), Type: "inconclusive", Text: s.Inconclusive,
		})
	}
	for _, v := range s.Violations() {
		lines := evidenceLines(v, 10)
		if len(lines) > junitEvidenceLines {
			lines = lines[:junitEvidenceLines]
		}
		lines = append(lines, "", "Complete evidence: "+HTMLName, "Reproduce: "+s.Reproduce)
		msg := v.Invariant + " violated"
		if v.Message != "" {
			msg = v.Invariant + ": " + firstLine(v.Message)
		}
		c.Failures = append(c.Failures, junitProblem{Message: msg, Type: v.Invariant, Text: strings.Join(lines, "\n")})
	}
	for _, g := range regs {
		c.Failures = append(c.Failures, junitProblem{
			Message: "regression (" + string(g.Kind) + "): " + g.Message, Type: "regression",
			Text: fmt.Sprintf("%s\nbaseline: %s\nnow: %s", g.Message, g.Baseline, g.Current),
		})
	}
	var out []string
	if s.Status != StatusSkipped {
		out = append(out, "reproduce: "+s.Reproduce)
	}
	if s.HasResult {
		out = append(out, "faults: "+faultSummary(s), "recovery: "+recoveryText(s), "money at risk: "+fmtMoney(s.MoneyAtRisk)+" (minor units)")
		if t := timingText(s); t != "" {
			out = append(out, "harness timing: "+t)
		}
		for _, p := range s.Phases {
			out = append(out, fmt.Sprintf("phase %s: ok %d, fail %d, unknown %d, p50 %s, p95 %s, p99 %s",
				p.Phase, p.OK, p.Fail, p.Unknown, fmtDur(p.P50.D()), fmtDur(p.P95.D()), fmtDur(p.P99.D())))
		}
	}
	if s.Status == StatusFail && s.Message != "" {
		out = append(out, "ginkgo failure: "+firstLines(s.Message, junitEvidenceLines))
	}
	if len(out) > 0 {
		c.SystemOut = &junitText{strings.Join(out, "\n")}
	}
	return c
}

func classname(suite string) string {
	if suite == "" {
		return "paychaos"
	}
	return suite
}

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// xmlSafe drops terminal colour codes and replaces what XML 1.0 cannot
// carry, since CDATA is not escaped.
func xmlSafe(s string) string {
	s = ansiRE.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}

// sanitize makes every text and attribute of the document safe XML.
func sanitize(c *junitCase) {
	c.Name, c.Classname = xmlSafe(c.Name), xmlSafe(c.Classname)
	if c.Skipped != nil {
		s := xmlSafe(*c.Skipped)
		c.Skipped = &s
	}
	for _, ps := range [][]junitProblem{c.Errors, c.Failures} {
		for i := range ps {
			ps[i].Message, ps[i].Type, ps[i].Text = xmlSafe(ps[i].Message), xmlSafe(ps[i].Type), xmlSafe(ps[i].Text)
		}
	}
	if c.SystemOut != nil {
		c.SystemOut.Text = xmlSafe(c.SystemOut.Text)
	}
}

func seconds(d Duration) string {
	return strconv.FormatFloat(d.D().Seconds(), 'f', 3, 64)
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("… (%d more lines in %s)", len(lines)-n, HTMLName))
	}
	return strings.Join(lines, "\n")
}

// junitTiming are the run's properties for the harness's own lag (JUnit
// has properties per suite only): how many scenarios the machine was too
// busy to judge for timing (inconclusive, not failed), how many had their
// timing budgets widened by the time the harness lost, and its longest
// pause.
func junitTiming(r Report) []junitProperty {
	var busy, widened int
	var worst Duration
	for _, s := range r.Scenarios {
		switch {
		case s.TimingInconclusive():
			busy++
		case s.Lag != nil && s.Lag.Lost > 0:
			widened++
		}
		if s.Lag != nil {
			worst = max(worst, s.Lag.Worst)
		}
	}
	var ps []junitProperty
	if busy > 0 {
		ps = append(ps, junitProperty{"timing_inconclusive", strconv.Itoa(busy)})
	}
	if widened > 0 {
		ps = append(ps, junitProperty{"timing_widened", strconv.Itoa(widened)})
	}
	if worst > 0 {
		ps = append(ps, junitProperty{"harness_lag_worst_ms", strconv.FormatInt(worst.D().Milliseconds(), 10)})
	}
	return ps
}

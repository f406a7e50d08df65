package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// junitSchema is the structure of junit-4.xsd, the schema Jenkins' JUnit
// plugin validates against and the one GitLab and GitHub reporters accept:
// for each element, its attributes (true when required) and its children
// in the order the schema's sequences impose, with their maximum count
// (0: unbounded).
var junitSchema = map[string]struct {
	attrs    map[string]bool
	children []schemaChild
	text     bool
}{
	"testsuites": {
		attrs:    map[string]bool{"name": false, "time": false, "tests": false, "failures": false, "disabled": false, "errors": false},
		children: []schemaChild{{"testsuite", 0}},
	},
	"testsuite": {
		attrs: map[string]bool{"name": true, "tests": true, "failures": false, "errors": false, "time": false, "disabled": false,
			"skipped": false, "timestamp": false, "hostname": false, "id": false, "package": false},
		children: []schemaChild{{"properties", 1}, {"testcase", 0}, {"system-out", 1}, {"system-err", 1}},
	},
	"properties": {children: []schemaChild{{"property", 0}}},
	"property":   {attrs: map[string]bool{"name": true, "value": true}},
	"testcase": {
		attrs:    map[string]bool{"name": true, "assertions": false, "time": false, "classname": false, "status": false},
		children: []schemaChild{{"skipped", 1}, {"error", 0}, {"failure", 0}, {"system-out", 0}, {"system-err", 0}},
	},
	"skipped":    {text: true},
	"error":      {attrs: map[string]bool{"type": false, "message": false}, text: true},
	"failure":    {attrs: map[string]bool{"type": false, "message": false}, text: true},
	"system-out": {text: true},
	"system-err": {text: true},
}

type schemaChild struct {
	name string
	max  int
}

// validateJUnit checks a document against junitSchema: known elements
// only, known attributes only, required attributes present, children in
// sequence order within their counts, text only where allowed.
func validateJUnit(doc []byte) error {
	type frame struct {
		name  string
		pos   int // index into the parent's sequence
		count int
	}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []frame
	roots := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			def, ok := junitSchema[name]
			if !ok {
				return fmt.Errorf("unknown element <%s>", name)
			}
			if len(stack) == 0 {
				roots++
				if name != "testsuites" || roots > 1 {
					return fmt.Errorf("root must be one <testsuites>, got <%s>", name)
				}
			} else {
				parent := &stack[len(stack)-1]
				seq := junitSchema[parent.name].children
				i := slices.IndexFunc(seq, func(c schemaChild) bool { return c.name == name })
				switch {
				case i < 0:
					return fmt.Errorf("<%s> may not contain <%s>", parent.name, name)
				case i < parent.pos:
					return fmt.Errorf("<%s> comes after a later element of <%s>'s sequence", name, parent.name)
				case i > parent.pos:
					parent.pos, parent.count = i, 0
				}
				parent.count++
				if seq[i].max > 0 && parent.count > seq[i].max {
					return fmt.Errorf("<%s> holds more than %d <%s>", parent.name, seq[i].max, name)
				}
			}
			seen := map[string]bool{}
			for _, a := range tok.Attr {
				if _, ok := def.attrs[a.Name.Local]; !ok || a.Name.Space != "" {
					return fmt.Errorf("<%s> has attribute %q outside the schema", name, a.Name.Local)
				}
				seen[a.Name.Local] = true
			}
			for a, required := range def.attrs {
				if required && !seen[a] {
					return fmt.Errorf("<%s> lacks required attribute %q", name, a)
				}
			}
			stack = append(stack, frame{name: name})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && !junitSchema[stack[len(stack)-1].name].text && len(bytes.TrimSpace(tok)) > 0 {
				return fmt.Errorf("<%s> may not hold text", stack[len(stack)-1].name)
			}
		}
	}
	if roots != 1 {
		return fmt.Errorf("no <testsuites> root")
	}
	return nil
}

// The validator itself must reject what the schema forbids.
func TestValidateJUnitRejects(t *testing.T) {
	for doc, want := range map[string]string{
		`<testsuite name="x" tests="1"/>`: "root must be",
		`<testsuites><testsuite name="x" tests="1"><testcase name="a"><failure/><skipped/></testcase></testsuite></testsuites>`:   "comes after",
		`<testsuites><testsuite name="x" tests="1"><testcase name="a"><skipped message="m"/></testcase></testsuite></testsuites>`: "outside the schema",
		`<testsuites><testsuite tests="1"/></testsuites>`:                                                                         "lacks required",
		`<testsuites><testsuite name="x" tests="1"><testcase name="a"><skipped/><skipped/></testcase></testsuite></testsuites>`:   "more than 1",
		`<testsuites><testsuite name="x" tests="1"><bogus/></testsuite></testsuites>`:                                             "unknown element",
		`<testsuites><testsuite name="x" tests="1">text</testsuite></testsuites>`:                                                 "may not hold text",
		`<testsuites><testsuite name="x" tests="1">`:                                                                              "not well-formed",
	} {
		if err := validateJUnit([]byte(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", doc, err, want)
		}
	}
}

// junitDoc reads a JUnit file back for its figures.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Skipped    int    `xml:"skipped,attr"`
		Time       string `xml:"time,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string  `xml:"name,attr"`
			Classname string  `xml:"classname,attr"`
			Time      string  `xml:"time,attr"`
			Skipped   *string `xml:"skipped"`
			Errors    []struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
			Failures []struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitStructure(t *testing.T) {
	r := fixtureReport(t)
	out := render(t, r, junit)
	if err := validateJUnit(out); err != nil {
		t.Fatalf("junit.xml breaks the schema: %v", err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 6 || doc.Failures != 1 || doc.Errors != 2 || len(doc.Suites) != 1 {
		t.Fatalf("totals: tests %d failures %d errors %d suites %d", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Tests != 6 || s.Failures != 1 || s.Errors != 2 || s.Skipped != 2 || s.Time != "97.000" || s.Timestamp != "2026-03-01T10:00:00" {
		t.Fatalf("suite: %+v", s)
	}
	props := map[string]string{}
	for _, p := range s.Properties {
		props[p.Name] = p.Value
	}
	if props["seed"] != "1234" || props["verdict"] != "fail" || props["exit_code"] != "1" || props["score"] != "10" ||
		props["money_at_risk"] != "7500" || !strings.HasPrefix(props["headline"], "FAIL — money at risk 7,500") {
		t.Errorf("properties: %v", props)
	}
	if len(s.Cases) != len(r.Scenarios) {
		t.Fatalf("%d test cases for %d scenarios", len(s.Cases), len(r.Scenarios))
	}
	for i, c := range s.Cases {
		sc := r.Scenarios[i]
		if c.Name != sc.ID || c.Classname != "paychaos scenarios" {
			t.Errorf("case %d named %q/%q", i, c.Classname, c.Name)
		}
		if _, err := strconv.ParseFloat(c.Time, 64); err != nil {
			t.Errorf("case %d time %q", i, c.Time)
		}
		if want := sc.Duration.D(); c.Time != strconv.FormatFloat(want.Seconds(), 'f', 3, 64) {
			t.Errorf("case %d time %s, want %v", i, c.Time, want)
		}
		if got, want := len(c.Failures), len(sc.Violations()); got != want {
			t.Errorf("case %q: %d failures, want one per violated invariant (%d)", c.Name, got, want)
		}
		if (c.Skipped != nil) != (sc.Status == StatusSkipped) {
			t.Errorf("case %q: skipped element %v for status %s", c.Name, c.Skipped != nil, sc.Status)
		}
		wantErr := sc.Status == StatusInconclusive || sc.Status == StatusError
		if (len(c.Errors) > 0) != wantErr {
			t.Errorf("case %q: %d errors for status %s", c.Name, len(c.Errors), sc.Status)
		}
	}
	outage := s.Cases[1]
	f := outage.Failures[0]
	if f.Type != "no-false-paid" || !strings.HasPrefix(f.Message, "no-false-paid: 3 orders") ||
		!strings.Contains(f.Text, "orders (3): ord_0007, ord_0012, ord_0019") || !strings.Contains(f.Text, "Reproduce: go run") {
		t.Errorf("outage failure: %+v", f)
	}
	if e := s.Cases[2].Errors[0]; e.Type != "inconclusive" || !strings.Contains(e.Message, "never fired") {
		t.Errorf("inconclusive error: %+v", e)
	}
	if e := s.Cases[3].Errors[0]; e.Type != "harness" || !strings.Contains(e.Text, "connection refused") {
		t.Errorf("harness error: %+v", e)
	}
	if sk := s.Cases[4].Skipped; sk == nil || !strings.Contains(*sk, "containers mode") {
		t.Errorf("skipped reason lost")
	}
}

// Text a terminal or a SUT may produce (colour codes, control bytes, a
// CDATA terminator) still makes a well-formed file.
func TestJUnitHostileText(t *testing.T) {
	r := Report{Scenarios: []Scenario{{
		ID: "x ]]> <y>", Name: "x", Status: StatusFail, State: "failed", HasResult: true,
		Message:  "\x1b[31mred\x1b[0m bell\a ]]> end",
		Verdicts: []Check{{Invariant: "no-false-paid", Result: ResultFail, Message: "nul\x00 and ]]> and \x1b[1mbold"}},
	}}}
	r.refresh()
	out := render(t, r, junit)
	if err := validateJUnit(out); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var doc junitDoc
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	f := doc.Suites[0].Cases[0].Failures[0]
	if !strings.Contains(f.Text, "nul\uFFFD and ]]> and bold") || strings.Contains(string(out), "\x1b") {
		t.Errorf("failure text %q", f.Text)
	}
}

// Regressions become failures of their scenario's test case.
func TestJUnitRegressions(t *testing.T) {
	base := fixtureReport(t)
	cur := fixtureReport(t)
	cur.Scenarios[0].Recovered = false
	// The recovery time is judged against several baseline runs.
	r := WithBaselines(cur, []Report{base, base, base}, DefaultMargins)
	out := render(t, r, junit)
	if err := validateJUnit(out); err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Suites[0].Cases[0]
	if len(c.Failures) != 1 || c.Failures[0].Type != "regression" || !strings.Contains(c.Failures[0].Message, "no longer recovers") {
		t.Fatalf("baseline case failures: %+v", c.Failures)
	}
	if doc.Failures != 2 {
		t.Errorf("failures %d, want 2 (the violation and the regression)", doc.Failures)
	}
}

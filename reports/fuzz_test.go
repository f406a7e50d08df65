package reports

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/paychaos/paychaos/harness"
)

// FuzzReportInput feeds the decoding behind `paychaos report` arbitrary
// bytes: the streaming Load (report.json or a Ginkgo report) and
// ReadGinkgo → FromGinkgo. Neither may panic or hang; what Load accepts
// must render in every writer and read back with the same verdict, exit
// code and headline; every status must be the one its verdicts give.
// Its seeds run in go test; `make fuzz` explores further.
func FuzzReportInput(f *testing.F) {
	// The fixture run, its timelines cut short so the fuzzer mutates
	// structure rather than thousands of points: as Ginkgo writes it, and
	// as report.json.
	rs := fixtureReports()
	for i, sr := range rs[0].SpecReports {
		for j, e := range sr.ReportEntries {
			var res harness.Result
			switch v := e.GetRawValue().(type) {
			case harness.Result:
				res = v
			case *harness.Result:
				res = *v
			default:
				continue
			}
			res.Timeline = res.Timeline[:min(len(res.Timeline), 3)]
			rs[0].SpecReports[i].ReportEntries[j].Value = types.WrapEntryValue(res)
		}
	}
	g, err := json.Marshal(rs)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(g)
	r, err := FromGinkgo(rs, fixtureMeta)
	if err != nil {
		f.Fatal(err)
	}
	var model bytes.Buffer
	if err := WriteJSON(&model, WithBaseline(r, r, DefaultMargins)); err != nil {
		f.Fatal(err)
	}
	f.Add(model.Bytes())
	for _, s := range []string{
		`{"schema_version": 2, "scenarios": [{"id": "a", "state": "passed", "has_result": true,` +
			` "verdicts": [{"invariant": "no-false-paid", "result": "fail", "money_at_risk": 9223372036854775807}], "money_at_risk": 9223372036854775807},` +
			` {"id": "b", "state": "failed", "status": "pass", "has_result": true, "money_at_risk": 9223372036854775807,` +
			` "verdicts": [{"invariant": "no-double-charge", "result": "fail"}]}]}`,
		`{"schema_version": 1, "scenarios": [{"id": "a", "state": "passed", "has_result": true, "window": {"fault_start_ms": 1, "fault_end_ms": 5},` +
			` "phases": [{"phase": "during", "total": 1}], "timeline": [{"at_ms": 2, "latency_ms": 3, "kind": "pay"}]}]}`,
		`{"schema_version": 2, "scenarios": [{"id": "a", "status": "bogus"}]}`,
		`[{"SuitePath": "/s", "SpecReports": [{"LeafNodeType": "It", "State": "passed", "ReportEntries": [{"Name": "paychaos.result", "Value": {"AsJSON": "{\"verdicts\": [{\"invariant\": \"x\", \"result\": \"pass\"}]}"}}]}]}]`,
		`[]`, `{}`, `[{}]`, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if rs, err := decodeGinkgo(b); err == nil {
			_, _ = FromGinkgo(rs, Meta{})
		}
		r, err := decodeReport(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, s := range r.Scenarios {
			if s.Status != deriveStatus(s) {
				t.Fatalf("scenario %q has status %s, its verdicts give %s", s.ID, s.Status, deriveStatus(s))
			}
		}
		var out bytes.Buffer
		if err := WriteJSON(&out, r); err != nil {
			t.Fatalf("an accepted report does not encode: %v", err)
		}
		back, err := decodeReport(&out)
		if err != nil {
			t.Fatalf("an accepted report does not read back: %v\n%s", err, out.Bytes())
		}
		if back.Verdict != r.Verdict || back.ExitCode != r.ExitCode || back.Headline != r.Headline {
			t.Fatalf("read back as %s/%d %q, was %s/%d %q", back.Verdict, back.ExitCode, back.Headline, r.Verdict, r.ExitCode, r.Headline)
		}
		for name, w := range map[string]func(io.Writer, Report) error{"html": WriteHTML, "md": WriteMarkdown, "junit": WriteJUnit} {
			if err := w(io.Discard, r); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	})
}

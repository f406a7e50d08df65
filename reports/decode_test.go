package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Load streams a Ginkgo report into the same model FromGinkgo builds from
// the decoded one, whatever the order of a suite's fields.
func TestLoadStreamsGinkgo(t *testing.T) {
	want, err := FromGinkgo(readFixture(t), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(fixtureJSON)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := render(t, want, js), render(t, got, js); !bytes.Equal(a, b) {
		t.Fatalf("streamed report differs:\n%s", firstDiff(string(a), string(b)))
	}
	// The specs before the suite's seed and path: kept until the suite ends.
	raw, err := os.ReadFile(fixtureJSON)
	if err != nil {
		t.Fatal(err)
	}
	var suites []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &suites); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(`[{"SpecReports": ` + string(suites[0]["SpecReports"]))
	for k, v := range suites[0] {
		if k != "SpecReports" {
			b.WriteString(`, "` + k + `": ` + string(v))
		}
	}
	b.WriteString("}]")
	reordered, err := decodeReport(&b)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := render(t, want, js), render(t, reordered, js); !bytes.Equal(a, b) {
		t.Fatalf("reordered suite differs:\n%s", firstDiff(string(a), string(b)))
	}
}

// A file over the limit is refused with the sizes before anything is
// decoded; a stream that goes past it fails rather than ends.
func TestLoadIsBounded(t *testing.T) {
	info, err := os.Stat(fixtureJSON)
	if err != nil {
		t.Fatal(err)
	}
	_, err = loadLimited(fixtureJSON, info.Size()-1)
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "over the limit of") {
		t.Fatalf("got %v", err)
	}
	if _, err := loadLimited(fixtureJSON, info.Size()); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
	for _, c := range []struct {
		in    string
		limit int64
		fails bool
	}{{"0123456789", 10, false}, {"0123456789x", 10, true}, {"", 0, false}} {
		_, err := readAllBounded(strings.NewReader(c.in), c.limit)
		if (err != nil) != c.fails {
			t.Errorf("%q limit %d: %v", c.in, c.limit, err)
		}
	}
}

func readAllBounded(r *strings.Reader, limit int64) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(&boundedReader{r: r, left: limit, limit: limit})
	return b.Bytes(), err
}

func TestLoadRefusesWhatItCannotRead(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ content, want string }{
		"trailing":      {`{"schema_version": 2} {"schema_version": 2}`, "data after the report"},
		"ginkgo tail":   {`[{"SuitePath": "x"}] [`, "data after the report"},
		"version text":  {`{"schema_version": "two"}`, "schema_version"},
		"scenarios obj": {`{"schema_version": 2, "scenarios": {}}`, "expected an array"},
		"suite number":  {`[1]`, "suite 0 is 1, not an object"},
		"cut scenario":  {`{"schema_version": 2, "scenarios": [{"id": "a"`, "truncated"},
		"negative time": {`{"schema_version": 2, "scenarios": [{"id": "a", "state": "passed", "timeline": [{"at_ms": -5}]}]}`, "timeline[0].at_ms -5.0ms is out of range"},
		"ages":          {`{"schema_version": 2, "scenarios": [{"id": "a", "state": "passed", "duration_ms": 9000000000000}]}`, "duration_ms"},
		"bad status":    {`{"schema_version": 2, "scenarios": [{"id": "a", "state": "passed", "status": "FAIL"}]}`, `unknown status "FAIL"`},
	} {
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(p); !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want ErrBadInput mentioning %q", name, err, c.want)
		}
	}
}

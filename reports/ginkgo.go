package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/paychaos/paychaos/harness"
)

// ErrBadInput marks an input the reports cannot be built from: a missing,
// truncated or foreign file, or a result entry that does not decode. Callers
// map it to exit code 2 (errors.Is(err, ErrBadInput)).
var ErrBadInput = errors.New("bad report input")

// Meta is run metadata the caller knows better than Ginkgo's report. Zero
// fields are filled from the Ginkgo report and the scenarios' results.
type Meta struct {
	// Seed defaults to Ginkgo's random seed.
	Seed int64
	// Mode and Target default to those of the first scenario result.
	Mode   string
	Target string
	// Versions are component versions to show (paychaos, go, target…).
	Versions map[string]string
	// Started and Duration default to the span of the Ginkgo suites.
	Started  time.Time
	Duration time.Duration
	// Interrupted is or-ed with what the Ginkgo report says.
	Interrupted bool
	// SuitePath is the suite directory used in reproduce commands; it
	// defaults to Ginkgo's suite path.
	SuitePath string
}

// ReadGinkgo reads a Ginkgo JSON report (--json-report): an array of suite
// reports, of at most MaxInputBytes. Any failure wraps ErrBadInput and
// says what is wrong.
func ReadGinkgo(path string) ([]types.Report, error) {
	b, err := readBounded(path, MaxInputBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: read ginkgo report: %w", ErrBadInput, err)
	}
	rs, err := decodeGinkgo(b)
	if err != nil {
		return nil, fmt.Errorf("%w: ginkgo report %s: %w", ErrBadInput, path, err)
	}
	return rs, nil
}

func decodeGinkgo(b []byte) ([]types.Report, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, errors.New("file is empty")
	}
	if b[0] != '[' {
		return nil, errors.New("not a Ginkgo JSON report: expected an array of suite reports")
	}
	var rs []types.Report
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, describeJSONError(err)
	}
	if len(rs) == 0 {
		return nil, errors.New("no suite in the report")
	}
	for i, r := range rs {
		if r.SuitePath == "" && r.SuiteDescription == "" && r.StartTime.IsZero() && len(r.SpecReports) == 0 {
			return nil, fmt.Errorf("not a Ginkgo JSON report: suite %d has no path, description, start time or specs", i)
		}
	}
	return rs, nil
}

func describeJSONError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated JSON: %w", err)
	case errors.As(err, &syn):
		if strings.Contains(syn.Error(), "unexpected end") {
			return fmt.Errorf("truncated JSON at byte %d: %w", syn.Offset, err)
		}
		return fmt.Errorf("malformed JSON at byte %d: %w", syn.Offset, err)
	case errors.As(err, &typ):
		return fmt.Errorf("unexpected JSON shape at %q: %w", typ.Field, err)
	}
	return err
}

// FromGinkgo builds the report model from Ginkgo's suite reports. Only It
// specs are scenarios; failed suite-level nodes become suite failures. An
// attached result that does not decode is bad input.
func FromGinkgo(rs []types.Report, meta Meta) (Report, error) {
	b := builder{meta: meta}
	for _, gr := range rs {
		b.suite(gr)
		for _, sr := range gr.SpecReports {
			if err := b.spec(gr, sr); err != nil {
				return Report{}, err
			}
		}
		b.endSuite()
	}
	return b.finish()
}

// builder builds the model one suite and one spec at a time, so that a
// large Ginkgo report can be read as a stream (see Load).
type builder struct {
	meta                  Meta
	r                     Report
	first, last           time.Time
	descs, paths, filters []string
	// nodeFailures are the failed suite-level nodes of the current suite,
	// listed after its own failure reasons by endSuite.
	nodeFailures []string
}

// suite takes a suite's own fields; its spec reports are not read.
func (b *builder) suite(gr types.Report) {
	b.descs = appendUnique(b.descs, gr.SuiteDescription)
	b.paths = appendUnique(b.paths, gr.SuitePath)
	b.filters = appendUnique(b.filters, gr.SuiteConfig.LabelFilter)
	if b.r.Run.Seed == 0 {
		b.r.Run.Seed = gr.SuiteConfig.RandomSeed
	}
	if !gr.StartTime.IsZero() && (b.first.IsZero() || gr.StartTime.Before(b.first)) {
		b.first = gr.StartTime
	}
	end := gr.EndTime
	if end.IsZero() && !gr.StartTime.IsZero() {
		end = gr.StartTime.Add(gr.RunTime)
	}
	if end.After(b.last) {
		b.last = end
	}
	for _, reason := range gr.SpecialSuiteFailureReasons {
		b.r.Run.SuiteFailures = append(b.r.Run.SuiteFailures, reason)
		if isInterruption(reason) {
			b.r.Run.Interrupted = true
		}
	}
}

// spec takes one spec report of the suite gr (whose spec reports are not
// read).
func (b *builder) spec(gr types.Report, sr types.SpecReport) error {
	suitePath := b.meta.SuitePath
	if suitePath == "" {
		suitePath = gr.SuitePath
	}
	if sr.State.Is(types.SpecStateInterrupted) {
		b.r.Run.Interrupted = true
	}
	if sr.LeafNodeType != types.NodeTypeIt {
		if sr.State.Is(types.SpecStateFailureStates) {
			b.nodeFailures = append(b.nodeFailures,
				fmt.Sprintf("%s failed: %s", sr.LeafNodeType, firstLine(sr.Failure.Message)))
		}
		return nil
	}
	s, err := scenarioFrom(sr, gr.SuiteConfig.RandomSeed, suitePath)
	if err != nil {
		return fmt.Errorf("%w: spec %q: %w", ErrBadInput, sr.FullText(), err)
	}
	b.r.Scenarios = append(b.r.Scenarios, s)
	return nil
}

// endSuite closes the current suite, whichever of its fields and specs
// came first.
func (b *builder) endSuite() {
	b.r.Run.SuiteFailures = append(b.r.Run.SuiteFailures, b.nodeFailures...)
	b.nodeFailures = nil
}

func (b *builder) finish() (Report, error) {
	r := b.r
	r.Run.Suite = strings.Join(b.descs, ", ")
	r.Run.SuitePath = strings.Join(b.paths, ", ")
	r.Run.LabelFilter = strings.Join(b.filters, "; ")
	r.Run.Started = b.first
	if !b.last.IsZero() && !b.first.IsZero() {
		r.Run.Duration = Duration(b.last.Sub(b.first))
	}
	applyMeta(&r, b.meta)
	if err := validate(r); err != nil {
		return Report{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	sortScenarios(r.Scenarios)
	r = masked(r)
	r.refresh()
	return r, nil
}

func applyMeta(r *Report, meta Meta) {
	if meta.Seed != 0 {
		r.Run.Seed = meta.Seed
	}
	r.Run.Mode, r.Run.Target = meta.Mode, meta.Target
	for _, s := range r.Scenarios {
		if r.Run.Mode == "" {
			r.Run.Mode = s.Mode
		}
		if r.Run.Target == "" {
			r.Run.Target = s.Target
		}
	}
	if len(meta.Versions) > 0 {
		r.Run.Versions = make(map[string]string, len(meta.Versions))
		for k, v := range meta.Versions {
			r.Run.Versions[k] = v
		}
	}
	if !meta.Started.IsZero() {
		r.Run.Started = meta.Started
	}
	if meta.Duration != 0 {
		r.Run.Duration = Duration(meta.Duration)
	}
	r.Run.Interrupted = r.Run.Interrupted || meta.Interrupted
}

func isInterruption(reason string) bool {
	l := strings.ToLower(reason)
	return strings.Contains(l, "interrupt") || strings.Contains(l, "timeout")
}

func scenarioFrom(sr types.SpecReport, seed int64, suitePath string) (Scenario, error) {
	s := Scenario{
		ID:       sr.FullText(),
		Name:     sr.LeafNodeText,
		Labels:   sr.Labels(),
		State:    sr.State.String(),
		Seed:     seed,
		Started:  sr.StartTime,
		Duration: Duration(sr.RunTime),
	}
	if sr.LeafNodeLocation.FileName != "" {
		s.Location = fmt.Sprintf("%s:%d", sr.LeafNodeLocation.FileName, sr.LeafNodeLocation.LineNumber)
	}
	if msg := strings.TrimSpace(sr.Failure.Message); msg != "" {
		s.Message = msg
	}
	res, found, err := resultOf(sr)
	if err != nil {
		return Scenario{}, err
	}
	if found {
		s.HasResult = true
		fillFromResult(&s, res)
	}
	s.Status = deriveStatus(s)
	if s.Reproduce == "" {
		s.Reproduce = reproduce(s.Seed, s.ID, suitePath)
	}
	return s, nil
}

// resultOf finds and decodes the spec's attached result. In process the
// raw value is the harness.Result itself; after JSON it is a map, so it is
// decoded again from its JSON form. The last entry wins.
func resultOf(sr types.SpecReport) (harness.Result, bool, error) {
	for i := len(sr.ReportEntries) - 1; i >= 0; i-- {
		e := sr.ReportEntries[i]
		if e.Name != harness.ReportEntryName {
			continue
		}
		switch v := e.GetRawValue().(type) {
		case harness.Result:
			return v, true, nil
		case *harness.Result:
			if v != nil {
				return *v, true, nil
			}
		}
		b := []byte(e.Value.AsJSON)
		if len(b) == 0 {
			var err error
			if b, err = json.Marshal(e.GetRawValue()); err != nil {
				return harness.Result{}, true, fmt.Errorf("entry %s: %w", e.Name, err)
			}
		}
		if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
			return harness.Result{}, true, fmt.Errorf("entry %s has no value", e.Name)
		}
		var res harness.Result
		if err := json.Unmarshal(b, &res); err != nil {
			return harness.Result{}, true, fmt.Errorf("decode entry %s: %w", e.Name, describeJSONError(err))
		}
		return res, true, nil
	}
	return harness.Result{}, false, nil
}

func fillFromResult(s *Scenario, res harness.Result) {
	if res.Scenario != "" {
		s.Name = res.Scenario
	}
	if res.Seed != 0 {
		s.Seed = res.Seed
	}
	s.Mode, s.Target, s.Traffic = res.Mode, res.Target, res.Traffic
	if !res.Started.IsZero() {
		s.Started = res.Started
	}
	if res.Duration != 0 {
		s.Duration = Duration(res.Duration)
	}
	for _, f := range res.Faults {
		if f.Kind == noFaultKind {
			continue
		}
		s.Faults = append(s.Faults, Fault{
			Name: f.Name, Kind: string(f.Kind), Params: f.Params,
			Start: Duration(f.Start), End: Duration(f.End),
			Hits: f.Hits, Fired: f.Fired(),
		})
	}
	s.Window = Window{
		FaultStart: Duration(res.Window.FaultStart),
		FaultEnd:   Duration(res.Window.FaultEnd),
		SettleEnd:  Duration(res.Window.SettleEnd),
	}
	for _, p := range res.Phases {
		ph := Phase{
			Phase: string(p.Phase), OK: p.OK, Fail: p.Fail, Unknown: p.Unknown, Total: p.Total(),
			P50: Duration(p.P50), P95: Duration(p.P95), P99: Duration(p.P99),
		}
		if ph.Total > 0 {
			ph.SuccessRate = float64(p.OK) / float64(ph.Total)
		}
		s.Phases = append(s.Phases, ph)
	}
	s.Recovered = res.RecoveryTime >= 0
	if s.Recovered {
		s.RecoveryTime = Duration(res.RecoveryTime)
	}
	if res.HarnessLag > 0 || res.HarnessLost > 0 || res.RecoveryLost > 0 {
		s.Lag = &Lag{Worst: Duration(res.HarnessLag), Lost: Duration(res.HarnessLost), RecoveryLost: Duration(res.RecoveryLost)}
	}
	s.MoneyAtRisk = res.MoneyAtRisk
	for _, v := range res.Verdicts {
		s.Verdicts = append(s.Verdicts, Check{
			Invariant: v.Invariant, Result: string(v.Result), Message: v.Message,
			Orders: v.Orders, Ops: v.Ops, Ledger: v.Ledger, MoneyAtRisk: v.MoneyAtRisk,
			Inconclusive: v.Inconclusive,
		})
	}
	s.Inconclusive = res.Inconclusive
	for _, p := range res.Timeline {
		s.Timeline = append(s.Timeline, Point{
			At: Duration(p.At), Latency: Duration(p.Latency),
			Outcome: string(p.Outcome), Kind: string(p.Kind),
		})
	}
	s.Dir = res.Dir
	s.Reproduce = res.Reproduce
	fillSamples(s)
}

// noFaultKind is the kind of the harness's baseline "fault" (fault.None):
// it injects nothing, so it has no window to shade and nothing to fire.
const noFaultKind = "none"

// reproduce is the fallback command that re-runs one scenario with its
// seed, used when the scenario did not say how.
func reproduce(seed int64, id, suitePath string) string {
	if suitePath == "" {
		suitePath = "./scenarios"
	}
	return fmt.Sprintf("go tool ginkgo --seed=%d --focus=%s %s",
		seed, shellQuote("^"+regexp.QuoteMeta(id)+"$"), shellQuote(suitePath))
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sortScenarios orders scenarios as they are written in the source, which
// unlike Ginkgo's run order does not change with the seed.
func sortScenarios(ss []Scenario) {
	slices.SortStableFunc(ss, func(a, b Scenario) int {
		if c := strings.Compare(locFile(a.Location), locFile(b.Location)); c != 0 {
			return c
		}
		if c := locLine(a.Location) - locLine(b.Location); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

func locFile(loc string) string {
	if i := strings.LastIndexByte(loc, ':'); i >= 0 {
		return loc[:i]
	}
	return loc
}

func locLine(loc string) int {
	n := 0
	if i := strings.LastIndexByte(loc, ':'); i >= 0 {
		fmt.Sscanf(loc[i+1:], "%d", &n)
	}
	return n
}

func appendUnique(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Load reads a report for comparison or rendering: either a report.json
// written by WriteJSON, or a Ginkgo JSON report (built with an empty Meta).
// It reads the file as a stream, one scenario at a time, and refuses a
// file larger than MaxInputBytes. Any failure wraps ErrBadInput.
func Load(path string) (Report, error) {
	return loadLimited(path, MaxInputBytes)
}

// checkedModel validates a decoded report.json and derives its fields.
func checkedModel(r Report, version int) (Report, error) {
	if err := validate(r); err != nil {
		return Report{}, err
	}
	if version == 1 { // version 1 kept no latency samples
		for i := range r.Scenarios {
			fillSamples(&r.Scenarios[i])
		}
	}
	r = masked(r)
	r.refresh()
	return r, nil
}

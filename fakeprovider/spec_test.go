package fakeprovider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stripe/stripe-mock/embedded"
)

// Stripe's OpenAPI spec, from the stripe-mock module, is the judge of
// every answer the provider's tests produce: newHarness records what the
// provider sends and, when the test ends, fails it for each answer the
// spec does not allow for its operation.

// openAPI is the spec, loaded once per test binary. Every object that
// lists its properties is closed (no field the spec does not name), which
// Stripe's objects are, though the spec does not say so.
var openAPI = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(embedded.OpenAPISpec)
	if err != nil {
		return nil, fmt.Errorf("load stripe's spec: %w", err)
	}
	closed := map[*openapi3.Schema]bool{}
	for _, s := range doc.Components.Schemas {
		closeSchema(s, closed)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, r := range op.Responses.Map() {
				for _, mt := range r.Value.Content {
					closeSchema(mt.Schema, closed)
				}
			}
		}
	}
	return doc, nil
})

func closeSchema(r *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
	if r == nil || r.Value == nil || seen[r.Value] {
		return
	}
	s := r.Value
	seen[s] = true
	if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
		no := false
		s.AdditionalProperties.Has = &no
	}
	for _, p := range s.Properties {
		closeSchema(p, seen)
	}
	closeSchema(s.Items, seen)
	closeSchema(s.AdditionalProperties.Schema, seen)
	for _, l := range [][]*openapi3.SchemaRef{s.AnyOf, s.OneOf, s.AllOf} {
		for _, x := range l {
			closeSchema(x, seen)
		}
	}
}

// specOperation finds the spec's operation for a request: the path
// template whose fixed segments match path, preferring fixed segments
// over parameters (/v1/charges/search over /v1/charges/{charge}).
func specOperation(doc *openapi3.T, method, path string) (string, *openapi3.Operation) {
	segs := strings.Split(path, "/")
	best, bestFixed := "", -1
	var bestOp *openapi3.Operation
	for tmpl, item := range doc.Paths.Map() {
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		fixed, ok := 0, true
		for i, t := range ts {
			switch {
			case strings.HasPrefix(t, "{"):
			case t == segs[i]:
				fixed++
			default:
				ok = false
			}
		}
		if ok && fixed > bestFixed {
			best, bestFixed, bestOp = tmpl, fixed, op
		}
	}
	return best, bestOp
}

// validateAnswer checks one answer against the spec: the operation's
// schema for its status, or the error schema for answers to routes the
// spec does not have. It returns the operation's name ("GET
// /v1/refunds/{refund}", or "unknown route").
func validateAnswer(doc *openapi3.T, method, path string, status int, body []byte) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("not JSON: %w", err)
	}
	// kin-openapi wants float64 for numbers.
	v = jsonNumbersToFloat(v)
	tmpl, op := specOperation(doc, method, path)
	name := method + " " + tmpl
	var schema *openapi3.SchemaRef
	if op == nil {
		name = "unknown route"
		if status < 400 {
			return name, fmt.Errorf("a %d answer for a route the spec does not have", status)
		}
		schema = doc.Components.Schemas["error"]
	} else {
		r := op.Responses.Status(status)
		if r == nil {
			r = op.Responses.Default()
		}
		if r == nil || r.Value == nil {
			return name, fmt.Errorf("the spec has no %d answer", status)
		}
		mt := r.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			return name, fmt.Errorf("the spec has no JSON %d answer", status)
		}
		schema = mt.Schema
	}
	if err := schema.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
		return name, err
	}
	return name, validateEventObjects(doc, v)
}

// validateEventObjects checks the object inside every event of an answer
// (an event, a list of events) against its own schema: the spec leaves
// data.object free-form.
func validateEventObjects(doc *openapi3.T, v any) error {
	var evs []any
	if m, ok := v.(map[string]any); ok {
		switch m["object"] {
		case "event":
			evs = []any{m}
		case "list":
			evs, _ = m["data"].([]any)
		}
	}
	for _, e := range evs {
		ev, _ := e.(map[string]any)
		if ev["object"] != "event" {
			continue
		}
		data, _ := ev["data"].(map[string]any)
		obj, _ := data["object"].(map[string]any)
		kind, _ := obj["object"].(string)
		s := doc.Components.Schemas[kind]
		if s == nil {
			return fmt.Errorf("event %v: data.object is a %q, which the spec does not have", ev["id"], kind)
		}
		if err := s.Value.VisitJSON(obj, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
			return fmt.Errorf("event %v: data.object: %w", ev["id"], err)
		}
	}
	return nil
}

// validateEvent checks a webhook delivery's body: an event and its object.
func validateEvent(doc *openapi3.T, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := doc.Components.Schemas["event"].Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
		return err
	}
	return validateEventObjects(doc, v)
}

// checkDeliveries registers the end-of-test check of the webhook bodies
// raw returns.
func checkDeliveries(t testing.TB, raw func() [][]byte) {
	t.Cleanup(func() {
		doc, err := openAPI()
		if err != nil {
			t.Fatal(err)
		}
		var bad []string
		for _, b := range raw() {
			if err := validateEvent(doc, b); err != nil {
				bad = append(bad, fmt.Sprintf("%v\n\t%s", firstLines(err.Error(), 12), truncateForMsg(string(b))))
			}
		}
		specTally.Lock()
		specTally.ops["webhook delivery"] += len(raw())
		specTally.Unlock()
		if len(bad) > 0 {
			t.Errorf("%d webhook deliveries the spec does not allow:\n%s", len(bad), strings.Join(bad, "\n"))
		}
	})
}

func jsonNumbersToFloat(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = jsonNumbersToFloat(e)
		}
	case []any:
		for i, e := range x {
			x[i] = jsonNumbersToFloat(e)
		}
	}
	return v
}

// answer is one API answer a test's provider sent.
type answer struct {
	method, path string
	route        routeID
	status       int
	body         []byte
}

// specRecorder wraps a provider and keeps the JSON answers it sends to
// the API (under /v1/, what the spec describes), leaving out the answers
// a body fault broke on purpose.
type specRecorder struct {
	p  *Provider
	mu sync.Mutex
	as []answer
}

func (sr *specRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		sr.p.ServeHTTP(w, r)
		return
	}
	broken := sr.bodyFault()
	rw := &recordingWriter{ResponseWriter: w}
	sr.p.ServeHTTP(rw, r)
	if broken || sr.bodyFault() || rw.status == 0 || !strings.HasPrefix(rw.Header().Get("Content-Type"), "application/json") {
		return
	}
	sr.mu.Lock()
	rt, _ := matchRoute(r.Method, r.URL.Path)
	sr.as = append(sr.as, answer{method: r.Method, path: r.URL.Path, route: rt, status: rw.status, body: rw.body.Bytes()})
	sr.mu.Unlock()
}

// seen counts the recorded answers per route: 2xx and 4xx.
func (sr *specRecorder) seen() (ok, failed map[routeID]int) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	ok, failed = map[routeID]int{}, map[routeID]int{}
	for _, a := range sr.as {
		switch a.status / 100 {
		case 2:
			ok[a.route]++
		case 4:
			failed[a.route]++
		}
	}
	return ok, failed
}

// bodyFault reports whether a fault that breaks JSON on purpose is on.
func (sr *specRecorder) bodyFault() bool {
	sr.p.mu.Lock()
	defer sr.p.mu.Unlock()
	for _, a := range sr.p.faults {
		if a.f.Kind == FaultTruncatedJSON || a.f.Kind == FaultMalformedJSON {
			return true
		}
	}
	return false
}

type recordingWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *recordingWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (abortConn).
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// specTally counts, over the whole test binary, the answers validated per
// operation; TestMain prints it under -v.
var specTally = struct {
	sync.Mutex
	ops map[string]int
}{ops: map[string]int{}}

// check validates every recorded answer and returns one line for each
// answer the spec does not allow.
func (sr *specRecorder) check() ([]string, error) {
	doc, err := openAPI()
	if err != nil {
		return nil, err
	}
	sr.mu.Lock()
	as := sr.as
	sr.as = nil
	sr.mu.Unlock()
	var bad []string
	for _, a := range as {
		name, err := validateAnswer(doc, a.method, a.path, a.status, a.body)
		specTally.Lock()
		specTally.ops[name]++
		specTally.Unlock()
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s %s → %d (%s): %v\n\t%s", a.method, a.path, a.status, name, firstLines(err.Error(), 12), truncateForMsg(string(a.body))))
		}
	}
	return bad, nil
}

func firstLines(s string, n int) string {
	l := strings.SplitN(s, "\n", n+1)
	if len(l) > n {
		l = append(l[:n], "…")
	}
	return strings.Join(l, "\n\t")
}

// checkSpec registers the end-of-test check of sr's answers.
func checkSpec(t testing.TB, sr *specRecorder) {
	t.Cleanup(func() {
		bad, err := sr.check()
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 {
			t.Errorf("%d answers the spec does not allow:\n%s", len(bad), strings.Join(bad, "\n"))
		}
	})
}

// specSummary is the line TestMain prints: how many answers over how many
// operations the spec validated.
func specSummary() string {
	specTally.Lock()
	defer specTally.Unlock()
	names := make([]string, 0, len(specTally.ops))
	total := 0
	for n, c := range specTally.ops {
		names = append(names, n)
		total += c
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "spec conformance: %d answers over %d operations\n", total, len(names))
	for _, n := range names {
		fmt.Fprintf(&b, "\t%6d  %s\n", specTally.ops[n], n)
	}
	return b.String()
}

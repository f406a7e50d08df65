package attack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/template"

	"github.com/paychaos/paychaos/harness/sut"
)

// Marks stand for the pay call's amount, currency and payment method when
// its templates are rendered, so that an attack finds where each value
// lands (body, path or header) and swaps it for what it likes; the marks
// left are then filled with the real values. No template writes them by
// itself.
const (
	markAmount   = 7316504929
	markCurrency = "cur_mark_q7x"
	markMethod   = "pm_mark_q7x"
)

var markAmountText = strconv.FormatInt(markAmount, 10)

// rendered is a target call rendered for an attack, not sent yet.
type rendered struct {
	method string
	path   string
	header map[string]string
	body   string
	// fills are the real values the marks stand for.
	fills map[string]string
}

// render renders call c of target t with data, as sut.HTTPDriver does:
// the target's headers, then the call's, a header whose value is empty
// or ends in a space ("Bearer " with no token) left out.
func render(t sut.Target, c sut.Call, data sut.CallData) (rendered, error) {
	r := rendered{method: c.Method, header: map[string]string{}}
	if r.method == "" {
		r.method = http.MethodGet
	}
	var err error
	if r.path, err = renderText(c.Path, data); err != nil {
		return r, err
	}
	if !strings.HasPrefix(r.path, "/") {
		// Appended to the base URL, it could name another host.
		return r, fmt.Errorf("call path %q renders to %q, which does not start with /", c.Path, r.path)
	}
	if r.body, err = renderText(c.Body, data); err != nil {
		return r, err
	}
	for _, hs := range []map[string]string{t.Headers, c.Headers} {
		for k, v := range hs {
			s, err := renderText(v, data)
			if err != nil {
				return r, err
			}
			if s != "" && !strings.HasSuffix(s, " ") {
				r.header[k] = s
			}
		}
	}
	return r, nil
}

var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}

func renderText(text string, data sut.CallData) (string, error) {
	if !strings.Contains(text, "{{") {
		return text, nil
	}
	t, err := template.New("call").Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", fmt.Errorf("template %q: %w", text, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("template %q: %w", text, err)
	}
	return b.String(), nil
}

// request is the raw request to send. Credentials are in the rendered
// headers already; Customer stays empty so that the sender adds none.
func (r rendered) request() sut.RawRequest {
	r.fill()
	return sut.RawRequest{Method: r.method, Path: r.path, Header: r.header, Body: []byte(r.body)}
}

// uses reports whether mark appears anywhere in the call.
func (r *rendered) uses(mark string) bool {
	if strings.Contains(r.path, mark) || strings.Contains(r.body, mark) {
		return true
	}
	for _, v := range r.header {
		if strings.Contains(v, mark) {
			return true
		}
	}
	return false
}

// fill replaces the marks still in the call with their real values.
func (r *rendered) fill() {
	for mark, v := range r.fills {
		// A mark inside a JSON string takes the value's escaped text; in
		// the path, its escaped segment; in a header, the value itself.
		r.body = strings.ReplaceAll(r.body, mark, jsonText(v))
		r.path = strings.ReplaceAll(r.path, mark, url.PathEscape(v))
		for k, h := range r.header {
			r.header[k] = strings.ReplaceAll(h, mark, v)
		}
	}
	r.fills = nil
}

// setRaw replaces a value mark in the body with raw JSON: the mark with
// its quotes when it is a string mark, so that any JSON value can take a
// string's place.
func (r *rendered) setRaw(mark, raw string) error {
	quoted := `"` + mark + `"`
	switch {
	case strings.Contains(r.body, quoted):
		r.body = strings.ReplaceAll(r.body, quoted, raw)
	case strings.Contains(r.body, mark):
		r.body = strings.ReplaceAll(r.body, mark, raw)
	default:
		return skipf("the %s call's body carries no %s", r.method, markName(mark))
	}
	delete(r.fills, mark)
	return nil
}

// setText puts text where mark is: escaped inside JSON strings in the
// body, as an escaped segment in the path, as is in a header (when a
// header can carry it).
func (r *rendered) setText(mark, text string) error {
	if !r.uses(mark) {
		return skipf("the call carries no %s", markName(mark))
	}
	for k, h := range r.header {
		if strings.Contains(h, mark) {
			if !headerSafe(text) {
				return skipf("the %s travels in header %s, which cannot carry CR, LF or NUL", markName(mark), k)
			}
			r.header[k] = strings.ReplaceAll(h, mark, text)
		}
	}
	r.body = strings.ReplaceAll(r.body, mark, jsonText(text))
	r.path = strings.ReplaceAll(r.path, mark, url.PathEscape(text))
	delete(r.fills, mark)
	return nil
}

// setBytes puts raw bytes where mark is in the body, unescaped: the way to
// send invalid UTF-8.
func (r *rendered) setBytes(mark string, b []byte) error {
	if !strings.Contains(r.body, mark) {
		return skipf("the call's body carries no %s", markName(mark))
	}
	r.body = strings.ReplaceAll(r.body, mark, string(b))
	delete(r.fills, mark)
	return nil
}

// addField adds a member to the JSON object the body is.
func (r *rendered) addField(name, raw string) error {
	b := strings.TrimLeft(r.body, " \t\r\n")
	if !strings.HasPrefix(b, "{") {
		return skipf("the call's body is not a JSON object")
	}
	rest := strings.TrimLeft(b[1:], " \t\r\n")
	sep := ","
	if strings.HasPrefix(rest, "}") {
		sep = ""
	}
	r.body = "{" + jsonString(name) + ":" + raw + sep + rest
	return nil
}

// markName names what a mark stands for, in skip reasons.
func markName(mark string) string {
	switch mark {
	case markAmountText:
		return "amount"
	case markCurrency:
		return "currency"
	case markMethod:
		return "payment method"
	}
	return mark
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// jsonText is s escaped for the inside of a JSON string.
func jsonText(s string) string {
	q := jsonString(s)
	return q[1 : len(q)-1]
}

// headerSafe reports whether an HTTP client can send s as a header value.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// skip is an attack, or one request of it, that does not apply to the
// target: the reason is reported, nothing is sent.
type skip struct{ reason string }

func (s *skip) Error() string { return s.reason }

func skipf(format string, args ...any) error { return &skip{reason: fmt.Sprintf(format, args...)} }

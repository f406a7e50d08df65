package sut

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"text/template"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"github.com/paychaos/paychaos/harness/history"
)

// LoadTarget reads a YAML target file. Errors name the file, the line and
// the field.
func LoadTarget(path string) (Target, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Target{}, fmt.Errorf("read target: %w", err)
	}
	return ParseTarget(path, b)
}

// ParseTarget decodes and validates a YAML target; name labels errors.
func ParseTarget(name string, data []byte) (Target, error) {
	var t Target
	if len(bytes.TrimSpace(data)) == 0 {
		return t, fmt.Errorf("%s: empty target file", name)
	}
	if err := yaml.UnmarshalWithOptions(data, &t, yaml.DisallowUnknownField(), yaml.Strict()); err != nil {
		return t, fmt.Errorf("%s: %s", name, strings.TrimSpace(yaml.FormatError(err, false, true)))
	}
	if err := t.validate(); err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			return t, fmt.Errorf("%s:%d: %s: %s", name, line(data, fe.path), fe.path, fe.msg)
		}
		return t, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

type fieldError struct{ path, msg string }

func (e *fieldError) Error() string { return e.path + ": " + e.msg }

func bad(path, format string, args ...any) error {
	return &fieldError{path: path, msg: fmt.Sprintf(format, args...)}
}

// Validate reports the first problem that would stop the target working.
func (t Target) Validate() error { return t.validate() }

func (t Target) validate() error {
	if t.Name == "" {
		return bad("name", "required")
	}
	if u, err := url.Parse(t.BaseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return bad("base_url", "want an absolute http(s) URL, got %q", t.BaseURL)
	}
	if len(t.Customers) == 0 {
		return bad("customers", "at least one customer is needed")
	}
	for i, c := range t.Customers {
		if c.ID == "" {
			return bad(fmt.Sprintf("customers[%d].id", i), "required")
		}
	}
	calls := []struct {
		name     string
		c        Call
		required bool
	}{
		{"pay", t.Pay, true}, {"get", t.Get, true}, {"list", t.List, false}, {"refund", t.Refund, false},
		{"cancel", t.Cancel, false}, {"health", t.Health, false}, {"reconcile", t.Reconcile, false}, {"webhook", t.Webhook, false},
	}
	for _, c := range calls {
		if !c.c.Defined() {
			if c.required {
				return bad(c.name+".path", "required")
			}
			continue
		}
		switch strings.ToUpper(c.c.Method) {
		case "", "GET", "POST", "PUT", "PATCH", "DELETE":
		default:
			return bad(c.name+".method", "unknown HTTP method %q", c.c.Method)
		}
		if !strings.HasPrefix(c.c.Path, "/") {
			return bad(c.name+".path", "must start with /, got %q", c.c.Path)
		}
		for field, text := range map[string]string{"path": c.c.Path, "body": c.c.Body} {
			if err := parseTemplate(text); err != nil {
				return bad(c.name+"."+field, "%v", err)
			}
		}
		for k, v := range c.c.Headers {
			if err := parseTemplate(v); err != nil {
				return bad(c.name+".headers."+k, "%v", err)
			}
		}
	}
	for k, v := range t.Headers {
		if err := parseTemplate(v); err != nil {
			return bad("headers."+k, "%v", err)
		}
	}
	for i, c := range t.Currencies {
		if len(c) != 3 || strings.ToLower(c) != c || strings.Trim(c, "abcdefghijklmnopqrstuvwxyz") != "" {
			return bad(fmt.Sprintf("currencies[%d]", i), "want a lowercase three-letter ISO code, got %q", c)
		}
	}
	if t.Fields.ID == "" {
		return bad("fields.id", "required: where the order id is in an answer")
	}
	if t.Fields.Status == "" {
		return bad("fields.status", "required: where the order status is in an answer")
	}
	paid := false
	for word, s := range t.Statuses {
		switch s {
		case history.StatusPaid:
			paid = true
		case history.StatusPending, history.StatusFailed, history.StatusCanceled, history.StatusRefunded:
		default:
			return bad("statuses."+word, "%q is not one of pending, paid, failed, canceled, refunded", s)
		}
	}
	if !paid {
		return bad("statuses", "no status word maps to paid")
	}
	return nil
}

func parseTemplate(text string) error {
	if !strings.Contains(text, "{{") {
		return nil
	}
	t, err := template.New("t").Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return err
	}
	// Execute against sample data so an unknown field is caught now.
	return t.Execute(&strings.Builder{}, CallData{Amount: 1, Currency: "usd", PaymentMethod: "pm_card_visa", Key: "k", OrderID: "o", Customer: "c", Token: "t"})
}

// line finds the line of a dotted field path in the YAML source, or the
// nearest parent that exists; 0 when it cannot.
func line(data []byte, path string) int {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return 0
	}
	parts := strings.Split(path, ".")
	for n := len(parts); n > 0; n-- {
		expr := "$"
		for _, p := range parts[:n] {
			if i := strings.IndexByte(p, '['); i > 0 {
				expr += "." + p[:i] + p[i:]
			} else {
				expr += "." + p
			}
		}
		p, err := yaml.PathString(expr)
		if err != nil {
			continue
		}
		node, err := p.FilterFile(f)
		if err == nil && node != nil && node.GetToken() != nil {
			return node.GetToken().Position.Line
		}
	}
	return 0
}

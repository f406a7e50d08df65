package sut

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"github.com/paychaos/paychaos/harness/history"
)

// LoadTarget reads a YAML target file. Errors name the file, the line and
// the field, and say what to do. Relative paths in the file resolve
// against its folder (Target.Dir), and the commands it names must exist.
func LoadTarget(path string) (Target, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Target{}, fmt.Errorf("read target: %w", err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return Target{}, fmt.Errorf("read target: %w", err)
	}
	return parseTarget(path, b, dir)
}

// ParseTarget decodes and validates a YAML target; name labels errors.
// The commands it names are not looked for: the target has no folder.
func ParseTarget(name string, data []byte) (Target, error) {
	return parseTarget(name, data, "")
}

// yamlPos is the "[line:column] " goccy/go-yaml starts a message with.
var yamlPos = regexp.MustCompile(`^\[(\d+):(\d+)\] `)

func parseTarget(name string, data []byte, dir string) (Target, error) {
	var t Target
	if len(bytes.TrimSpace(data)) == 0 {
		return t, fmt.Errorf("%s: empty target file: start from examples/shop/target.yaml", name)
	}
	// Durations first: the decoder's own message would not say where.
	if err := checkDurations(data); err != nil {
		var fe *fieldError
		errors.As(err, &fe)
		return t, fmt.Errorf("%s:%d: %s: %s", name, line(data, fe.path), fe.path, fe.msg)
	}
	if err := yaml.UnmarshalWithOptions(data, &t, yaml.DisallowUnknownField(), yaml.Strict()); err != nil {
		msg := strings.TrimSpace(yaml.FormatError(err, false, true))
		if m := yamlPos.FindStringSubmatch(msg); m != nil {
			msg = m[1] + ": " + msg[len(m[0]):]
			if strings.Contains(msg, "unknown field") {
				msg = strings.Replace(msg, "\n", " (check its spelling and indentation; README.md lists every field of a target)\n", 1)
			}
			return t, fmt.Errorf("%s:%s", name, msg)
		}
		return t, fmt.Errorf("%s: %s", name, msg)
	}
	t.Dir, t.file, t.src = dir, name, data
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
		return bad("name", "required: the target's name in reports, e.g. name: my-checkout")
	}
	if u, err := url.Parse(t.BaseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return bad("base_url", "want an absolute http(s) URL such as http://127.0.0.1:8080, got %q", t.BaseURL)
	}
	if len(t.Customers) == 0 {
		return bad("customers", "at least one customer is needed, e.g. - {id: cus_alice, token: tok_alice}")
	}
	for i, c := range t.Customers {
		if c.ID == "" {
			return bad(fmt.Sprintf("customers[%d].id", i), "required: the customer's id in your service")
		}
	}
	calls := []struct {
		name     string
		c        Call
		required string // what the call is for, when it is required
	}{
		{"pay", t.Pay, "the call that places an order and pays for it"}, {"get", t.Get, "the call that reads one order"},
		{"list", t.List, ""}, {"refund", t.Refund, ""}, {"cancel", t.Cancel, ""}, {"health", t.Health, ""},
		{"reconcile", t.Reconcile, ""}, {"webhook", t.Webhook, ""},
	}
	for _, c := range calls {
		if !c.c.Defined() {
			if c.required != "" {
				return bad(c.name+".path", "required: the path of %s, e.g. /orders", c.required)
			}
			continue
		}
		switch strings.ToUpper(c.c.Method) {
		case "", "GET", "POST", "PUT", "PATCH", "DELETE":
		default:
			return bad(c.name+".method", "unknown HTTP method %q: want GET, POST, PUT, PATCH or DELETE", c.c.Method)
		}
		if !strings.HasPrefix(c.c.Path, "/") {
			return bad(c.name+".path", "must start with /, got %q", c.c.Path)
		}
		for field, text := range map[string]string{"path": c.c.Path, "body": c.c.Body} {
			if err := parseTemplate(text); err != nil {
				return bad(c.name+"."+field, "%v%s", err, templateHint)
			}
		}
		for k, v := range c.c.Headers {
			if err := parseTemplate(v); err != nil {
				return bad(c.name+".headers."+k, "%v%s", err, templateHint)
			}
		}
	}
	for k, v := range t.Headers {
		if err := parseTemplate(v); err != nil {
			return bad("headers."+k, "%v%s", err, templateHint)
		}
	}
	for i, c := range t.Currencies {
		if len(c) != 3 || strings.ToLower(c) != c || strings.Trim(c, "abcdefghijklmnopqrstuvwxyz") != "" {
			return bad(fmt.Sprintf("currencies[%d]", i), "want a lowercase three-letter ISO code, got %q", c)
		}
	}
	if t.Fields.ID == "" {
		return bad("fields.id", "required: the dotted path of the order id in an answer, e.g. id or order.id")
	}
	if t.Fields.Status == "" {
		return bad("fields.status", "required: the dotted path of the order status in an answer, e.g. status or order.state")
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
		return bad("statuses", "no status word maps to paid: add your service's word for it, e.g. succeeded: paid")
	}
	if err := t.validateFlow(); err != nil {
		return err
	}
	return t.validateRun()
}

// validateRun checks what starting and judging the service needs: the
// listen address, the process and hook commands, the budgets.
func (t Target) validateRun() error {
	if strings.ContainsAny(t.Correlate.MetadataKey, " \t'\"[]") {
		return bad("correlate.metadata_key", "%q: want a plain metadata key such as order_id", t.Correlate.MetadataKey)
	}
	if err := validatePass(t.Env.Pass); err != nil {
		return err
	}
	if t.Env.Addr != "" && t.Env.Port != "" {
		return bad("env.port", "set env.addr (host:port) or env.port (a port), not both")
	}
	if t.Process.Command != "" {
		if t.Env.Addr == "" && t.Env.Port == "" {
			return bad("env", "a started service needs env.addr (the variable it reads 127.0.0.1:PORT from) or env.port (the one it reads the port from)")
		}
	} else if len(t.Process.Args) > 0 || len(t.Process.Env) > 0 {
		return bad("process.command", "required when process.args or process.env is set")
	}
	for i, a := range t.Process.Args {
		if _, err := renderArg(a, argData{Addr: "127.0.0.1:1", Port: "1"}); err != nil {
			return bad(fmt.Sprintf("process.args[%d]", i), "%v (an argument may use {{.Addr}} and {{.Port}})", err)
		}
	}
	for _, h := range []struct {
		name string
		h    Hook
	}{{"setup", t.Setup}, {"teardown", t.Teardown}} {
		if h.h.Command == "" {
			if len(h.h.Args) > 0 || h.h.Timeout != 0 {
				return bad(h.name+".command", "required when %s has args or a timeout", h.name)
			}
			continue
		}
		if h.h.Timeout < 0 {
			return bad(h.name+".timeout", "must be positive, e.g. 30s")
		}
	}
	b := t.Budgets
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"fail_fast", b.FailFast}, {"fail_fast_grace", b.FailFastGrace}, {"response", b.Response}, {"settle", b.Settle}} {
		if d.d < 0 {
			return bad("budgets."+d.name, "must be positive, e.g. 2s")
		}
	}
	if b.Scale < 0 || b.Scale > 20 {
		return bad("budgets.scale", "%v: want a factor between 0.1 and 20 (1 keeps the scenarios' timings)", b.Scale)
	}
	if b.Scale > 0 && b.Scale < 0.1 {
		return bad("budgets.scale", "%v: a scenario shorter than a tenth of its own would prove nothing; want 0.1 to 20", b.Scale)
	}
	return nil
}

// CheckCommands makes sure the commands a target file names exist, so
// that a run does not start a scenario to find out; withProcess includes
// process.command (the embedded mode starts it). Errors name the file,
// the line and the field, like LoadTarget's.
func (t Target) CheckCommands(withProcess bool) error {
	if t.Dir == "" {
		return nil
	}
	checks := []struct{ field, command string }{{"setup.command", t.Setup.Command}, {"teardown.command", t.Teardown.Command}}
	if withProcess {
		checks = append(checks, struct{ field, command string }{"process.command", t.Process.Command})
	}
	for _, c := range checks {
		if c.command == "" {
			continue
		}
		if err := t.checkCommand(c.field, c.command); err != nil {
			var fe *fieldError
			errors.As(err, &fe)
			return fmt.Errorf("%s:%d: %s: %s", t.file, line(t.src, fe.path), fe.path, fe.msg)
		}
	}
	return nil
}

func (t Target) checkCommand(field, command string) error {
	p := resolve(t.Dir, command, false)
	if !strings.ContainsRune(p, filepath.Separator) {
		if _, err := exec.LookPath(p); err != nil {
			return bad(field, "%q is not in PATH: install it, or give its path (relative to the target file's folder)", command)
		}
		return nil
	}
	st, err := os.Stat(p)
	switch {
	case err != nil:
		return bad(field, "%s does not exist (%q is relative to the target file's folder, %s): build it first (make build for the examples), or fix the path", p, command, t.Dir)
	case st.IsDir() || st.Mode()&0o111 == 0:
		return bad(field, "%s is not an executable file", p)
	}
	return nil
}

// durationFields are the target's durations, checked before decoding so
// that a bad one is reported with its line.
var durationFields = []string{"budgets.fail_fast", "budgets.fail_fast_grace", "budgets.response", "budgets.settle", "setup.timeout", "teardown.timeout"}

func checkDurations(data []byte) error {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil // the decoder says what is wrong, with its place
	}
	for _, field := range durationFields {
		p, err := yaml.PathString("$." + field)
		if err != nil {
			continue
		}
		node, err := p.FilterFile(f)
		if err != nil || node == nil || node.GetToken() == nil {
			continue
		}
		v := node.GetToken().Value
		if _, err := time.ParseDuration(v); err != nil {
			return bad(field, "%q is not a duration: write it as Go does, e.g. 1500ms, 2s, 1m", v)
		}
	}
	return nil
}

// templateHint ends a template error with what a call template can use.
const templateHint = " (a call can use .Amount .Currency .PaymentMethod .Key .OrderID .Customer .Token, and json to quote)"

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

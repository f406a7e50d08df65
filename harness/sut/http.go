package sut

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// HTTPDriver drives a SUT described by a Target over HTTP.
type HTTPDriver struct {
	t      Target
	client *http.Client
	// adminToken is sent to the reconcile call when set.
	adminToken string

	mu    sync.Mutex
	tmpls map[string]*template.Template
}

var (
	_ Driver          = (*HTTPDriver)(nil)
	_ Lister          = (*HTTPDriver)(nil)
	_ ListOffer       = (*HTTPDriver)(nil)
	_ Refunder        = (*HTTPDriver)(nil)
	_ Canceler        = (*HTTPDriver)(nil)
	_ Reconciler      = (*HTTPDriver)(nil)
	_ WebhookReceiver = (*HTTPDriver)(nil)
	_ Sender          = (*HTTPDriver)(nil)
)

// DriverOption configures an HTTPDriver.
type DriverOption func(*HTTPDriver)

// WithClient sets the HTTP client; its timeout bounds every call.
func WithClient(c *http.Client) DriverOption { return func(d *HTTPDriver) { d.client = c } }

// WithAdminToken sets the bearer token for admin calls (reconcile).
func WithAdminToken(tok string) DriverOption { return func(d *HTTPDriver) { d.adminToken = tok } }

// transport keeps a connection per checkout in flight: net/http's default
// keeps two idle per host, so hundreds of checkouts at once would open and
// close a connection each, and the harness, not the SUT, would set the pace.
var transport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 1024, 1024
	return t
}()

// NewHTTPDriver returns a driver for t.
func NewHTTPDriver(t Target, opts ...DriverOption) *HTTPDriver {
	d := &HTTPDriver{t: t, client: &http.Client{Timeout: 10 * time.Second, Transport: transport}, tmpls: map[string]*template.Template{}}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Target is the description the driver speaks.
func (d *HTTPDriver) Target() Target { return d.t }

// Pay implements Driver.
func (d *HTTPDriver) Pay(ctx context.Context, r PayRequest) (Reply, error) {
	return d.call(ctx, d.t.Pay, CallData{
		Amount: r.Amount, Currency: r.Currency, PaymentMethod: r.PaymentMethod, Key: r.Key,
		Customer: r.Customer.ID, Token: r.Customer.Token,
	})
}

// Get implements Driver.
func (d *HTTPDriver) Get(ctx context.Context, c Customer, id string) (Reply, error) {
	return d.call(ctx, d.t.Get, CallData{OrderID: id, Customer: c.ID, Token: c.Token})
}

// Refund implements Refunder.
func (d *HTTPDriver) Refund(ctx context.Context, c Customer, id string, amount int64) (Reply, error) {
	return d.call(ctx, d.t.Refund, CallData{OrderID: id, Amount: amount, Customer: c.ID, Token: c.Token})
}

// Cancel implements Canceler.
func (d *HTTPDriver) Cancel(ctx context.Context, c Customer, id string) (Reply, error) {
	return d.call(ctx, d.t.Cancel, CallData{OrderID: id, Customer: c.ID, Token: c.Token})
}

// ErrUnsupported is returned, wrapped, for a call the target does not
// offer (a list call, see Lists).
var ErrUnsupported = errors.New("the target does not offer this call")

// Lists implements ListOffer: only a target with a list call lists.
func (d *HTTPDriver) Lists() bool { return d.t.List.Defined() }

// Orders implements Lister. A target without a list call answers
// ErrUnsupported.
func (d *HTTPDriver) Orders(ctx context.Context, c Customer) ([]history.Order, error) {
	if !d.t.List.Defined() {
		return nil, fmt.Errorf("target %s: list: %w", d.t.Name, ErrUnsupported)
	}
	f := d.t.Fields.over(d.t.List.Fields)
	status, raw, err := d.do(ctx, d.t.List, CallData{Customer: c.ID, Token: c.Token}, "")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("list orders of %s: HTTP %d: %s", c.ID, status, excerpt(raw))
	}
	var v any
	if err := decode(raw, &v); err != nil {
		return nil, fmt.Errorf("list orders of %s: %w", c.ID, err)
	}
	if f.Orders != "" {
		if m, ok := v.(map[string]any); ok {
			v = lookup(m, f.Orders)
		}
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("list orders of %s: no array at fields.orders %q in %s: fix list.fields.orders in the target", c.ID, f.Orders, excerpt(raw))
	}
	out := make([]history.Order, 0, len(arr))
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			o := d.order(m, f)
			if o.Customer == "" {
				o.Customer = c.ID
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// Reconcile implements Reconciler.
func (d *HTTPDriver) Reconcile(ctx context.Context) error {
	if !d.t.Reconcile.Defined() {
		return nil
	}
	status, raw, err := d.do(ctx, d.t.Reconcile, CallData{Token: d.adminToken}, d.adminToken)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	if status >= 300 {
		return fmt.Errorf("reconcile: HTTP %d: %s", status, excerpt(raw))
	}
	return nil
}

// Currencies are the currencies the target declares it takes.
func (d *HTTPDriver) Currencies() []string { return d.t.Currencies }

// ReconcilesInBackground says whether the target declares a background
// reconciler.
func (d *HTTPDriver) ReconcilesInBackground() bool { return d.t.BackgroundReconciler }

// WebhookURL implements WebhookReceiver.
func (d *HTTPDriver) WebhookURL() string {
	return strings.TrimRight(d.t.BaseURL, "/") + d.t.Webhook.Path
}

// Healthy reports whether the SUT's health call answers 2xx.
func (d *HTTPDriver) Healthy(ctx context.Context) error {
	if !d.t.Health.Defined() {
		return nil
	}
	status, raw, err := d.do(ctx, d.t.Health, CallData{}, "")
	if err != nil {
		return err
	}
	if status >= 300 {
		return fmt.Errorf("health: HTTP %d: %s", status, excerpt(raw))
	}
	return nil
}

// Send implements Sender.
func (d *HTTPDriver) Send(ctx context.Context, r RawRequest) (Reply, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, strings.TrimRight(d.t.BaseURL, "/")+r.Path, bytes.NewReader(r.Body))
	if err != nil {
		return Reply{}, fmt.Errorf("build request: %w", err)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	if r.Customer.Token != "" && req.Header.Get("Authorization") == "" {
		if err := d.headers(req, d.t.Headers, CallData{Token: r.Customer.Token, Customer: r.Customer.ID}); err != nil {
			return Reply{}, err
		}
	}
	status, raw, err := d.send(req)
	if err != nil {
		return Reply{}, err
	}
	return d.reply(d.t.Fields, status, raw), nil
}

func (d *HTTPDriver) call(ctx context.Context, c Call, data CallData) (Reply, error) {
	if !c.Defined() {
		return Reply{}, fmt.Errorf("target %s: %w", d.t.Name, ErrUnsupported)
	}
	status, raw, err := d.do(ctx, c, data, "")
	if err != nil {
		return Reply{}, err
	}
	return d.reply(d.t.Fields.over(c.Fields), status, raw), nil
}

func (d *HTTPDriver) reply(f Fields, status int, raw []byte) Reply {
	r := Reply{HTTPStatus: status, Body: excerpt(raw)}
	var m map[string]any
	if decode(raw, &m) == nil {
		r.Order = d.order(m, f)
		browserFields(&r, m, f)
		for _, path := range []string{f.Code, f.FailureCode} {
			if s, ok := lookup(m, path).(string); ok && s != "" && r.Code == "" {
				r.Code = s
			}
		}
	}
	return r
}

func (d *HTTPDriver) order(m map[string]any, f Fields) history.Order {
	o := history.Order{
		ID:              str(lookup(m, f.ID)),
		Currency:        str(lookup(m, f.Currency)),
		Customer:        str(lookup(m, f.Customer)),
		Amount:          num(lookup(m, f.Amount)),
		Refunded:        num(lookup(m, f.Refunded)),
		PaymentIntents:  strs(lookup(m, f.PaymentIntent)),
		CheckoutSession: str(lookup(m, f.CheckoutSession)),
	}
	if s := str(lookup(m, f.Status)); s != "" {
		if st, ok := d.t.Statuses[s]; ok {
			o.Status = st
		} else {
			o.Status = history.Status(s) // an unmapped word stays visible in reports
		}
	}
	return o
}

func (d *HTTPDriver) do(ctx context.Context, c Call, data CallData, bearer string) (int, []byte, error) {
	path, err := d.render(c.Path, data)
	if err != nil {
		return 0, nil, err
	}
	var body io.Reader
	if c.Body != "" {
		b, err := d.render(c.Body, data)
		if err != nil {
			return 0, nil, err
		}
		body = strings.NewReader(b)
	}
	method := c.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(d.t.BaseURL, "/")+path, body)
	if err != nil {
		return 0, nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	if err := d.headers(req, d.t.Headers, data); err != nil {
		return 0, nil, err
	}
	if err := d.headers(req, c.Headers, data); err != nil {
		return 0, nil, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return d.send(req)
}

func (d *HTTPDriver) send(req *http.Request) (int, []byte, error) {
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read answer: %w", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, raw, nil
}

func (d *HTTPDriver) headers(req *http.Request, hs map[string]string, data CallData) error {
	for k, v := range hs {
		s, err := d.render(v, data)
		if err != nil {
			return err
		}
		if s != "" && !strings.HasSuffix(s, " ") { // "Bearer " with no token: send nothing
			req.Header.Set(k, s)
		}
	}
	return nil
}

var funcs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}

func (d *HTTPDriver) render(text string, data CallData) (string, error) {
	if !strings.Contains(text, "{{") {
		return text, nil
	}
	d.mu.Lock()
	t, ok := d.tmpls[text]
	if !ok {
		var err error
		t, err = template.New("call").Funcs(funcs).Option("missingkey=error").Parse(text)
		if err != nil {
			d.mu.Unlock()
			return "", fmt.Errorf("template %q: %w", text, err)
		}
		d.tmpls[text] = t
	}
	d.mu.Unlock()
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("template %q: %w", text, err)
	}
	return b.String(), nil
}

// lookup follows a dotted path through decoded JSON. A path that meets an
// array goes on in each of its elements and answers the array of what it
// found ("payments.id").
func lookup(m map[string]any, path string) any {
	if path == "" {
		return nil
	}
	return follow(m, strings.Split(path, "."))
}

func follow(v any, keys []string) any {
	for i, k := range keys {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			out := make([]any, 0, len(x))
			for _, e := range x {
				if got := follow(e, keys[i:]); got != nil {
					out = append(out, got)
				}
			}
			return out
		default:
			return nil
		}
	}
	return v
}

// strs reads one id or an array of ids; empty ids are dropped.
func strs(v any) []string {
	if s := str(v); s != "" {
		return []string{s}
	}
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	var out []string
	for _, e := range arr {
		out = append(out, strs(e)...)
	}
	return out
}

// decode keeps numbers exact: amounts are int64 minor units.
func decode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

func num(v any) int64 {
	switch x := v.(type) {
	case json.Number:
		n, _ := x.Int64()
		return n
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

func excerpt(b []byte) string {
	const max = 512
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

package sut

import (
	"strconv"
	"strings"
	"time"

	"github.com/paychaos/paychaos/harness/history"
)

// Target describes a SUT's HTTP API as data, so that paychaos can drive a
// service written in any language. Templates are Go text/template over
// CallData; `json` quotes a value as a JSON string.
type Target struct {
	Name    string `yaml:"name"`
	BaseURL string `yaml:"base_url"`
	// Headers are sent on every call (templates allowed, e.g. auth).
	Headers   map[string]string `yaml:"headers"`
	Customers []Customer        `yaml:"customers"`

	Pay       Call `yaml:"pay"`
	Get       Call `yaml:"get"`
	List      Call `yaml:"list"`
	Refund    Call `yaml:"refund"`
	Cancel    Call `yaml:"cancel"`
	Health    Call `yaml:"health"`
	Reconcile Call `yaml:"reconcile"`
	// Webhook is the SUT's webhook endpoint; only its path is used.
	Webhook Call `yaml:"webhook"`

	Fields Fields `yaml:"fields"`
	// Flow is how the service takes payments: server_confirm (the
	// default), client_confirm or checkout_session (see Flow).
	Flow Flow `yaml:"flow"`
	// Correlate says how the provider's payments name their order when
	// the answers carry no payment id (fields.payment_intent).
	Correlate Correlate `yaml:"correlate"`
	// Statuses maps the SUT's status words to the harness's vocabulary
	// (pending, paid, failed, canceled, refunded).
	Statuses map[string]history.Status `yaml:"statuses"`
	// Env names the environment variables that tell the SUT where the
	// provider is and how to check webhooks, when paychaos starts it.
	Env EnvNames `yaml:"env"`
	// Process says how to start the SUT as a process; empty when it runs
	// already at BaseURL.
	Process ProcessSpec `yaml:"process"`
	// Container says how to start the SUT as a container image
	// (containers mode); see ContainerSpec.
	Container ContainerSpec `yaml:"container"`
	// Currencies are the lowercase ISO codes the SUT takes payments in;
	// traffic mixes them. Empty means usd only.
	Currencies []string `yaml:"currencies"`
	// BackgroundReconciler says the SUT resolves pending payments by
	// itself, on its own schedule: then an order that resolves only when
	// the harness calls reconcile is a finding, not a note.
	BackgroundReconciler bool `yaml:"background_reconciler"`
	// Setup runs once before the first scenario (create the database or
	// the customers the service needs); Teardown after each scenario, with
	// the environment the service had.
	Setup    Hook `yaml:"setup"`
	Teardown Hook `yaml:"teardown"`
	// Budgets are the time budgets every scenario run against this target
	// is judged by, where they differ from the scenarios' own.
	Budgets Budgets `yaml:"budgets"`

	// Dir is the folder of the target file: relative paths in Process and
	// the hooks resolve against it. Empty resolves them against the
	// working directory.
	Dir string `yaml:"-"`
	// file and src are the target file's name and text, for errors found
	// after loading (CheckCommands).
	file string
	src  []byte
}

// Correlate says how payments name orders in their metadata.
type Correlate struct {
	// MetadataKey is the PaymentIntent metadata key whose value is the
	// order id; empty means order_id.
	MetadataKey string `yaml:"metadata_key"`
}

// Hook is a command run around the scenarios. Its output is kept and
// shown when it fails.
type Hook struct {
	Command string   `yaml:"command"`
	Args    []string `yaml:"args"`
	// Timeout bounds the command; zero means DefaultHookTimeout.
	Timeout time.Duration `yaml:"timeout"`
}

// Defined reports whether the target has the hook.
func (h Hook) Defined() bool { return h.Command != "" }

// DefaultHookTimeout bounds a setup or teardown command with no timeout.
const DefaultHookTimeout = 2 * time.Minute

// Budgets are a target's time budgets; a zero field keeps the scenario's
// own value. The harness applies them to every scenario (see
// harness.WithBudgets).
type Budgets struct {
	// FailFast is how long a checkout may take while the provider is out
	// (the scenarios that give the service a grace to notice it);
	// FailFastGrace is that grace, how long after the fault starts the
	// service may take to notice.
	FailFast      time.Duration `yaml:"fail_fast" json:"fail_fast,omitempty"`
	FailFastGrace time.Duration `yaml:"fail_fast_grace" json:"fail_fast_grace,omitempty"`
	// Response is how long a checkout may take while the provider is
	// slow or confused but there (the other scenarios that judge
	// fail-fast, with no grace): the service's own answer budget.
	Response time.Duration `yaml:"response" json:"response,omitempty"`
	// Settle bounds how long the service may take to resolve every
	// pending payment after traffic stops.
	Settle time.Duration `yaml:"settle" json:"settle,omitempty"`
	// Scale multiplies every scenario's warm-up, hold and cool-down, for
	// a service that needs longer to show its behaviour; 0 means 1.
	Scale float64 `yaml:"scale" json:"scale,omitempty"`
}

// IsZero reports whether b changes nothing.
func (b Budgets) IsZero() bool { return b == Budgets{} }

// String lists the budgets b sets, for a report: "fail-fast 2s, settle 20s".
func (b Budgets) String() string {
	var parts []string
	for _, p := range []struct {
		name string
		d    time.Duration
	}{{"fail-fast", b.FailFast}, {"fail-fast grace", b.FailFastGrace}, {"response", b.Response}, {"settle", b.Settle}} {
		if p.d > 0 {
			parts = append(parts, p.name+" "+p.d.String())
		}
	}
	if b.Scale > 0 && b.Scale != 1 {
		parts = append(parts, "warm-up, hold and cool-down ×"+strconv.FormatFloat(b.Scale, 'g', -1, 64))
	}
	if len(parts) == 0 {
		return "the scenarios' own"
	}
	return strings.Join(parts, ", ")
}

// Call is one HTTP call.
type Call struct {
	Method  string            `yaml:"method"`
	Path    string            `yaml:"path"`
	Body    string            `yaml:"body"`
	Headers map[string]string `yaml:"headers"`
	// Fields, where set, replace the target's fields for this call's
	// answers (a status answer with no id, a list whose entries differ).
	Fields Fields `yaml:"fields"`
}

// Defined reports whether the target offers the call.
func (c Call) Defined() bool { return c.Path != "" }

// CallData is what call templates can use.
type CallData struct {
	Amount        int64
	Currency      string
	PaymentMethod string
	Key           string
	OrderID       string
	Customer      string
	Token         string
}

// Fields says where things are in the SUT's JSON answers, as dotted paths.
type Fields struct {
	ID       string `yaml:"id"`
	Status   string `yaml:"status"`
	Amount   string `yaml:"amount"`
	Currency string `yaml:"currency"`
	Refunded string `yaml:"refunded"`
	Customer string `yaml:"customer"`
	// Code is the error code in an error answer.
	Code string `yaml:"code"`
	// FailureCode is why an order failed, in an answer that carries the
	// order (a decline); it stands in for Code there.
	FailureCode string `yaml:"failure_code"`
	// Orders is the array of orders in a list answer; "" when the answer
	// is the array itself.
	Orders string `yaml:"orders"`
	// PaymentIntent is where the provider's PaymentIntent id, or an
	// array of them, is in an order answer; a path may cross an array
	// ("payments.intent_id"). The checker joins payments to orders by it.
	PaymentIntent string `yaml:"payment_intent"`
	// CheckoutSession is where the Checkout Session id is.
	CheckoutSession string `yaml:"checkout_session"`
	// ClientSecret is where the PaymentIntent's client_secret is in the
	// pay answer (flow client_confirm).
	ClientSecret string `yaml:"client_secret"`
	// CheckoutURL is where the Checkout Session's hosted page url is in
	// the pay answer (flow checkout_session).
	CheckoutURL string `yaml:"checkout_url"`
}

// over is f with every field o sets replaced.
func (f Fields) over(o Fields) Fields {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&f.ID, o.ID)
	set(&f.Status, o.Status)
	set(&f.Amount, o.Amount)
	set(&f.Currency, o.Currency)
	set(&f.Refunded, o.Refunded)
	set(&f.Customer, o.Customer)
	set(&f.Code, o.Code)
	set(&f.FailureCode, o.FailureCode)
	set(&f.Orders, o.Orders)
	set(&f.PaymentIntent, o.PaymentIntent)
	set(&f.CheckoutSession, o.CheckoutSession)
	set(&f.ClientSecret, o.ClientSecret)
	set(&f.CheckoutURL, o.CheckoutURL)
	return f
}

// EnvNames are the SUT's environment variable names.
type EnvNames struct {
	ProviderURL   string `yaml:"provider_url"`
	SecretKey     string `yaml:"secret_key"`
	WebhookSecret string `yaml:"webhook_secret"`
	// Addr names the variable the SUT reads its listen address
	// (127.0.0.1:port) from; Port, for a SUT that reads only a port, the
	// one it reads the port from. A started SUT needs one of them.
	Addr string `yaml:"addr"`
	Port string `yaml:"port"`
	// Pass names variables of paychaos's own environment the SUT process
	// gets as they are (e.g. DATABASE_URL). A SUT otherwise sees only
	// PATH, HOME, TMPDIR, LANG, LC_ALL, TZ, its process.env and the
	// wiring: never paychaos's whole environment.
	Pass []string `yaml:"pass"`
}

// ProcessSpec starts the SUT as a subprocess. Args are templates over
// {{.Addr}} and {{.Port}}, where the SUT must listen. A relative command
// or argument (./x, ../x, or a file that exists in the target's folder)
// resolves against the target file's folder.
type ProcessSpec struct {
	Command string            `yaml:"command"`
	Args    []string          `yaml:"args"`
	Env     map[string]string `yaml:"env"`
}

// ShopTarget is the reference shop's API (examples/shop) at baseURL.
func ShopTarget(baseURL string, customers []Customer) Target {
	return Target{
		Name:      "reference-shop",
		BaseURL:   baseURL,
		Headers:   map[string]string{"Authorization": "Bearer {{.Token}}"},
		Customers: customers,
		Pay: Call{
			Method:  "POST",
			Path:    "/orders",
			Body:    `{"amount":{{.Amount}},"currency":{{json .Currency}},"payment_method":{{json .PaymentMethod}}}`,
			Headers: map[string]string{"Idempotency-Key": "{{.Key}}", "Content-Type": "application/json"},
		},
		Get:       Call{Method: "GET", Path: "/orders/{{.OrderID}}"},
		List:      Call{Method: "GET", Path: "/orders"},
		Refund:    Call{Method: "POST", Path: "/orders/{{.OrderID}}/refund", Body: `{"amount":{{.Amount}}}`, Headers: map[string]string{"Content-Type": "application/json"}},
		Cancel:    Call{Method: "POST", Path: "/orders/{{.OrderID}}/cancel"},
		Health:    Call{Method: "GET", Path: "/healthz"},
		Reconcile: Call{Method: "POST", Path: "/admin/reconcile"},
		Webhook:   Call{Method: "POST", Path: "/webhooks/stripe"},
		Fields: Fields{
			ID: "id", Status: "status", Amount: "amount", Currency: "currency",
			Refunded: "refunded", Customer: "customer", Code: "error.code", FailureCode: "failure_code", Orders: "orders",
		},
		Statuses: map[string]history.Status{
			"pending": history.StatusPending, "paid": history.StatusPaid, "failed": history.StatusFailed,
			"canceled": history.StatusCanceled, "refunded": history.StatusRefunded,
		},
		Env:                  EnvNames{ProviderURL: "SHOP_PROVIDER_URL", SecretKey: "SHOP_STRIPE_KEY", WebhookSecret: "SHOP_WEBHOOK_SECRET", Addr: "SHOP_ADDR"},
		Currencies:           []string{"usd", "eur", "gbp", "jpy", "kwd"},
		BackgroundReconciler: true,
	}
}

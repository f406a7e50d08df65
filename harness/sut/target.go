package sut

import (
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
}

// Call is one HTTP call.
type Call struct {
	Method  string            `yaml:"method"`
	Path    string            `yaml:"path"`
	Body    string            `yaml:"body"`
	Headers map[string]string `yaml:"headers"`
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
}

// EnvNames are the SUT's environment variable names.
type EnvNames struct {
	ProviderURL   string `yaml:"provider_url"`
	SecretKey     string `yaml:"secret_key"`
	WebhookSecret string `yaml:"webhook_secret"`
	Addr          string `yaml:"addr"`
}

// ProcessSpec starts the SUT as a subprocess.
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

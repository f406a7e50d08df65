package checkout

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults for the zero values of Config. They suit tests and the harness:
// a checkout answers within two seconds even when every provider call
// times out.
const (
	DefaultClientTimeout     = 500 * time.Millisecond
	DefaultResponseBudget    = 2 * time.Second
	DefaultReconcileInterval = time.Second
	DefaultMaxRetries        = 2
	DefaultBreakerFailures   = 3
	DefaultBreakerCooldown   = time.Second
	DefaultMaxAmount         = int64(1_000_000)
	DefaultMaxBodyBytes      = int64(16 << 10)
	DefaultSecretKey         = "sk_test_paychaos_shop"
	// DefaultAddr is where main listens when SHOP_ADDR is unset.
	DefaultAddr = "127.0.0.1:8080"
)

// DefaultCurrencies are the currencies the shop sells in when
// Config.Currencies is empty: yen has no minor unit, the Kuwaiti dinar
// three decimals.
var DefaultCurrencies = []string{"usd", "eur", "gbp", "jpy", "kwd"}

// Config is everything the shop needs. Zero values take the defaults above;
// only ProviderURL is required.
type Config struct {
	// Addr is where main listens (SHOP_ADDR); the library ignores it.
	Addr string
	// ProviderURL is the payment provider's base URL (Stripe's API, the
	// fake provider, or a proxy in front of either).
	ProviderURL string
	// SecretKey is the provider's secret API key (sk_test_…). It is never
	// logged or returned unmasked.
	SecretKey string
	// WebhookSecret is the whsec_… secret webhook signatures are checked
	// with. Empty disables POST /webhooks/stripe (503).
	WebhookSecret string
	// DBPath is the SQLite file. Empty means an in-memory database private
	// to this Shop.
	DBPath string
	// Flaws are the safeguards switched off; nil is the safe shop.
	Flaws Flaws
	// Customers maps a bearer token to the customer id it authenticates.
	// Empty means two demo customers (see DemoCustomers).
	Customers map[string]string
	// AdminToken is the bearer token of the /admin endpoints. Empty
	// disables them (403).
	AdminToken string
	// ClientTimeout bounds one provider request; it must be well under
	// ResponseBudget so that a retry fits in a checkout.
	ClientTimeout time.Duration
	// ResponseBudget bounds a checkout's answer: whatever the provider
	// does, POST /orders answers within it.
	ResponseBudget time.Duration
	// ReconcileInterval is the period of the background reconciler. A
	// negative value disables the background loop; POST /admin/reconcile
	// and Reconcile still run a pass.
	ReconcileInterval time.Duration
	// Currencies are the lowercase ISO codes the shop accepts.
	Currencies []string
	// MaxAmount is the largest order amount in minor units.
	MaxAmount int64
	// Logger receives the shop's logs; nil discards them.
	Logger *slog.Logger

	// MaxRetries bounds the retries of one provider call on transport
	// errors, 5xx and 429. Zero means DefaultMaxRetries; negative means none.
	MaxRetries int
	// BreakerFailures is how many consecutive provider failures open the
	// circuit breaker.
	BreakerFailures uint32
	// BreakerCooldown is how long the breaker stays open before it lets one
	// probe through.
	BreakerCooldown time.Duration
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// Catalogue prices items by SKU; nil means DefaultCatalogue.
	Catalogue map[string]Item
	// Seed seeds the retry jitter; zero draws a seed from crypto/rand.
	Seed uint64
	// AfterProviderSuccess, when set, is called after the provider
	// confirmed a payment and before the shop records it. A non-nil error
	// makes the shop abandon the order there, as a crash would: the order
	// stays pending with its attempt started, for the reconciler to find.
	// main wires SHOP_CRASH_AFTER_PAYMENT to it.
	AfterProviderSuccess func(orderID string) error
	// Correlate is how payments are traced to orders; "" is
	// CorrelateMetadata. Not a flaw: both are correct.
	Correlate Correlation
	// Flow is how the customer pays (SHOP_FLOW); "" is FlowServerConfirm.
	Flow Flow
}

// DemoCustomers are the customers of a shop configured with none, so that
// `go run ./examples/shop` can be tried by hand.
var DemoCustomers = map[string]string{
	"demo-alice-token": "cus_alice",
	"demo-bob-token":   "cus_bob",
}

// withDefaults fills zero values and checks the result.
func (c Config) withDefaults() (Config, error) {
	if c.ProviderURL == "" {
		return c, errors.New("provider url is required")
	}
	u, err := url.Parse(c.ProviderURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("provider url %q: want http(s)://host[:port]", c.ProviderURL)
	}
	if c.SecretKey == "" {
		c.SecretKey = DefaultSecretKey
	}
	if c.ClientTimeout == 0 {
		c.ClientTimeout = DefaultClientTimeout
	}
	if c.ResponseBudget == 0 {
		c.ResponseBudget = DefaultResponseBudget
	}
	if c.ClientTimeout < 0 || c.ResponseBudget < 0 {
		return c, errors.New("client timeout and response budget must be positive")
	}
	if c.ClientTimeout*2 > c.ResponseBudget {
		return c, fmt.Errorf("client timeout %v must be at most half the response budget %v", c.ClientTimeout, c.ResponseBudget)
	}
	if c.ReconcileInterval == 0 {
		c.ReconcileInterval = DefaultReconcileInterval
	}
	if len(c.Currencies) == 0 {
		c.Currencies = slices.Clone(DefaultCurrencies)
	}
	for _, cur := range c.Currencies {
		if !isCurrencyCode(cur) {
			return c, fmt.Errorf("currency %q: want a lowercase three-letter ISO code", cur)
		}
	}
	if c.MaxAmount == 0 {
		c.MaxAmount = DefaultMaxAmount
	}
	if c.MaxAmount < 0 {
		return c, errors.New("max amount must be positive")
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.BreakerFailures == 0 {
		c.BreakerFailures = DefaultBreakerFailures
	}
	if c.BreakerCooldown <= 0 {
		c.BreakerCooldown = DefaultBreakerCooldown
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Catalogue == nil {
		c.Catalogue = DefaultCatalogue
	}
	if len(c.Customers) == 0 {
		c.Customers = DemoCustomers
	}
	for tok, cus := range c.Customers {
		if tok == "" || cus == "" {
			return c, errors.New("customers: empty token or customer id")
		}
		if c.AdminToken != "" && tok == c.AdminToken {
			return c, errors.New("customers: a customer token equals the admin token")
		}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// ConfigFromEnv reads the shop's configuration from environment variables
// through getenv (os.Getenv in main). Unset variables keep their defaults;
// a malformed value is an error naming the variable.
//
//	SHOP_ADDR                listen address (default 127.0.0.1:8080)
//	SHOP_PROVIDER_URL        provider base URL (required)
//	SHOP_STRIPE_KEY          provider secret key
//	SHOP_WEBHOOK_SECRET      webhook signing secret (whsec_…)
//	SHOP_DB                  SQLite file; empty means in memory
//	SHOP_FLAWS               comma-separated flaw names
//	SHOP_CUSTOMERS           token=customer,token2=customer2
//	SHOP_ADMIN_TOKEN         bearer token of /admin endpoints
//	SHOP_CLIENT_TIMEOUT      Go duration, e.g. 500ms
//	SHOP_RESPONSE_BUDGET     Go duration, e.g. 2s
//	SHOP_RECONCILE_INTERVAL  Go duration; negative disables the loop
//	SHOP_CURRENCIES          comma-separated ISO codes, e.g. usd,eur
//	SHOP_MAX_AMOUNT          largest order amount in minor units
//	SHOP_MAX_RETRIES         retries per provider call; negative means none
//	SHOP_SEED                seed of the retry jitter (unsigned integer)
//	SHOP_CORRELATE           metadata (default) or payment_intent: see Correlation
//	SHOP_FLOW                server_confirm (default), client_confirm or checkout_session: see Flow
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	c.Addr = getenv("SHOP_ADDR")
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	c.ProviderURL = getenv("SHOP_PROVIDER_URL")
	if c.ProviderURL == "" {
		return c, errors.New("SHOP_PROVIDER_URL is required")
	}
	c.SecretKey = getenv("SHOP_STRIPE_KEY")
	c.WebhookSecret = getenv("SHOP_WEBHOOK_SECRET")
	c.DBPath = getenv("SHOP_DB")
	c.AdminToken = getenv("SHOP_ADMIN_TOKEN")

	var err error
	if c.Flaws, err = ParseFlaws(getenv("SHOP_FLAWS")); err != nil {
		return c, fmt.Errorf("SHOP_FLAWS: %w", err)
	}
	if c.Customers, err = parseCustomers(getenv("SHOP_CUSTOMERS")); err != nil {
		return c, fmt.Errorf("SHOP_CUSTOMERS: %w", err)
	}
	if c.Correlate, err = parseCorrelation(getenv("SHOP_CORRELATE")); err != nil {
		return c, fmt.Errorf("SHOP_CORRELATE: %w", err)
	}
	if c.Flow, err = parseFlow(getenv("SHOP_FLOW")); err != nil {
		return c, fmt.Errorf("SHOP_FLOW: %w", err)
	}
	durations := []struct {
		name string
		dst  *time.Duration
		neg  bool
	}{
		{"SHOP_CLIENT_TIMEOUT", &c.ClientTimeout, false},
		{"SHOP_RESPONSE_BUDGET", &c.ResponseBudget, false},
		{"SHOP_RECONCILE_INTERVAL", &c.ReconcileInterval, true},
	}
	for _, d := range durations {
		v := getenv(d.name)
		if v == "" {
			continue
		}
		dur, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("%s: %q is not a Go duration (e.g. 500ms, 2s)", d.name, v)
		}
		if dur == 0 || (dur < 0 && !d.neg) {
			return c, fmt.Errorf("%s: %q must be positive", d.name, v)
		}
		*d.dst = dur
	}
	if v := getenv("SHOP_CURRENCIES"); v != "" {
		for _, cur := range strings.Split(v, ",") {
			cur = strings.TrimSpace(cur)
			if !isCurrencyCode(cur) {
				return c, fmt.Errorf("SHOP_CURRENCIES: %q is not a lowercase three-letter ISO code", cur)
			}
			c.Currencies = append(c.Currencies, cur)
		}
	}
	if v := getenv("SHOP_MAX_AMOUNT"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("SHOP_MAX_AMOUNT: %q is not a positive integer", v)
		}
		c.MaxAmount = n
	}
	if v := getenv("SHOP_MAX_RETRIES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("SHOP_MAX_RETRIES: %q is not an integer", v)
		}
		if n == 0 {
			n = -1 // zero retries asked for explicitly
		}
		c.MaxRetries = n
	}
	if v := getenv("SHOP_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return c, fmt.Errorf("SHOP_SEED: %q is not an unsigned integer", v)
		}
		c.Seed = n
	}
	if _, err := c.withDefaults(); err != nil {
		return c, err
	}
	return c, nil
}

// parseCustomers reads "token=customer,token2=customer2".
func parseCustomers(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		tok, cus, ok := strings.Cut(pair, "=")
		tok, cus = strings.TrimSpace(tok), strings.TrimSpace(cus)
		if !ok || tok == "" || cus == "" {
			return nil, fmt.Errorf("entry %d: want token=customer", len(out)+1)
		}
		if _, dup := out[tok]; dup {
			return nil, fmt.Errorf("entry %d: token given twice", len(out)+1)
		}
		out[tok] = cus
	}
	return out, nil
}

package fakeprovider

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// DefaultAPIVersion is the API version the provider stamps on events. Its
// release train (clover) must match the client's: stripe-go v84's
// webhook.ConstructEvent rejects events from another train.
const DefaultAPIVersion = "2026-02-25.clover"

// config is what New's options set.
type config struct {
	logger          *slog.Logger
	seed            uint64
	now             func() time.Time
	controlToken    string
	apiKeys         map[string]bool
	publishableKey  string
	hostedBase      string
	apiVersion      string
	idemTTL         time.Duration
	maxBody         int64
	processingDelay time.Duration
	webhooks        []webhookConfig
	hookClient      *http.Client
	hookAttempts    int
	hookBackoff     time.Duration
	hookWorkers     int
	hookTimeout     time.Duration
}

type webhookConfig struct{ url, secret string }

// Option configures a Provider.
type Option func(*config)

// WithLogger sends the provider's logs (faults that acted, webhook
// failures) to l. The default discards them.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithSeed makes ids and fault decisions reproducible.
func WithSeed(seed int64) Option { return func(c *config) { c.seed = uint64(seed) } }

// WithClock sets the base clock; the control API can still move the
// provider's time relative to it.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithControlToken protects the control API (/_paychaos/…) with a bearer
// token. Without one, the control API answers loopback clients only.
func WithControlToken(token string) Option { return func(c *config) { c.controlToken = token } }

// WithAPIKeys restricts the API to these exact secret keys. By default any
// well-formed test key (sk_test_… or rk_test_…) is accepted.
func WithAPIKeys(keys ...string) Option {
	return func(c *config) {
		c.apiKeys = make(map[string]bool, len(keys))
		for _, k := range keys {
			c.apiKeys[k] = true
		}
	}
}

// WithAPIVersion sets the api_version stamped on events (default
// DefaultAPIVersion). Change the train when the client's SDK changes it.
func WithAPIVersion(v string) Option { return func(c *config) { c.apiVersion = v } }

// WithIdempotencyTTL sets how long idempotency keys are kept, measured on
// the provider's clock. Stripe keeps them at least 24 hours (the default).
func WithIdempotencyTTL(d time.Duration) Option { return func(c *config) { c.idemTTL = d } }

// WithMaxBodyBytes bounds request bodies (default 1 MiB); larger bodies
// get a 413.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithProcessingDelay sets how long a payment stays in processing before
// it settles (default 2s of real time).
func WithProcessingDelay(d time.Duration) Option { return func(c *config) { c.processingDelay = d } }

// WithWebhook adds a webhook endpoint that receives every event, signed
// with secret (a whsec_… string).
func WithWebhook(url, secret string) Option {
	return func(c *config) { c.webhooks = append(c.webhooks, webhookConfig{url, secret}) }
}

// ParseWebhookFlag splits a command-line webhook endpoint written
// URL=SECRET (the secret is everything after the last '=', since URLs may
// contain '=' in their query but whsec_ secrets do not).
func ParseWebhookFlag(s string) (url, secret string, err error) {
	i := strings.LastIndexByte(s, '=')
	if i <= 0 || i == len(s)-1 {
		return "", "", fmt.Errorf("webhook %q: want URL=SECRET", s)
	}
	return s[:i], s[i+1:], nil
}

// WithWebhookHTTPClient sets the client deliveries use. Its Timeout bounds
// each attempt.
func WithWebhookHTTPClient(hc *http.Client) Option { return func(c *config) { c.hookClient = hc } }

// WithWebhookRetry sets how many attempts a delivery gets (default 4) and
// the first backoff between them (default 250ms, doubling each time).
func WithWebhookRetry(attempts int, backoff time.Duration) Option {
	return func(c *config) { c.hookAttempts, c.hookBackoff = attempts, backoff }
}

// WithWebhookConcurrency sets how many deliveries run at once (default 4).
func WithWebhookConcurrency(n int) Option { return func(c *config) { c.hookWorkers = n } }

func defaultConfig() config {
	return config{
		logger:          slog.New(slog.DiscardHandler),
		now:             time.Now,
		apiVersion:      DefaultAPIVersion,
		idemTTL:         24 * time.Hour,
		maxBody:         1 << 20,
		processingDelay: 2 * time.Second,
		hookAttempts:    4,
		hookBackoff:     250 * time.Millisecond,
		hookWorkers:     4,
		hookTimeout:     10 * time.Second,
	}
}

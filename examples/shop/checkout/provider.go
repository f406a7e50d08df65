package checkout

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
	"github.com/stripe/stripe-go/v84"
)

// errProviderDown is returned, without any request sent, while the circuit
// breaker is open (or half-open with its probe already out).
var errProviderDown = errors.New("provider unavailable: circuit breaker open")

// newStripeClient builds the stripe-go client. stripe-go's own retries are
// off (MaxNetworkRetries 0): the shop retries itself so that every try goes
// through the circuit breaker and the response budget, with a jitter it
// controls. The HTTP client has no timeout of its own; each request gets
// one from its context (see Shop.timeouts).
func newStripeClient(cfg Config, rt http.RoundTripper) *stripe.Client {
	backends := stripe.NewBackendsWithConfig(&stripe.BackendConfig{
		URL:               stripe.String(cfg.ProviderURL),
		HTTPClient:        &http.Client{Transport: rt},
		MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		EnableTelemetry:   stripe.Bool(false),
	})
	return stripe.NewClient(cfg.SecretKey, stripe.WithBackends(backends))
}

// providerTransport is the shop's HTTP transport to the provider.
type providerTransport struct {
	base *http.Transport
	shop *Shop
}

func (t *providerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.shop.flawed(FlawNoIdempotencyKey) && req.Header.Get("Idempotency-Key") != "" {
		req = req.Clone(req.Context())
		req.Header.Del("Idempotency-Key")
	}
	return t.base.RoundTrip(req)
}

func newBaseTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil, // the provider URL is used as given, never through an environment proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
		ForceAttemptHTTP2:   false,
	}
}

// newBreaker builds the circuit breaker every provider request goes
// through. It opens after BreakerFailures consecutive failures (transport
// errors, timeouts, 5xx, 429) and lets one probe through after
// BreakerCooldown. Declines and other 4xx answers are successes: the
// provider is up and saying no.
func newBreaker(cfg Config, log func(from, to gobreaker.State)) *gobreaker.CircuitBreaker[struct{}] {
	return gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "provider",
		MaxRequests: 1,
		Timeout:     cfg.BreakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= cfg.BreakerFailures
		},
		IsSuccessful: func(err error) bool { return !providerFault(err) },
		IsExcluded: func(err error) bool {
			return errors.Is(err, context.Canceled)
		},
		OnStateChange: func(_ string, from, to gobreaker.State) { log(from, to) },
	})
}

// providerFault reports whether err says the provider (or the way to it)
// is unhealthy, as opposed to answering a request it did not like.
func providerFault(err error) bool {
	if err == nil {
		return false
	}
	var se *stripe.Error
	if errors.As(err, &se) {
		return se.HTTPStatusCode >= 500 || se.HTTPStatusCode == http.StatusTooManyRequests
	}
	return true
}

// retryable reports whether another try of the same request (same key) may
// help: transport errors and timeouts, 5xx, 429 and a concurrent request
// holding the same idempotency key.
func retryable(err error) bool {
	if err == nil || errors.Is(err, errProviderDown) || errors.Is(err, context.Canceled) {
		return false
	}
	var se *stripe.Error
	if errors.As(err, &se) {
		switch {
		case se.HTTPStatusCode >= 500, se.HTTPStatusCode == http.StatusTooManyRequests:
			return true
		case se.HTTPStatusCode == http.StatusConflict && se.Code == stripe.ErrorCodeIdempotencyKeyInUse:
			return true
		}
		return false
	}
	return true
}

// notSent reports whether err proves that the request never reached the
// provider: the breaker refused it, the connection was refused, or the
// provider's rate limiter turned it away before executing it.
func notSent(err error) bool {
	if errors.Is(err, errProviderDown) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode == http.StatusTooManyRequests {
		return true
	}
	return false
}

// isTimeout reports whether err is a timeout of a provider request.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// cardDecline returns the provider's error when err is a card decline: the
// provider answered, and the payment did not happen.
func cardDecline(err error) (*stripe.Error, bool) {
	var se *stripe.Error
	if errors.As(err, &se) && (se.Type == stripe.ErrorTypeCard || se.HTTPStatusCode == http.StatusPaymentRequired) {
		return se, true
	}
	return nil, false
}

// rejected reports whether the provider refused the request itself (4xx
// other than 402, 409 and 429): it was not executed.
func rejected(err error) (*stripe.Error, bool) {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return nil, false
	}
	switch {
	case se.HTTPStatusCode < 400 || se.HTTPStatusCode >= 500:
		return nil, false
	case se.HTTPStatusCode == http.StatusConflict, se.HTTPStatusCode == http.StatusTooManyRequests:
		return nil, false
	case se.Type == stripe.ErrorTypeIdempotency:
		// The key was used with other parameters: the first use may have
		// succeeded, so nothing is known.
		return nil, false
	}
	return se, true
}

// errCode is a short, log-safe description of a provider error.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	var se *stripe.Error
	if errors.As(err, &se) {
		code := string(se.Code)
		if se.DeclineCode != "" {
			code = string(se.DeclineCode)
		}
		if code == "" {
			code = string(se.Type)
		}
		return fmt.Sprintf("%d %s", se.HTTPStatusCode, code)
	}
	switch {
	case errors.Is(err, errProviderDown):
		return "breaker open"
	case isTimeout(err):
		return "timeout"
	case notSent(err):
		return "connection refused"
	}
	return "transport error"
}

// jitter draws retry delays from a seeded source, never from the global
// math/rand.
type jitter struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newJitter(seed uint64) *jitter {
	if seed == 0 {
		var b [8]byte
		_, _ = crand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
		seed = binary.LittleEndian.Uint64(b[:])
	}
	return &jitter{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// backoff returns the delay before retry n (0-based): exponential from
// 50ms, capped at 400ms, with equal jitter.
func (j *jitter) backoff(n int) time.Duration {
	d := 50 * time.Millisecond << min(n, 3)
	d = min(d, 400*time.Millisecond)
	j.mu.Lock()
	defer j.mu.Unlock()
	return d/2 + time.Duration(j.rng.Int64N(int64(d/2)+1))
}

// timeouts returns the timeout of one provider request and the budget of a
// whole payment attempt (all its retries). The budget leaves room in the
// response budget for the database writes around the call.
func (s *Shop) timeouts() (perRequest, attemptBudget time.Duration) {
	if s.flawed(FlawNoTimeout) {
		return 0, 0
	}
	return s.cfg.ClientTimeout, s.cfg.ResponseBudget * 85 / 100
}

// send makes one provider request through the circuit breaker, bounded by
// the per-request timeout.
func (s *Shop) send(ctx context.Context, fn func(ctx context.Context) error) error {
	perRequest, _ := s.timeouts()
	run := func() error {
		if perRequest > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, perRequest)
			defer cancel()
		}
		return fn(ctx)
	}
	if s.flawed(FlawNoCircuitBreaker) {
		return run()
	}
	_, err := s.breaker.Execute(func() (struct{}, error) { return struct{}{}, run() })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return fmt.Errorf("%w (%v)", errProviderDown, err)
	}
	return err
}

// breakerOpen reports whether checkout should fail fast without trying.
func (s *Shop) breakerOpen() bool {
	return s.breaker.State() == gobreaker.StateOpen
}

// retryResult is what a retried provider call ended with.
type retryResult struct {
	err error
	// sent is true when at least one try may have reached the provider.
	sent  bool
	tries int
	// timedOut is true when at least one try timed out.
	timedOut bool
}

// withRetries calls fn (try is 0-based) until it succeeds, fails with a
// non-retryable error, MaxRetries retries were made, or the deadline would
// be passed. Delays between tries are jittered.
func (s *Shop) withRetries(ctx context.Context, fn func(ctx context.Context, try int) error) retryResult {
	var res retryResult
	for try := 0; ; try++ {
		err := s.send(ctx, func(ctx context.Context) error { return fn(ctx, try) })
		res.tries++
		res.err = err
		if !notSent(err) {
			res.sent = true
		}
		if isTimeout(err) {
			res.timedOut = true
		}
		if err == nil || !retryable(err) || try >= s.cfg.MaxRetries || ctx.Err() != nil {
			return res
		}
		delay := s.jitter.backoff(try)
		if dl, ok := ctx.Deadline(); ok {
			perRequest, _ := s.timeouts()
			// Do not start a try that cannot finish before the deadline:
			// leave it to the reconciler instead.
			if time.Until(dl) < delay+min(perRequest, 100*time.Millisecond) {
				return res
			}
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return res
		case <-t.C:
		}
	}
}

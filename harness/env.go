package harness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/paychaos/paychaos/harness/browser"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/proxy"
	"github.com/paychaos/paychaos/harness/sut"
)

// Test secrets: the SUT and the provider agree on them; they are never
// real and are masked in reports all the same.
const (
	SecretKey     = "sk_test_paychaos_0123456789abcdef"
	WebhookSecret = "whsec_paychaos_0123456789abcdef"
)

// Env is one wired environment: a stack (provider and proxy), the links
// in front of the provider and of the SUT's webhook endpoint, and a
// running SUT.
type Env struct {
	o options

	stack        Stack
	providerLink *proxy.Link
	webhookLink  *proxy.Link
	// browserLink and browser are the customer's path to the provider, in
	// the flows with a browser step (wireBrowser); nil in the others.
	browserLink *proxy.Link
	browser     *browser.Browser

	sut *sut.Instance
	// endpoint is the webhook endpoint New registered with the provider.
	endpoint string
}

type options struct {
	seed     int64
	log      *slog.Logger
	launcher sut.Launcher
	outDir   string
	stack    func(seed int64, log *slog.Logger) (Stack, error)
	onPhase  func(scenario, phase string)
	budgets  Budgets
}

// Option configures New.
type Option func(*options)

// WithSeed sets the run's seed; every random choice derives from it.
func WithSeed(seed int64) Option { return func(o *options) { o.seed = seed } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithSUT sets the system under test.
func WithSUT(l sut.Launcher) Option { return func(o *options) { o.launcher = l } }

// WithOutDir saves each run's history and ledger under dir.
func WithOutDir(dir string) Option { return func(o *options) { o.outDir = dir } }

// WithPhaseHook has f called as each scenario enters a phase of the
// pipeline (warm up, inject, hold, recover, cool down, settle, check), for
// progress displays. f must return quickly.
func WithPhaseHook(f func(scenario, phase string)) Option {
	return func(o *options) { o.onPhase = f }
}

// WithStack sets where the provider and Toxiproxy run; New calls start
// and Close closes what it returns. The default is Embedded.
func WithStack(start func(seed int64, log *slog.Logger) (Stack, error)) Option {
	return func(o *options) { o.stack = start }
}

// WithRemote uses an existing Toxiproxy server (its API URL) and fake
// provider (its URL and control token): a staging environment.
func WithRemote(toxiproxyURL, providerURL, controlToken string) Option {
	return WithStack(func(int64, *slog.Logger) (Stack, error) {
		return Remote(toxiproxyURL, providerURL, controlToken)
	})
}

// New wires an environment. Close undoes everything it did, also when New
// fails half-way.
func New(ctx context.Context, opts ...Option) (_ *Env, err error) {
	e := &Env{o: options{log: slog.New(slog.DiscardHandler), stack: Embedded}}
	for _, opt := range opts {
		opt(&e.o)
	}
	if e.o.launcher == nil {
		return nil, errors.New("new env: no system under test (WithSUT)")
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, e.Close())
		}
	}()
	if e.stack, err = e.o.stack(e.o.seed, e.o.log); err != nil {
		return nil, err
	}
	px := e.stack.Proxy()
	suffix := fmt.Sprintf("-%d", time.Now().UnixNano()) // unique on a shared server
	if e.providerLink, err = px.Link(ctx, "provider"+suffix, e.stack.ProviderUpstream(), e.stack.Listen("provider")); err != nil {
		return nil, err
	}
	e.sut, err = e.o.launcher.Launch(ctx, sut.Wiring{
		ProviderURL: e.providerLink.URL(), SecretKey: SecretKey, WebhookSecret: WebhookSecret,
	})
	if err != nil {
		return nil, fmt.Errorf("launch %s: %w", e.o.launcher.Name(), err)
	}
	if e.webhookLink, err = px.Link(ctx, "webhook"+suffix, e.sut.Addr, e.stack.Listen("webhook")); err != nil {
		return nil, err
	}
	if err := e.wireBrowser(ctx, suffix); err != nil {
		return nil, err
	}
	if e.sut.WebhookPath != "" {
		url := e.webhookLink.URL() + e.sut.WebhookPath
		if err := e.stack.Provider().AddWebhookEndpoint(ctx, url, WebhookSecret); err != nil {
			return nil, fmt.Errorf("register webhook endpoint: %w", err)
		}
		e.endpoint = url
	}
	return e, nil
}

// Targets are what faults act on in this environment.
func (e *Env) Targets() *fault.Targets {
	return &fault.Targets{ProviderLink: e.providerLink, WebhookLink: e.webhookLink, BrowserLink: e.browserLink, Flow: sut.FlowOf(e.sut.Driver), Provider: e.stack.Provider(), Process: e.sut.Process, Network: e.sut.Network}
}

// SUT is the running system under test.
func (e *Env) SUT() *sut.Instance { return e.sut }

// Provider is the provider's control surface.
func (e *Env) Provider() ProviderControl { return e.stack.Provider() }

// Mode is the stack's mode.
func (e *Env) Mode() Mode { return e.stack.Mode() }

// Close stops everything New started, in reverse order.
func (e *Env) Close() error {
	var errs []error
	if e.endpoint != "" && e.stack.Mode() == ModeRemote {
		// A shared provider outlives us: take our endpoint away. Others
		// die with their stack.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, e.stack.Provider().RemoveWebhookEndpoint(ctx, e.endpoint))
		cancel()
	}
	if e.sut != nil && e.sut.Close != nil {
		errs = append(errs, e.sut.Close())
	}
	if e.stack != nil {
		errs = append(errs, e.stack.Close())
	}
	return errors.Join(errs...)
}

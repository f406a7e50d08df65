package harness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
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

// Env is one wired environment: provider, proxy links and a running SUT.
type Env struct {
	o options

	provider *fakeprovider.Provider // in process; nil in remote mode
	control  fault.Provider
	stopHTTP func() error

	proxy        *proxy.Server
	providerLink *proxy.Link
	webhookLink  *proxy.Link

	sut *sut.Instance
}

type options struct {
	seed     int64
	log      *slog.Logger
	launcher sut.Launcher
	outDir   string
	mode     string
	// remote mode
	toxiproxyURL string
	providerURL  string
	controlToken string
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

// WithRemote uses an existing Toxiproxy server (its API URL) and fake
// provider (its URL and control token) instead of starting them in
// process: a staging environment. The provider's URL must be reachable
// from the Toxiproxy server.
func WithRemote(toxiproxyURL, providerURL, controlToken string) Option {
	return func(o *options) {
		o.mode, o.toxiproxyURL, o.providerURL, o.controlToken = "remote", toxiproxyURL, providerURL, controlToken
	}
}

// New wires an environment. Close undoes everything it did, also when New
// fails half-way.
func New(ctx context.Context, opts ...Option) (_ *Env, err error) {
	e := &Env{o: options{mode: "embedded", log: slog.New(slog.DiscardHandler)}}
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

	providerAddr, err := e.startProvider()
	if err != nil {
		return nil, err
	}
	if e.o.mode == "remote" {
		e.proxy, err = proxy.Remote(e.o.toxiproxyURL)
	} else {
		e.proxy, err = proxy.Embedded()
	}
	if err != nil {
		return nil, fmt.Errorf("start toxiproxy: %w", err)
	}
	suffix := fmt.Sprintf("-%d", time.Now().UnixNano()) // unique on a shared remote server
	if e.providerLink, err = e.proxy.Link(ctx, "provider"+suffix, providerAddr, ""); err != nil {
		return nil, err
	}
	e.sut, err = e.o.launcher.Launch(ctx, sut.Wiring{
		ProviderURL: e.providerLink.URL(), SecretKey: SecretKey, WebhookSecret: WebhookSecret,
	})
	if err != nil {
		return nil, fmt.Errorf("launch %s: %w", e.o.launcher.Name(), err)
	}
	if e.webhookLink, err = e.proxy.Link(ctx, "webhook"+suffix, e.sut.Addr, ""); err != nil {
		return nil, err
	}
	if e.sut.WebhookPath != "" {
		if err := e.control.(endpointAdder).AddWebhookEndpoint(ctx, e.webhookLink.URL()+e.sut.WebhookPath, WebhookSecret); err != nil {
			return nil, fmt.Errorf("register webhook endpoint: %w", err)
		}
	}
	return e, nil
}

type endpointAdder interface {
	AddWebhookEndpoint(ctx context.Context, url, secret string) error
}

func (e *Env) startProvider() (addr string, err error) {
	if e.o.mode == "remote" {
		c := fakeprovider.NewClient(e.o.providerURL, e.o.controlToken)
		e.control = c
		return hostPort(e.o.providerURL)
	}
	e.provider = fakeprovider.New(fakeprovider.WithSeed(e.o.seed), fakeprovider.WithLogger(e.o.log))
	e.control = e.provider
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen for provider: %w", err)
	}
	hs := &http.Server{Handler: e.provider, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }()
	e.stopHTTP = func() error { err := hs.Close(); <-done; return err }
	return ln.Addr().String(), nil
}

// Targets are what faults act on in this environment.
func (e *Env) Targets() *fault.Targets {
	return &fault.Targets{ProviderLink: e.providerLink, WebhookLink: e.webhookLink, Provider: e.control, Process: e.sut.Process}
}

// SUT is the running system under test.
func (e *Env) SUT() *sut.Instance { return e.sut }

// Provider is the in-process fake provider; nil in remote mode.
func (e *Env) Provider() *fakeprovider.Provider { return e.provider }

// Mode is embedded or remote.
func (e *Env) Mode() string { return e.o.mode }

// Close stops everything New started, in reverse order.
func (e *Env) Close() error {
	var errs []error
	if e.sut != nil && e.sut.Close != nil {
		errs = append(errs, e.sut.Close())
	}
	if e.proxy != nil {
		errs = append(errs, e.proxy.Close())
	}
	if e.stopHTTP != nil {
		errs = append(errs, e.stopHTTP())
	}
	if e.provider != nil {
		errs = append(errs, e.provider.Close())
	}
	return errors.Join(errs...)
}

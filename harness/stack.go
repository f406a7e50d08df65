package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/proxy"
)

// Stack is where the fake provider and Toxiproxy run, and how each piece
// reaches the others. The same scenario runs unchanged on every stack:
// in process (Embedded, the default), against servers that run already
// (Remote), or in containers (package harness/containers).
type Stack interface {
	// Mode names the stack in reports.
	Mode() Mode
	// Provider is the provider's control surface, as the harness reaches it.
	Provider() ProviderControl
	// ProviderUpstream is the provider's host:port as the Toxiproxy server
	// reaches it.
	ProviderUpstream() string
	// Proxy is the Toxiproxy server. Its links' URLs are as the SUT and
	// the provider reach them.
	Proxy() *proxy.Server
	// Listen is where the link named role ("provider", "webhook", or
	// "browser" in the flows with a browser step) listens on the Toxiproxy
	// server; "" picks a random port.
	Listen(role string) string
	// Close stops what the stack started.
	Close() error
}

// Mode is where a stack runs the provider and Toxiproxy. The same scenario
// runs unchanged in every mode; a fault a mode cannot play is skipped with
// the reason.
type Mode string

const (
	// ModeEmbedded runs both in this process.
	ModeEmbedded Mode = "embedded"
	// ModeRemote uses servers that run already (staging), shared with
	// other runs.
	ModeRemote Mode = "remote"
	// ModeContainers runs them in Docker containers (harness/containers).
	ModeContainers Mode = "containers"
)

// ProviderControl is what the harness needs of the fake provider.
type ProviderControl interface {
	fault.Provider
	AddWebhookEndpoint(ctx context.Context, url, secret string) error
	RemoveWebhookEndpoint(ctx context.Context, url string) error
}

var (
	_ ProviderControl = (*fakeprovider.Provider)(nil)
	_ ProviderControl = (*fakeprovider.Client)(nil)
)

// Embedded runs the fake provider and a Toxiproxy server in this process,
// on random loopback ports: no Docker needed.
func Embedded(seed int64, log *slog.Logger) (Stack, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// The harness drives the provider in process; its control API over
	// HTTP wants a token nobody is given, so the SUT, which reaches the
	// provider's port through the proxy, cannot read or reset the ledger
	// it is judged by.
	s := &embedded{provider: fakeprovider.New(fakeprovider.WithSeed(seed), fakeprovider.WithLogger(log),
		fakeprovider.WithControlToken(NewControlToken()))}
	s.mode, s.control = ModeEmbedded, s.provider
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("listen for the provider: %w", err), s.provider.Close())
	}
	s.upstream = ln.Addr().String()
	hs := fakeprovider.NewServer(s.provider)
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }()
	s.stopHTTP = func() error { err := hs.Close(); <-done; return err }
	if s.proxy, err = proxy.Embedded(); err != nil {
		return nil, errors.Join(fmt.Errorf("start toxiproxy: %w", err), s.Close())
	}
	return s, nil
}

// NewControlToken is a fresh random control token for a provider the
// harness starts itself (ctl_ and 32 hex digits, which the secret masks
// know).
func NewControlToken() string {
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	return "ctl_" + hex.EncodeToString(tok)
}

// parts answers the Stack methods that only say what a stack is made of.
type parts struct {
	mode     Mode
	control  ProviderControl
	upstream string
	proxy    *proxy.Server
}

func (p *parts) Mode() Mode                { return p.mode }
func (p *parts) Provider() ProviderControl { return p.control }
func (p *parts) ProviderUpstream() string  { return p.upstream }
func (p *parts) Proxy() *proxy.Server      { return p.proxy }
func (p *parts) Listen(string) string      { return "" }

type embedded struct {
	parts
	provider *fakeprovider.Provider
	stopHTTP func() error
}

var _ Stack = (*embedded)(nil)

func (s *embedded) Close() error {
	var errs []error
	if s.proxy != nil {
		errs = append(errs, s.proxy.Close())
	}
	if s.stopHTTP != nil {
		errs = append(errs, s.stopHTTP())
	}
	return errors.Join(append(errs, s.provider.Close())...)
}

// Remote uses a Toxiproxy server (its API URL) and a fake provider (its
// URL and control token) that run already: a staging environment. The
// provider's URL must be reachable from the Toxiproxy server as it is from
// here.
func Remote(toxiproxyURL, providerURL, controlToken string) (Stack, error) {
	up, err := hostPort(providerURL)
	if err != nil {
		return nil, fmt.Errorf("provider URL: %w", err)
	}
	px, err := proxy.Remote(toxiproxyURL)
	if err != nil {
		return nil, err
	}
	return &remote{parts{mode: ModeRemote, control: fakeprovider.NewClient(providerURL, controlToken), upstream: up, proxy: px}}, nil
}

type remote struct{ parts }

var _ Stack = (*remote)(nil)

func (s *remote) Close() error { return s.proxy.Close() }

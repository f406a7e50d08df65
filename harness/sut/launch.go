package sut

import (
	"context"
	"fmt"
	"net/url"
)

// Wiring is what the environment tells a SUT it starts: where the provider
// is (behind the proxy) and the secrets the provider uses.
type Wiring struct {
	ProviderURL   string
	SecretKey     string
	WebhookSecret string
}

// Instance is a running SUT.
type Instance struct {
	Driver    Driver
	Customers []Customer
	// Addr is the host:port the SUT listens on: the upstream of the
	// webhook link.
	Addr string
	// WebhookPath is the path of the SUT's webhook endpoint.
	WebhookPath string
	// Close stops the SUT, if the environment started it.
	Close func() error
	// Process is set when the SUT runs as a process (or container) the
	// harness can kill, restart and freeze.
	Process Process
	// Network is set when the harness can cut the SUT off the network
	// (containers).
	Network Partitioner
	// Logs returns what the SUT has logged so far, when the harness can
	// see it; the secret-leak check reads it.
	Logs func() string
	// MetadataKey is the payment metadata key that names an order when
	// not order_id (Target.Correlate); the checker joins by it.
	MetadataKey string
}

// Partitioner cuts a SUT off its network and puts it back.
type Partitioner interface {
	// Disconnect cuts the SUT off: it reaches neither the provider nor
	// anything else on its network.
	Disconnect(ctx context.Context) error
	// Reconnect restores the SUT's network and its name on it.
	Reconnect(ctx context.Context) error
}

// Launcher starts a SUT wired to the environment.
type Launcher interface {
	Name() string
	Launch(ctx context.Context, w Wiring) (*Instance, error)
}

// Offer is what a launcher's SUT will let the harness do to it, known
// before it starts: a scenario whose fault needs more is skipped without
// starting anything. The stack's part (the proxied links and the
// provider's control API) every stack offers.
type Offer struct {
	// Process: the harness can kill, restart and freeze the SUT
	// (Instance.Process).
	Process bool
	// Network: the harness can cut the SUT off its network
	// (Instance.Network; containers).
	Network bool
	// Flow is how the SUT takes payments: it decides whether customers
	// have a browser link and whether the SUT makes PaymentIntent calls.
	Flow Flow
}

// Offerer is implemented by launchers that say what they offer before
// they launch. A launcher that is not one is asked once it runs.
type Offerer interface {
	Offers() Offer
}

// Running is a SUT that runs already at its Target's BaseURL (a staging
// environment): paychaos drives it but neither starts nor stops it.
type Running struct {
	Target     Target
	AdminToken string
}

var (
	_ Launcher = Running{}
	_ Offerer  = Running{}
)

// Offers implements Offerer: a running service is neither a process of
// the harness nor on a network it owns.
func (r Running) Offers() Offer { return Offer{Flow: r.Target.Flow} }

func (r Running) Name() string { return r.Target.Name }

func (r Running) Launch(_ context.Context, _ Wiring) (*Instance, error) {
	u, err := url.Parse(r.Target.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("target %s: base_url %q is not an absolute URL", r.Target.Name, r.Target.BaseURL)
	}
	return &Instance{
		Driver:      NewHTTPDriver(r.Target, WithAdminToken(r.AdminToken)),
		Customers:   r.Target.Customers,
		Addr:        u.Host,
		WebhookPath: r.Target.Webhook.Path,
		MetadataKey: r.Target.Correlate.MetadataKey,
		Close:       func() error { return teardown(r.Target, processEnv(r.Target), "") },
	}, nil
}

// Package refshop launches the reference shop (examples/shop) as the
// system under test: in process (Launcher), as a real child process that a
// scenario can kill, restart and freeze (Process, the default of the
// scenario suite), or as a container (Container).
//
// It is the one place that links the shop, beside the scenarios and the
// CLI that register it: the harness reaches the shop through sut.Launcher
// and sut.Target like any team's service, and links neither the shop nor
// stripe-go nor SQLite.
package refshop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/paychaos/paychaos/examples/shop/checkout"
	"github.com/paychaos/paychaos/harness/sut"
)

// AdminToken authorises the shop's admin calls in tests.
const AdminToken = "adm_paychaos"

// Customers are the shop's test customers.
var Customers = []sut.Customer{
	{ID: "cus_alice", Token: "tok_alice"},
	{ID: "cus_bob", Token: "tok_bob"},
	{ID: "cus_carol", Token: "tok_carol"},
}

// Launcher starts the reference shop in process, with the named flaws
// switched on (comma-separated, as in SHOP_FLAWS).
type Launcher struct {
	Flaws  string
	Logger *slog.Logger
	// ClientTimeout is the shop's timeout for one provider call; short, so
	// that scenarios are quick.
	ClientTimeout time.Duration
	// Flow is how the shop takes payments; "" confirms on the server.
	Flow checkout.Flow
}

var (
	_ sut.Launcher = Launcher{}
	_ sut.Offerer  = Launcher{}
)

// Offers implements sut.Offerer: a shop in this process can be neither
// killed nor cut off.
func (l Launcher) Offers() sut.Offer { return sut.Offer{Flow: sut.Flow(l.Flow)} }

// Name implements sut.Launcher.
func (l Launcher) Name() string {
	if l.Flaws != "" {
		return flowName("reference-shop["+l.Flaws+"]", l.Flow)
	}
	return flowName("reference-shop", l.Flow)
}

// Launch implements sut.Launcher.
func (l Launcher) Launch(ctx context.Context, w sut.Wiring) (*sut.Instance, error) {
	flaws, err := checkout.ParseFlaws(l.Flaws)
	if err != nil {
		return nil, err
	}
	tokens := map[string]string{}
	for _, c := range Customers {
		tokens[c.Token] = c.ID
	}
	log := l.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := l.ClientTimeout
	if timeout == 0 {
		timeout = 400 * time.Millisecond
	}
	shop, err := checkout.New(ctx, checkout.Config{
		ProviderURL:       w.ProviderURL,
		SecretKey:         w.SecretKey,
		WebhookSecret:     w.WebhookSecret,
		Flaws:             flaws,
		Customers:         tokens,
		AdminToken:        AdminToken,
		ClientTimeout:     timeout,
		ResponseBudget:    5 * timeout,
		ReconcileInterval: 250 * time.Millisecond,
		Logger:            log,
		Flow:              l.Flow,
	})
	if err != nil {
		return nil, fmt.Errorf("start the shop: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("listen for the shop: %w", err), shop.Close())
	}
	hs := &http.Server{Handler: shop, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	target := withFlow(sut.ShopTarget(base, Customers), l.Flow)
	return &sut.Instance{
		Driver:      sut.NewHTTPDriver(target, sut.WithAdminToken(AdminToken)),
		Customers:   Customers,
		Addr:        ln.Addr().String(),
		WebhookPath: target.Webhook.Path,
		Close: func() error {
			err := hs.Close()
			<-done
			return errors.Join(err, shop.Close())
		},
	}, nil
}

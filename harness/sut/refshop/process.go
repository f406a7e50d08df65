package refshop

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/paychaos/paychaos/examples/shop/checkout"
	"github.com/paychaos/paychaos/harness/sut"
)

// childEnv marks a process started to be the shop.
const childEnv = "PAYCHAOS_REFSHOP_CHILD"

// RunIfChild turns this process into the reference shop when it was
// started by Process, and never returns then. Call it first thing in main
// (and in TestMain of a test binary that runs scenarios), so that the
// program can re-execute itself as the shop: no Go toolchain is needed to
// run a real shop process.
func RunIfChild() {
	if os.Getenv(childEnv) != "1" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := checkout.Main(ctx, os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Process starts the reference shop as a child process: this program
// re-executed (see RunIfChild), its state in a SQLite file that survives
// a crash.
type Process struct {
	Flaws string
	// ClientTimeout is the shop's timeout for one provider call.
	ClientTimeout time.Duration
	// Output, when set, also receives the shop's logs.
	Output io.Writer
	// Flow is how the shop takes payments; "" confirms on the server.
	Flow checkout.Flow
}

var _ sut.Launcher = Process{}

// Name implements sut.Launcher.
func (p Process) Name() string { return Launcher{Flaws: p.Flaws, Flow: p.Flow}.Name() }

// Launch implements sut.Launcher.
func (p Process) Launch(ctx context.Context, w sut.Wiring) (*sut.Instance, error) {
	if _, err := checkout.ParseFlaws(p.Flaws); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this program to run the shop: %w", err)
	}
	timeout := p.ClientTimeout
	if timeout == 0 {
		timeout = 400 * time.Millisecond
	}
	var tokens []string
	for _, c := range Customers {
		tokens = append(tokens, c.Token+"="+c.ID)
	}
	t := withFlow(sut.ShopTarget("", Customers), p.Flow)
	t.Name = p.Name()
	t.Process = sut.ProcessSpec{
		Command: self,
		Env: map[string]string{
			childEnv:                  "1",
			"SHOP_FLAWS":              p.Flaws,
			"SHOP_DB":                 "shop.db",
			"SHOP_CUSTOMERS":          strings.Join(tokens, ","),
			"SHOP_ADMIN_TOKEN":        AdminToken,
			"SHOP_CLIENT_TIMEOUT":     timeout.String(),
			"SHOP_RESPONSE_BUDGET":    (5 * timeout).String(),
			"SHOP_RECONCILE_INTERVAL": "250ms",
			"SHOP_LOG_LEVEL":          "info",
			"SHOP_FLOW":               string(p.Flow),
		},
	}
	return sut.Subprocess{Target: t, AdminToken: AdminToken, Output: p.Output}.Launch(ctx, w)
}

package refshop

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
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

var (
	_ sut.Launcher = Process{}
	_ sut.Offerer  = Process{}
)

// Offers implements sut.Offerer: what a subprocess offers.
func (p Process) Offers() sut.Offer { return sut.Offer{Process: true, Flow: sut.Flow(p.Flow)} }

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
	t := withFlow(sut.ShopTarget("", Customers), p.Flow)
	t.Name = p.Name()
	env := shopEnv(p.Flaws, p.ClientTimeout)
	env[childEnv] = "1"
	env["SHOP_DB"] = "shop.db"
	env["SHOP_FLOW"] = string(p.Flow)
	t.Process = sut.ProcessSpec{Command: self, Env: env}
	return sut.Subprocess{Target: t, AdminToken: AdminToken, Output: p.Output}.Launch(ctx, w)
}

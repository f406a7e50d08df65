// Command shop runs the reference checkout service of paychaos: a small
// shop that pays through stripe-go against a configurable provider URL,
// safe by default, with switchable flaws (SHOP_FLAWS) for the scenarios to
// catch. See README.md for its HTTP contract and configuration.
//
//	SHOP_PROVIDER_URL=http://127.0.0.1:12111 go run ./examples/shop
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/paychaos/paychaos/examples/shop/checkout"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	return checkout.Main(ctx, getenv, stdout, stderr)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/paychaos/paychaos/fakeprovider"
)

func newProviderCmd() *cobra.Command {
	var (
		addr     string
		webhooks []string
		token    string
		seed     int64
	)
	cmd := &cobra.Command{
		Use:   "provider",
		Short: "Run the fake payment provider standalone",
		Long: `Run the fake payment provider: a stateful, Stripe-compatible subset
(PaymentIntents, Charges, Refunds, Events, signed webhooks) that the official
stripe-go client uses unmodified, with its control API under /_paychaos/ for
provider-side faults. A service in any language can point its Stripe base URL
at it.`,
		Example: `  paychaos provider --addr 127.0.0.1:12111
  paychaos provider --webhook http://127.0.0.1:8080/webhooks/stripe=whsec_test --token s3cret`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := []fakeprovider.Option{fakeprovider.WithSeed(seed), fakeprovider.WithLogger(slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)))}
			for _, w := range webhooks {
				url, secret, ok := strings.Cut(w, "=")
				if !ok || url == "" || !strings.HasPrefix(secret, "whsec_") {
					return fmt.Errorf("--webhook %q: want URL=whsec_SECRET", w)
				}
				opts = append(opts, fakeprovider.WithWebhook(url, secret))
			}
			if token != "" {
				opts = append(opts, fakeprovider.WithControlToken(token))
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			p := fakeprovider.New(opts...)
			defer p.Close()
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			hs := fakeprovider.NewServer(p)
			go func() {
				<-ctx.Done()
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = hs.Shutdown(sctx)
			}()
			fmt.Fprintf(cmd.OutOrStdout(), "fake provider listening on http://%s (control API under /_paychaos/)\n", ln.Addr())
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:12111", "address to listen on")
	fl.StringArrayVar(&webhooks, "webhook", nil, "webhook endpoint as URL=whsec_SECRET (repeatable)")
	fl.StringVar(&token, "token", "", "bearer token required by the control API")
	fl.Int64Var(&seed, "seed", 1, "seed for ids and probabilistic faults")
	return cmd
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
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
		version  string
		hosted   string
	)
	cmd := &cobra.Command{
		Use:   "provider",
		Short: "Run the fake payment provider standalone",
		Long: `Run the fake payment provider: a stateful, Stripe-compatible subset
(PaymentIntents, Charges, Refunds, Events, Customers, PaymentMethods, Products,
Prices, Checkout Sessions with a hosted payment page under /pay/, signed
webhooks) that the official stripe-go client uses unmodified, with its control
API under /_paychaos/ for provider-side faults. A service in any language can
point its Stripe base URL at it; its browser side confirms PaymentIntents with
the publishable key printed at start.`,
		Example: `  paychaos provider --addr 127.0.0.1:12111
  paychaos provider --webhook http://127.0.0.1:8080/webhooks/stripe=whsec_test --token s3cret
  paychaos provider --webhook http://127.0.0.1:8080/hook=whsec_test --api-version 2023-10-16   # a service on stripe-go v76`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := []fakeprovider.Option{fakeprovider.WithSeed(seed), fakeprovider.WithLogger(slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)))}
			if version != "" {
				if !fakeprovider.ValidAPIVersion(version) {
					return fmt.Errorf("--api-version %q: want a Stripe API version such as 2023-10-16 or %s", version, fakeprovider.DefaultAPIVersion)
				}
				opts = append(opts, fakeprovider.WithAPIVersion(version))
			}
			if hosted != "" {
				if u, err := url.Parse(hosted); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return fmt.Errorf("--hosted-url %q: want an absolute http(s) URL", hosted)
				}
				opts = append(opts, fakeprovider.WithHostedURL(hosted))
			}
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
			hs := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
			go func() {
				<-ctx.Done()
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = hs.Shutdown(sctx)
			}()
			fmt.Fprintf(cmd.OutOrStdout(), "fake provider listening on http://%s (control API under /_paychaos/)\n", ln.Addr())
			fmt.Fprintf(cmd.OutOrStdout(), "publishable key: %s\n", p.PublishableKey())
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
	fl.StringVar(&hosted, "hosted-url", "", "base URL customers reach the hosted Checkout pages at, for sessions' url (default: the address the creating request reached)")
	fl.StringVar(&version, "api-version", "", "api_version stamped on events and webhooks (default "+fakeprovider.DefaultAPIVersion+"); 2023-10-16 for a service on stripe-go v76")
	return cmd
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/internal/secret"
)

func newProviderCmd() *cobra.Command {
	var (
		addr        string
		webhooks    []string
		webhookFile string
		token       string
		tokenFile   string
		seed        int64
		version     string
		hosted      string
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
  paychaos provider --webhook http://127.0.0.1:8080/hook=whsec_test --api-version 2023-10-16   # a service on stripe-go v76
  PAYCHAOS_PROVIDER_TOKEN=s3cret PAYCHAOS_WEBHOOKS=http://127.0.0.1:8080/webhooks/stripe=whsec_test paychaos provider
  paychaos provider --token-file /run/secrets/token --webhook-file /run/secrets/webhooks`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := []fakeprovider.Option{fakeprovider.WithSeed(seed), fakeprovider.WithLogger(slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)))}
			token, err := providerToken(token, tokenFile)
			if err != nil {
				return err
			}
			if webhooks, err = providerWebhooks(webhooks, webhookFile); err != nil {
				return err
			}
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
				url, whsec, ok := strings.Cut(w, "=")
				if !ok || url == "" || !strings.HasPrefix(whsec, "whsec_") {
					return fmt.Errorf("webhook %q: want URL=whsec_SECRET", secret.Mask(w))
				}
				opts = append(opts, fakeprovider.WithWebhook(url, whsec))
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
			fmt.Fprintf(cmd.OutOrStdout(), "publishable key: %s\n", p.PublishableKey())
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:12111", "address to listen on")
	fl.StringArrayVar(&webhooks, "webhook", nil, "webhook endpoint as URL=whsec_SECRET (repeatable; shows in a process list: prefer --webhook-file or env PAYCHAOS_WEBHOOKS)")
	fl.StringVar(&webhookFile, "webhook-file", "", "a file of webhook endpoints, one URL=whsec_SECRET a line")
	fl.StringVar(&token, "token", "", "bearer token required by the control API (shows in a process list: prefer --token-file or env PAYCHAOS_PROVIDER_TOKEN)")
	fl.StringVar(&tokenFile, "token-file", "", "a file holding the control API's bearer token")
	fl.Int64Var(&seed, "seed", 1, "seed for ids and probabilistic faults")
	fl.StringVar(&hosted, "hosted-url", "", "base URL customers reach the hosted Checkout pages at, for sessions' url (default: the address the creating request reached)")
	fl.StringVar(&version, "api-version", "", "api_version stamped on events and webhooks (default "+fakeprovider.DefaultAPIVersion+"); 2023-10-16 for a service on stripe-go v76")
	return cmd
}

// Where paychaos provider reads its secrets when they are not on the
// command line, where any process list would show them.
const (
	tokenEnv    = "PAYCHAOS_PROVIDER_TOKEN"
	webhooksEnv = "PAYCHAOS_WEBHOOKS" // URL=whsec_SECRET, comma- or space-separated
)

// providerToken is the control token from --token, --token-file or the
// environment, at most one of the flags.
func providerToken(flag, file string) (string, error) {
	switch {
	case flag != "" && file != "":
		return "", errors.New("--token and --token-file: give one")
	case flag != "":
		return flag, nil
	case file != "":
		return secretFile("--token-file", file)
	}
	return os.Getenv(tokenEnv), nil
}

// providerWebhooks are the --webhook endpoints, those of --webhook-file
// and those of the environment, together.
func providerWebhooks(flags []string, file string) ([]string, error) {
	out := append([]string(nil), flags...)
	if file != "" {
		s, err := secretFile("--webhook-file", file)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(s, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
	}
	return append(out, strings.FieldsFunc(os.Getenv(webhooksEnv), func(r rune) bool { return r == ',' || unicode.IsSpace(r) })...), nil
}

// secretFile reads a small file that holds a secret (a mounted Secret, a
// CI secret file), trimmed.
func secretFile(flag, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10+1))
	if err != nil {
		return "", fmt.Errorf("%s: read %s: %w", flag, path, err)
	}
	if len(b) > 64<<10 {
		return "", fmt.Errorf("%s: %s is over 64 KiB: not a secret file", flag, path)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s: %s is empty", flag, path)
	}
	return s, nil
}

package fakeprovider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Limits of the provider's HTTP server. A client gets ServerReadTimeout to
// send a whole request (Stripe requests are small forms), and an idle
// keep-alive connection is closed after ServerIdleTimeout, so slow or
// abandoned connections cannot pile up. There is no write timeout: the
// slow and commit_then_fail hang faults hold answers on purpose, bounded
// by MaxFaultDuration.
const (
	ServerReadHeaderTimeout = 5 * time.Second
	ServerReadTimeout       = 15 * time.Second
	ServerIdleTimeout       = 60 * time.Second
	ServerMaxHeaderBytes    = 64 << 10
)

// NewServer is the http.Server every paychaos provider listens with
// (embedded, standalone, in a container): h behind the limits above.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ServerReadHeaderTimeout,
		ReadTimeout:       ServerReadTimeout,
		IdleTimeout:       ServerIdleTimeout,
		MaxHeaderBytes:    ServerMaxHeaderBytes,
	}
}

// Serve serves p on ln until ctx is done, then shuts the server down
// (requests still running get a few seconds). It does not close p.
func Serve(ctx context.Context, ln net.Listener, p *Provider) error {
	srv := NewServer(p)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close() // a hanging request (commit_then_fail hang) must not keep us here
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	return nil
}

// ListenAndServe listens on addr (e.g. "127.0.0.1:12111") and serves p
// until ctx is done. To learn the port of "127.0.0.1:0", listen yourself
// and call Serve.
func ListenAndServe(ctx context.Context, addr string, p *Provider) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return Serve(ctx, ln, p)
}

package checkout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// shutdownGrace bounds how long in-flight requests get to finish on
// SIGTERM before their provider calls are cut.
const shutdownGrace = 10 * time.Second

// Main starts the shop from environment variables and serves until ctx
// is done; it returns the process exit code. The shop binary is a thin
// main around it, and paychaos re-executes itself through it to run the
// shop as a real process that a scenario can kill. It prints one line,
// "shop listening on http://HOST:PORT", on stdout once it accepts
// connections (useful with SHOP_ADDR=127.0.0.1:0); logs go to stderr as
// JSON.
func Main(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(getenv("SHOP_LOG_LEVEL"))); err != nil && getenv("SHOP_LOG_LEVEL") != "" {
		fmt.Fprintf(stderr, "shop: SHOP_LOG_LEVEL: want debug, info, warn or error\n")
		return 2
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	cfg, err := ConfigFromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "shop: %v\n", err)
		return 2
	}
	cfg.Logger = logger
	if v := getenv("SHOP_CRASH_AFTER_PAYMENT"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "shop: SHOP_CRASH_AFTER_PAYMENT: %q is not a positive integer\n", v)
			return 2
		}
		cfg.AfterProviderSuccess = crashAfter(n, logger)
	}

	shop, err := New(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "shop: %v\n", err)
		return 1
	}
	defer shop.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintf(stderr, "shop: listen %s: %v\n", cfg.Addr, err)
		return 1
	}
	srv := &http.Server{
		Handler:           shop,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "shop listening on http://%s\n", ln.Addr())
	logger.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-served:
		logger.Error("serve", "err", err)
		return 1
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("shutdown", "err", err)
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("serve", "err", err)
	}
	if err := shop.Close(); err != nil {
		logger.Error("close", "err", err)
		return 1
	}
	return 0
}

// crashAfter kills the process right after the n-th payment the provider
// confirmed, before the shop records it: the crash the reconciler must
// survive (the order must end paid, once). Scenarios restart the shop
// without the variable.
func crashAfter(n int64, logger *slog.Logger) func(string) error {
	var seen atomic.Int64
	return func(orderID string) error {
		if seen.Add(1) == n {
			logger.Warn("crash point reached: exiting before recording the payment", "order", orderID)
			os.Exit(3)
		}
		return nil
	}
}

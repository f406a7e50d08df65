package containers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/moby/moby/client"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/sut"
)

// Config configures a Runtime.
type Config struct {
	// RunID labels every container and network of the run; empty picks a
	// fresh one (NewRunID).
	RunID string
	// Images says how the provider, Toxiproxy and shop images are built
	// when missing or stale (default BuildIfChanged from the module of the
	// working directory). A user's SUT image is never built.
	Images BuildOptions
	// Startup bounds each container's wait for readiness (default 60s).
	Startup time.Duration
	// Logger receives what the runtime does (and testcontainers-go's
	// chatter, at debug level); nil discards.
	Logger *slog.Logger
}

// Runtime is one run of paychaos on Docker. It makes the stack (provider
// and Toxiproxy containers, networks) that harness.WithStack asks for and
// launches the SUT container on that stack's networks, so both come from
// the same Runtime:
//
//	rt, err := containers.New(ctx, containers.Config{})
//	defer rt.Close()
//	env, err := harness.New(ctx, harness.WithStack(rt.Stack), harness.WithSUT(rt.SUT(target, token)))
//
// One environment at a time: Stack fails while the previous stack is open.
type Runtime struct {
	cfg Config
	cli *client.Client
	log *slog.Logger

	imagesMu sync.Mutex
	ensured  map[string]bool

	mu      sync.Mutex
	seq     int
	current *stack
	logs    *logBook
	closed  bool
}

// New connects to the Docker engine and removes what earlier runs that
// died left behind (SweepStale). Close it to remove what this run left.
func New(ctx context.Context, cfg Config) (*Runtime, error) {
	if cfg.RunID == "" {
		cfg.RunID = NewRunID()
	}
	if cfg.Startup == 0 {
		cfg.Startup = 60 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Images.Logger == nil {
		cfg.Images.Logger = log
	}
	cli, err := newClient(ctx)
	if err != nil {
		return nil, err
	}
	// testcontainers-go prints a banner and its steps through a
	// process-wide logger; send them to ours, at debug level.
	tclog.SetDefault(tcLogger{log})
	r := &Runtime{cfg: cfg, cli: cli, log: log.With("run", cfg.RunID), ensured: map[string]bool{}, logs: newLogBook()}
	removed, err := sweep(ctx, cli, "", r.leftBehind)
	for _, l := range removed {
		r.log.Warn("removed a leftover of an interrupted run", "what", l.String())
	}
	if err != nil {
		return nil, errors.Join(err, cli.Close())
	}
	return r, nil
}

// leftBehind logs a dead run's leftover that a sweep could not remove: a
// later sweep will.
func (r *Runtime) leftBehind(l Leftover, err error) {
	r.log.Warn("left a leftover of a dead run for a later sweep", "what", l.String(), "err", err)
}

// RunID is the id on every container and network of this run.
func (r *Runtime) RunID() string { return r.cfg.RunID }

// Stack starts a fresh stack: its networks, the fake provider (alias
// provider, port 12111) and a Toxiproxy server (alias toxiproxy, links on
// 8666 for the provider and 8667 for webhooks). Its signature is the one
// harness.WithStack takes: harness.WithStack(rt.Stack).
func (r *Runtime) Stack(seed int64, log *slog.Logger) (harness.Stack, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r.mu.Lock()
	switch {
	case r.closed:
		r.mu.Unlock()
		return nil, errors.New("containers: the runtime is closed")
	case r.current != nil:
		r.mu.Unlock()
		return nil, errors.New("containers: a stack of this runtime is still open; close its environment first")
	}
	r.seq++
	s := &stack{rt: r, name: fmt.Sprintf("paychaos-%s-%d", r.cfg.RunID, r.seq), seed: seed}
	r.current = s
	r.logs = newLogBook()
	r.mu.Unlock()
	if log == nil {
		log = r.log
	}
	s.log = log.With("stack", s.name)
	if err := s.start(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// SUT launches target as a container (target.Container names the image)
// on the open stack's networks. adminToken authorises the target's
// reconcile call, if any.
func (r *Runtime) SUT(target sut.Target, adminToken string) sut.Launcher {
	return sutLauncher{rt: r, target: target, adminToken: adminToken}
}

// Logs returns the recent output of every container of the current (or
// last closed) environment, secrets masked: what a failing scenario
// attaches to its report. Call it before or after Env.Close.
func (r *Runtime) Logs(ctx context.Context) string {
	r.mu.Lock()
	b := r.logs
	r.mu.Unlock()
	return b.text(ctx)
}

// Close removes every container and network of this run that is still
// there, then disconnects. Images are kept for the next run.
func (r *Runtime) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	s := r.current
	r.mu.Unlock()
	var errs []error
	if s != nil {
		errs = append(errs, s.Close())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	removed, err := sweep(ctx, r.cli, r.cfg.RunID, r.leftBehind)
	for _, l := range removed {
		r.log.Warn("removed a leftover of this run", "what", l.String())
	}
	errs = append(errs, err, r.cli.Close())
	return errors.Join(errs...)
}

// ensure builds one of paychaos's images if needed, once per runtime.
func (r *Runtime) ensure(ctx context.Context, im Image) error {
	r.imagesMu.Lock()
	defer r.imagesMu.Unlock()
	if r.ensured[im.Ref] {
		return nil
	}
	if _, err := ensureImages(ctx, r.cli, r.cfg.Images, im); err != nil {
		return err
	}
	r.ensured[im.Ref] = true
	return nil
}

// stackDone forgets s once it is closed.
func (r *Runtime) stackDone(s *stack) {
	r.mu.Lock()
	if r.current == s {
		r.current = nil
	}
	r.mu.Unlock()
}

func (r *Runtime) openStack() (*stack, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current == nil || !r.current.ready {
		return nil, errors.New("containers: no stack is open; pass harness.WithStack(rt.Stack) with the same Runtime")
	}
	return r.current, nil
}

// tcLogger sends testcontainers-go's chatter to slog at debug level.
type tcLogger struct{ log *slog.Logger }

var _ tclog.Logger = tcLogger{}

func (l tcLogger) Printf(format string, v ...any) {
	l.log.Debug(fmt.Sprintf(format, v...), "from", "testcontainers")
}

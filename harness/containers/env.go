package containers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// ErrNoDocker says that no Docker engine answered. Tests skip on it, or
// fail in CI (see Available).
var ErrNoDocker = errors.New("no Docker engine answers")

var setupOnce sync.Once

// setupEnv sets what testcontainers-go reads once per process, before its
// first call:
//   - Ryuk off: its image would have to be pulled, and nothing can be; the
//     labels and the sweep clean up instead.
//   - the host of every mapped port is 127.0.0.1: on a machine that looks
//     like a container (/.dockerenv), testcontainers-go would otherwise
//     dial a gateway address for readiness checks and traffic.
func setupEnv() {
	setupOnce.Do(func() {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
		_ = os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	})
}

// newClient connects to the Docker engine named by DOCKER_HOST (default
// the local socket) and checks that it answers.
func newClient(ctx context.Context) (*client.Client, error) {
	setupEnv()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDocker, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		host := cli.DaemonHost()
		_ = cli.Close()
		return nil, fmt.Errorf("%w at %s: %v (start dockerd, or set DOCKER_HOST)", ErrNoDocker, host, err)
	}
	return cli, nil
}

// Available reports whether a Docker engine answers; the error says where
// it looked and why it failed, and wraps ErrNoDocker.
func Available(ctx context.Context) error {
	cli, err := newClient(ctx)
	if err != nil {
		return err
	}
	return cli.Close()
}

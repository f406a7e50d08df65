package containers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/moby/moby/api/types/container"
	mnetwork "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	tc "github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/paychaos/paychaos/harness/sut"
)

type sutLauncher struct {
	rt         *Runtime
	target     sut.Target
	adminToken string
}

var (
	_ sut.Launcher = sutLauncher{}
	_ sut.Offerer  = sutLauncher{}
)

// Offers implements sut.Offerer: a container the harness can kill,
// freeze and cut off its network.
func (l sutLauncher) Offers() sut.Offer {
	return sut.Offer{Process: true, Network: true, Flow: l.target.Flow}
}

func (l sutLauncher) Name() string { return l.target.Name }

// Launch starts the SUT container on the open stack: on the front network
// (its published port, bound to 127.0.0.1) and on the back network as
// "sut", wired through the target's env names, ready once its health call
// answers 2xx.
func (l sutLauncher) Launch(ctx context.Context, w sut.Wiring) (*sut.Instance, error) {
	t := l.target
	spec := t.Container
	if err := spec.Validate(t); err != nil {
		return nil, err
	}
	s, err := l.rt.openStack()
	if err != nil {
		return nil, err
	}
	if im, ours := ImageByRef(spec.Image); ours {
		err = l.rt.ensure(ctx, im)
	} else {
		err = requireImage(ctx, l.rt.cli, spec.Image)
	}
	if err != nil {
		return nil, err
	}
	port := strconv.Itoa(spec.Port) + "/tcp"
	env := containerEnv(t, w)
	l.rt.logs.secret(w.SecretKey)
	l.rt.logs.secret(w.WebhookSecret)
	l.rt.logs.secret(l.adminToken)

	c, err := s.run(ctx, runSpec{
		role: "sut", image: spec.Image, cmd: spec.Args, env: env, ports: []string{port},
		nets: []attach{{s.front, nil}, {s.back, []string{SUTAlias}}},
		wait: wait.ForHTTP(t.Health.Path).WithPort(port),
	})
	p := &sutContainer{rt: l.rt, stack: s, ctr: c, port: port, teardown: func() error { return sut.Teardown(t, env) }}
	l.rt.mu.Lock()
	s.suts = append(s.suts, p)
	l.rt.mu.Unlock()
	if err != nil {
		return nil, errors.Join(err, p.close())
	}
	hp, err := p.hostPort(ctx)
	if err != nil {
		return nil, errors.Join(err, p.close())
	}
	p.base, p.current = hp, hp
	t.BaseURL = "http://" + hp
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	p.transport = &http.Transport{
		DialContext:         p.dial(d),
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 100,
		IdleConnTimeout:     30 * time.Second,
	}
	driver := sut.NewHTTPDriver(t, sut.WithAdminToken(l.adminToken), sut.WithClient(&http.Client{Timeout: 30 * time.Second, Transport: p.transport}))
	return &sut.Instance{
		Driver: driver, Customers: t.Customers, Addr: SUTAlias + ":" + strconv.Itoa(spec.Port), WebhookPath: t.Webhook.Path,
		MetadataKey: t.Correlate.MetadataKey,
		Close:       p.close, Process: p, Network: p,
	}, nil
}

// containerEnv is the SUT container's environment: the target's
// container.env, and the wiring through the target's env names; the
// listen address (env.addr) or port (env.port) is where the container
// listens, container.port.
func containerEnv(t sut.Target, w sut.Wiring) map[string]string {
	env := map[string]string{}
	for _, name := range t.Env.Pass { // only what the target names: the container sees nothing else of ours
		if v, ok := os.LookupEnv(name); ok {
			env[name] = v
		}
	}
	for k, v := range t.Container.Env {
		env[k] = v
	}
	set := func(name, val string) {
		if name != "" {
			env[name] = val
		}
	}
	port := strconv.Itoa(t.Container.Port)
	set(t.Env.Addr, "0.0.0.0:"+port)
	set(t.Env.Port, port)
	set(t.Env.ProviderURL, w.ProviderURL)
	set(t.Env.SecretKey, w.SecretKey)
	set(t.Env.WebhookSecret, w.WebhookSecret)
	return env
}

// sutContainer is the running SUT container: what the process and
// partition faults act on.
type sutContainer struct {
	rt    *Runtime
	stack *stack
	ctr   *tc.DockerContainer
	port  string

	transport *http.Transport
	// base is the host address the driver's URL names; dials to it go to
	// current, the SUT's mapped address now (it changes on every restart),
	// and fail as refused while the container is down.
	base string

	mu      sync.Mutex
	current string
	down    bool

	// teardown runs the target's teardown command once the container is
	// gone, as for a process.
	teardown func() error

	closeOnce sync.Once
	closeErr  error
}

var (
	_ sut.Process     = (*sutContainer)(nil)
	_ sut.Partitioner = (*sutContainer)(nil)
)

func (p *sutContainer) id() string { return p.ctr.GetContainerID() }

func (p *sutContainer) dial(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == p.base {
			p.mu.Lock()
			cur, down := p.current, p.down
			p.mu.Unlock()
			if down {
				return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
			}
			addr = cur
		}
		return d.DialContext(ctx, network, addr)
	}
}

// hostPort is the SUT's published address now, on 127.0.0.1.
func (p *sutContainer) hostPort(ctx context.Context) (string, error) {
	mp, err := p.ctr.MappedPort(ctx, p.port)
	if err != nil {
		return "", fmt.Errorf("the SUT's mapped port: %w", err)
	}
	return net.JoinHostPort("127.0.0.1", mp.Port()), nil
}

func (p *sutContainer) state(ctx context.Context) (*container.State, error) {
	res, err := p.rt.cli.ContainerInspect(ctx, p.id(), client.ContainerInspectOptions{})
	if err != nil {
		return nil, fmt.Errorf("inspect the SUT container: %w", err)
	}
	if res.Container.State == nil {
		return nil, errors.New("inspect the SUT container: no state")
	}
	return res.Container.State, nil
}

// Kill sends SIGKILL to the container (thawing it first: a paused
// container cannot be killed) and waits until it has exited.
func (p *sutContainer) Kill(ctx context.Context) error {
	st, err := p.state(ctx)
	if err != nil {
		return err
	}
	if !st.Running {
		return errors.New("kill the SUT: the container is not running")
	}
	if st.Paused {
		if _, err := p.rt.cli.ContainerUnpause(ctx, p.id(), client.ContainerUnpauseOptions{}); err != nil {
			return fmt.Errorf("kill the SUT: unpause first: %w", err)
		}
	}
	p.mu.Lock()
	p.down = true
	p.mu.Unlock()
	waited := p.rt.cli.ContainerWait(ctx, p.id(), client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	if _, err := p.rt.cli.ContainerKill(ctx, p.id(), client.ContainerKillOptions{Signal: "SIGKILL"}); err != nil {
		return fmt.Errorf("kill the SUT: %w", err)
	}
	select {
	case <-waited.Result:
	case err := <-waited.Error:
		return fmt.Errorf("kill the SUT: wait for it to exit: %w", err)
	case <-ctx.Done():
		return fmt.Errorf("kill the SUT: wait for it to exit: %w", ctx.Err())
	}
	p.transport.CloseIdleConnections()
	return nil
}

// Start starts the killed container again (same filesystem, so the same
// state), waits for its health call, and re-reads its published port: the
// engine picks a new one on every start.
func (p *sutContainer) Start(ctx context.Context) error {
	if err := p.ctr.Start(ctx); err != nil {
		return fmt.Errorf("restart the SUT: %w", err)
	}
	hp, err := p.hostPort(ctx)
	if err != nil {
		return fmt.Errorf("restart the SUT: %w", err)
	}
	p.mu.Lock()
	p.current, p.down = hp, false
	p.mu.Unlock()
	p.transport.CloseIdleConnections()
	p.stack.log.Info("SUT restarted", "addr", hp)
	return nil
}

// Freeze pauses the container (cgroup freezer): it keeps its connections
// and answers nothing until Thaw.
func (p *sutContainer) Freeze(ctx context.Context) error {
	if _, err := p.rt.cli.ContainerPause(ctx, p.id(), client.ContainerPauseOptions{}); err != nil {
		return fmt.Errorf("freeze the SUT: %w", err)
	}
	return nil
}

// Thaw unpauses the container.
func (p *sutContainer) Thaw(ctx context.Context) error {
	if _, err := p.rt.cli.ContainerUnpause(ctx, p.id(), client.ContainerUnpauseOptions{}); err != nil {
		return fmt.Errorf("thaw the SUT: %w", err)
	}
	return nil
}

// Disconnect takes the SUT off the back network: the names provider and
// toxiproxy no longer resolve for it and webhooks cannot reach it, while
// customers still reach it through the front network.
func (p *sutContainer) Disconnect(ctx context.Context) error {
	if _, err := p.rt.cli.NetworkDisconnect(ctx, p.stack.back.ID, client.NetworkDisconnectOptions{Container: p.id(), Force: true}); err != nil {
		return fmt.Errorf("partition the SUT: %w", err)
	}
	return nil
}

// Reconnect puts the SUT back on the back network under its alias; it is
// a no-op when the SUT is connected already.
func (p *sutContainer) Reconnect(ctx context.Context) error {
	res, err := p.rt.cli.ContainerInspect(ctx, p.id(), client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("heal the partition: inspect the SUT: %w", err)
	}
	if ns := res.Container.NetworkSettings; ns != nil {
		if _, ok := ns.Networks[p.stack.back.Name]; ok {
			return nil
		}
	}
	_, err = p.rt.cli.NetworkConnect(ctx, p.stack.back.ID, client.NetworkConnectOptions{
		Container: p.id(), EndpointConfig: &mnetwork.EndpointSettings{Aliases: []string{SUTAlias}},
	})
	if err != nil {
		return fmt.Errorf("heal the partition: %w", err)
	}
	return nil
}

// close keeps the SUT's logs and removes its container.
func (p *sutContainer) close() error {
	p.closeOnce.Do(func() {
		if p.transport != nil {
			p.transport.CloseIdleConnections()
		}
		if p.ctr != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			p.rt.logs.keep(ctx, "sut")
			p.closeErr = removeContainer(ctx, p.rt.cli, p.id())
		}
		if p.teardown != nil {
			p.closeErr = errors.Join(p.closeErr, p.teardown())
		}
	})
	return p.closeErr
}

// Squeezer is the capability a resource-squeeze fault needs: the SUT's
// CPU cut to a fraction of a core, then given back. The containers SUT's
// Process implements it (find it by type assertion on Targets.Process).
type Squeezer interface {
	Squeeze(ctx context.Context, cpus float64) error
	Unsqueeze(ctx context.Context) error
}

var _ Squeezer = (*sutContainer)(nil)

// cfsPeriod is the CFS scheduling period the squeeze uses, in µs.
const cfsPeriod = 100_000

// Squeeze limits the container to cpus cores (e.g. 0.1) through its CFS
// quota, without restarting it.
func (p *sutContainer) Squeeze(ctx context.Context, cpus float64) error {
	if !(cpus >= 0.01 && cpus <= 64) {
		return fmt.Errorf("squeeze the SUT: %v CPUs is out of range (0.01 to 64)", cpus)
	}
	_, err := p.rt.cli.ContainerUpdate(ctx, p.id(), client.ContainerUpdateOptions{
		Resources: &container.Resources{CPUPeriod: cfsPeriod, CPUQuota: int64(cpus * cfsPeriod)},
	})
	if err != nil {
		return fmt.Errorf("squeeze the SUT: %w", err)
	}
	return nil
}

// Unsqueeze lifts the CPU limit.
func (p *sutContainer) Unsqueeze(ctx context.Context) error {
	if _, err := p.rt.cli.ContainerUpdate(ctx, p.id(), client.ContainerUpdateOptions{
		Resources: &container.Resources{CPUQuota: -1},
	}); err != nil {
		return fmt.Errorf("lift the SUT's CPU limit: %w", err)
	}
	return nil
}

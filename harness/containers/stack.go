package containers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	mnetwork "github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	tc "github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/proxy"
)

// Ports and aliases inside the stack's networks.
const (
	ProviderAlias  = "provider"
	ProviderPort   = 12111
	ToxiproxyAlias = "toxiproxy"
	ToxiproxyAPI   = 8474
	SUTAlias       = "sut"
)

// linkPorts are where the Toxiproxy server listens for each link role.
var linkPorts = map[string]int{"provider": 8666, "webhook": 8667, "browser": browserPort}

// stack is the provider and Toxiproxy containers and the networks.
type stack struct {
	rt   *Runtime
	name string
	seed int64
	log  *slog.Logger

	// back is internal: the provider, Toxiproxy and the SUT reach each
	// other there by alias, and nothing there reaches out. front carries
	// the SUT's published port, ctl those of the provider and Toxiproxy:
	// the SUT shares no network with them but back.
	back, front, ctl netRef

	provider  *tc.DockerContainer
	toxiproxy *tc.DockerContainer
	token     string
	control   *fakeprovider.Client
	proxy     *proxy.Server
	ready     bool
	// suts are the SUT containers launched on this stack (guarded by
	// rt.mu); Close removes them first, or the networks could not go.
	suts []*sutContainer

	closeOnce sync.Once
	closeErr  error
}

type netRef struct{ ID, Name string }

var _ harness.Stack = (*stack)(nil)

func (s *stack) Mode() harness.Mode                { return harness.ModeContainers }
func (s *stack) Provider() harness.ProviderControl { return s.control }
func (s *stack) ProviderUpstream() string          { return ProviderAlias + ":" + strconv.Itoa(ProviderPort) }
func (s *stack) Proxy() *proxy.Server              { return s.proxy }

// Listen puts the provider link on 8666 and the webhook link on 8667 of
// the Toxiproxy container; other links on a port it picks.
func (s *stack) Listen(role string) string {
	if p, ok := linkPorts[role]; ok {
		return "0.0.0.0:" + strconv.Itoa(p)
	}
	return "0.0.0.0:0"
}

func (s *stack) start(ctx context.Context) (err error) {
	for _, im := range []Image{ProviderImage, ToxiproxyImage} {
		if err := s.rt.ensure(ctx, im); err != nil {
			return err
		}
	}
	if s.back, err = s.network(ctx, "back", true); err != nil {
		return err
	}
	if s.front, err = s.network(ctx, "front", false); err != nil {
		return err
	}
	if s.ctl, err = s.network(ctx, "ctl", false); err != nil {
		return err
	}
	s.token = harness.NewControlToken()
	s.rt.logs.secret(s.token)

	port := strconv.Itoa(ProviderPort) + "/tcp"
	s.provider, err = s.run(ctx, runSpec{
		role: "provider", image: ProviderImage.Ref,
		cmd: []string{"provider", "--addr", "0.0.0.0:" + strconv.Itoa(ProviderPort), "--seed", strconv.FormatInt(s.seed, 10)},
		// In the environment, not the command: docker inspect and ps show
		// a command to anyone who can list processes.
		env:   map[string]string{"PAYCHAOS_PROVIDER_TOKEN": s.token},
		ports: []string{port},
		nets:  []attach{{s.ctl, nil}, {s.back, []string{ProviderAlias}}},
		wait: wait.ForHTTP("/_paychaos/clock").WithPort(port).
			WithHeaders(map[string]string{"Authorization": "Bearer " + s.token}),
	})
	if err != nil {
		return err
	}
	providerURL, err := s.provider.PortEndpoint(ctx, port, "http")
	if err != nil {
		return fmt.Errorf("provider's mapped port: %w", err)
	}
	s.control = fakeprovider.NewClient(providerURL, s.token)

	api := strconv.Itoa(ToxiproxyAPI) + "/tcp"
	s.toxiproxy, err = s.run(ctx, runSpec{
		role: "toxiproxy", image: ToxiproxyImage.Ref,
		env:   map[string]string{"LOG_LEVEL": "error"},
		ports: []string{api, strconv.Itoa(browserPort) + "/tcp"},
		nets:  []attach{{s.ctl, nil}, {s.back, []string{ToxiproxyAlias}}},
		wait:  wait.ForHTTP("/version").WithPort(api),
	})
	if err != nil {
		return err
	}
	apiURL, err := s.toxiproxy.PortEndpoint(ctx, api, "http")
	if err != nil {
		return fmt.Errorf("toxiproxy's mapped port: %w", err)
	}
	if s.proxy, err = proxy.Remote(apiURL, proxy.WithAdvertiseHost(ToxiproxyAlias)); err != nil {
		return err
	}
	s.ready = true
	s.log.Info("stack ready", "provider", providerURL, "toxiproxy", apiURL)
	return nil
}

// network creates one of the stack's networks, labelled with the run. An
// internal network has no gateway: joining or leaving it leaves a
// container's published ports alone (leaving a network with a gateway
// makes the engine publish them again, on new host ports, with a moment
// of refused connections in between).
func (s *stack) network(ctx context.Context, side string, internal bool) (netRef, error) {
	name := s.name + "-" + side
	res, err := s.rt.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
		Driver: "bridge", Internal: internal, Labels: runLabels(s.rt.cfg.RunID, "network-"+side),
	})
	if err != nil {
		return netRef{}, fmt.Errorf("create network %s: %w", name, err)
	}
	return netRef{ID: res.ID, Name: name}, nil
}

type attach struct {
	net     netRef
	aliases []string
}

type runSpec struct {
	role  string
	image string
	cmd   []string
	env   map[string]string
	// ports are published on 127.0.0.1 only, on ports the engine picks.
	ports []string
	// nets: the first is joined at creation and carries the published
	// ports; the others are joined before the start.
	nets []attach
	wait wait.Strategy
}

// run creates and starts a container of the stack and waits until it is
// ready. Its logs are kept for the report.
func (s *stack) run(ctx context.Context, sp runSpec) (*tc.DockerContainer, error) {
	name := s.name + "-" + sp.role
	opts := []tc.ContainerCustomizer{
		tc.WithName(name),
		tc.WithLabels(runLabels(s.rt.cfg.RunID, sp.role)),
		tc.WithExposedPorts(sp.ports...),
		tc.WithHostConfigModifier(func(hc *container.HostConfig) {
			if hc.PortBindings == nil {
				hc.PortBindings = mnetwork.PortMap{}
			}
			for _, p := range sp.ports {
				hc.PortBindings[mnetwork.MustParsePort(p)] = []mnetwork.PortBinding{{HostIP: netip.AddrFrom4([4]byte{127, 0, 0, 1}), HostPort: "0"}}
			}
		}),
		tc.WithLogger(tcLogger{s.log}),
	}
	if len(sp.cmd) > 0 {
		opts = append(opts, tc.WithCmd(sp.cmd...))
	}
	if len(sp.env) > 0 {
		opts = append(opts, tc.WithEnv(sp.env))
	}
	for _, a := range sp.nets {
		opts = append(opts, network.WithNetworkName(a.aliases, a.net.Name))
	}
	if sp.wait != nil {
		opts = append(opts, tc.WithWaitStrategyAndDeadline(s.rt.cfg.Startup, sp.wait))
	}
	c, err := tc.Run(ctx, sp.image, opts...)
	if c != nil {
		s.rt.logs.track(sp.role, c)
	}
	if err != nil {
		logs := ""
		if c != nil {
			logs = "\n" + s.rt.logs.one(context.WithoutCancel(ctx), sp.role)
		}
		return c, fmt.Errorf("start the %s container (%s): %w%s", sp.role, sp.image, err, logs)
	}
	return c, nil
}

// Close keeps the containers' logs, then removes the containers and the
// networks. It runs once; later calls return the first result.
func (s *stack) Close() error {
	s.closeOnce.Do(func() {
		defer s.rt.stackDone(s)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var errs []error
		if s.proxy != nil {
			errs = append(errs, s.proxy.Close())
		}
		s.rt.mu.Lock()
		suts := s.suts
		s.rt.mu.Unlock()
		for _, p := range suts {
			errs = append(errs, p.close())
		}
		for _, role := range []string{"toxiproxy", "provider"} {
			s.rt.logs.keep(ctx, role)
		}
		for _, c := range []*tc.DockerContainer{s.toxiproxy, s.provider} {
			if c != nil {
				errs = append(errs, removeContainer(ctx, s.rt.cli, c.GetContainerID()))
			}
		}
		for _, n := range []netRef{s.front, s.ctl, s.back} {
			if n.ID == "" {
				continue
			}
			if _, err := s.rt.cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !isGone(err) {
				errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// removeContainer kills and removes a container at once: its logs are
// kept already, and nothing in it needs a graceful stop.
func removeContainer(ctx context.Context, cli *client.Client, id string) error {
	_, _ = cli.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
	if _, err := cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !isGone(err) {
		return fmt.Errorf("remove container %.12s: %w", id, err)
	}
	return nil
}

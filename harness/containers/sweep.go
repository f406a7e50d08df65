package containers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Labels on every container and network paychaos starts. Images carry
// none of them: they are kept between runs on purpose.
const (
	// LabelPaychaos is "1" on everything paychaos starts.
	LabelPaychaos = "paychaos"
	// LabelRun is the id of the run that started it.
	LabelRun = "paychaos.run"
	// LabelPID and LabelHost say which process started it, so that a sweep
	// removes what a dead run left and never what a live one uses.
	LabelPID  = "paychaos.pid"
	LabelHost = "paychaos.host"
	// LabelRole is provider, toxiproxy, sut, or the network's side.
	LabelRole = "paychaos.role"
)

// NewRunID returns a fresh run id: 12 hex digits.
func NewRunID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func runLabels(runID, role string) map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		LabelPaychaos: "1", LabelRun: runID, LabelRole: role,
		LabelPID: strconv.Itoa(os.Getpid()), LabelHost: host,
	}
}

// stale reports whether labels belong to a run whose process is gone:
// the same host, and no process with that pid. A run on another host
// sharing the engine is never stale from here.
func stale(labels map[string]string) bool {
	host, _ := os.Hostname()
	if labels[LabelHost] != host {
		return false
	}
	pid, err := strconv.Atoi(labels[LabelPID])
	if err != nil || pid <= 0 {
		return true // labelled by hand or damaged: nobody owns it
	}
	if pid == os.Getpid() {
		return false
	}
	err = syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

// Leftover is a container or network paychaos started that still exists.
type Leftover struct {
	Kind  string // "container" or "network"
	ID    string
	Name  string
	RunID string
}

func (l Leftover) String() string {
	return fmt.Sprintf("%s %s (%s, run %s)", l.Kind, l.Name, l.ID[:min(12, len(l.ID))], l.RunID)
}

// Leftovers lists the containers (running or not) and networks labelled
// paychaos=1, only those of runID when it is not empty: the check that a
// run left nothing behind.
func Leftovers(ctx context.Context, runID string) ([]Leftover, error) {
	cli, err := newClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return leftovers(ctx, cli, runID)
}

func leftovers(ctx context.Context, cli *client.Client, runID string) ([]Leftover, error) {
	f := make(client.Filters).Add("label", LabelPaychaos+"=1")
	if runID != "" {
		f.Add("label", LabelRun+"="+runID)
	}
	var out []Leftover
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		name := c.ID
		if len(c.Names) > 0 {
			name = c.Names[0]
		}
		out = append(out, Leftover{Kind: "container", ID: c.ID, Name: name, RunID: c.Labels[LabelRun]})
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	for _, n := range ns.Items {
		out = append(out, Leftover{Kind: "network", ID: n.ID, Name: n.Name, RunID: n.Labels[LabelRun]})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Kind < out[j].Kind || out[i].Kind == out[j].Kind && out[i].Name < out[j].Name
	})
	return out, nil
}

// SweepStale removes every container and network that a paychaos run on
// this host left behind when it died (killed, interrupted, timed out): its
// process is gone. What live runs use is left alone, and so is what
// another sweep is removing at the same time; a leftover it cannot remove
// is left for a later sweep, never an error. It returns what it removed.
func SweepStale(ctx context.Context) ([]Leftover, error) {
	cli, err := newClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return sweep(ctx, cli, "", nil)
}

// sweep removes containers, then networks, labelled paychaos=1 that belong
// to runID (when not empty) or to a dead run. Several sweeps may run at
// once (two runs started together after a killed one): what another sweep
// is removing or has removed is left to it, and a dead run's network that
// still has endpoints (containers another sweep is removing, or a live
// run's) is left for a later sweep. Only what this run (runID) cannot
// remove is an error; a dead run's leftover that stays is passed to warn,
// when set.
func sweep(ctx context.Context, cli *client.Client, runID string, warn func(l Leftover, err error)) ([]Leftover, error) {
	f := make(client.Filters).Add("label", LabelPaychaos+"=1")
	var removed []Leftover
	var errs []error
	// take removes l, and says what became of it.
	take := func(l Leftover, own bool, remove func() error) {
		gone, err := retryRemove(ctx, own, remove)
		switch {
		case err != nil && own:
			errs = append(errs, fmt.Errorf("sweep: remove %s: %w", l, err))
		case err != nil && warn != nil:
			warn(l, err)
		case gone:
			removed = append(removed, l)
		}
	}
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("sweep: list containers: %w", err)
	}
	for _, c := range cs.Items {
		own := runID != "" && c.Labels[LabelRun] == runID
		if !own && (!stale(c.Labels) || c.State == container.StateRemoving) {
			continue
		}
		l := Leftover{Kind: "container", ID: c.ID, Name: c.ID, RunID: c.Labels[LabelRun]}
		if len(c.Names) > 0 {
			l.Name = c.Names[0]
		}
		take(l, own, func() error {
			// A paused container cannot be removed on older engines.
			_, _ = cli.ContainerUnpause(ctx, c.ID, client.ContainerUnpauseOptions{})
			_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			return err
		})
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("sweep: list networks: %w", err))...)
	}
	for _, n := range ns.Items {
		own := runID != "" && n.Labels[LabelRun] == runID
		if !own && !stale(n.Labels) {
			continue
		}
		l := Leftover{Kind: "network", ID: n.ID, Name: n.Name, RunID: n.Labels[LabelRun]}
		take(l, own, func() error {
			_, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{})
			return err
		})
	}
	return removed, errors.Join(errs...)
}

// Removal retries: a removal another sweep has under way, or a network
// whose containers are still going, settles within seconds.
const (
	removeTries   = 6
	removeBackoff = 100 * time.Millisecond
)

// retryRemove calls remove until it succeeds (true), finds the thing gone
// already (false: someone else removed it), or gives up. Something another
// sweep is removing is theirs unless own, and then waited for; a network
// with active endpoints is waited for too, since its containers may be on
// their way out.
func retryRemove(ctx context.Context, own bool, remove func() error) (bool, error) {
	wait := removeBackoff
	for try := 1; ; try++ {
		err := remove()
		switch {
		case err == nil:
			return true, nil
		case cerrdefs.IsNotFound(err):
			return false, nil
		case inProgress(err) && !own:
			return false, nil // another sweep has it
		}
		if try == removeTries {
			return false, err
		}
		select {
		case <-ctx.Done():
			return false, errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// inProgress reports whether the engine refused a removal because another
// client is removing the same container.
func inProgress(err error) bool {
	return err != nil && strings.Contains(err.Error(), "already in progress")
}

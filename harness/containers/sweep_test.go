package containers

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// deadPID is the pid of a process that has exited, for staging a dead
// run's leftovers.
func deadPID(t *testing.T) string {
	t.Helper()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	pid := dead.Process.Pid
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Skipf("pid %d was reused at once (%v); cannot stage a dead run", pid, err)
	}
	return strconv.Itoa(pid)
}

// stage creates a network and, on it, a container, both labelled with
// labels, and removes them when the test ends.
func stage(t *testing.T, name string, labels map[string]string) (ctrID, netID string) {
	t.Helper()
	ctx, cli := t.Context(), shared.cli
	n, err := cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{Driver: "bridge", Internal: true, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	ctr, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: name, Config: &container.Config{Image: ToxiproxyImage.Ref, Labels: labels},
		HostConfig: &container.HostConfig{NetworkMode: container.NetworkMode(name)},
	})
	t.Cleanup(func() {
		ctx := context.Background()
		if ctr.ID != "" {
			_, _ = cli.ContainerRemove(ctx, ctr.ID, client.ContainerRemoveOptions{Force: true})
		}
		_, _ = cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{})
	})
	if err != nil {
		t.Fatal(err)
	}
	return ctr.ID, n.ID
}

// Two runs started together after a killed one both sweep its leftovers:
// neither fails, and everything of the dead run is gone.
func TestTwoSweepsAtOnce(t *testing.T) {
	requireDocker(t)
	ctx := t.Context()
	pid := deadPID(t)
	run := "dead" + NewRunID()
	var ids []string
	for i := range 4 {
		l := runLabels(run, "staged")
		l[LabelPID] = pid
		c, n := stage(t, "paychaos-test-twosweeps-"+run+"-"+strconv.Itoa(i), l)
		if _, err := shared.cli.ContainerStart(ctx, c, client.ContainerStartOptions{}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c, n)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	removed := make([][]Leftover, 2)
	for i := range 2 {
		wg.Go(func() { removed[i], errs[i] = SweepStale(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("sweep %d: %v", i, err)
		}
	}
	left, err := Leftovers(ctx, run)
	if err != nil || len(left) > 0 {
		t.Fatalf("the dead run's leftovers after two sweeps: %v %v", left, err)
	}
	took := map[string]int{}
	for _, r := range removed {
		for _, l := range r {
			took[l.ID]++
		}
	}
	for _, id := range ids {
		if took[id] > 1 {
			t.Errorf("%s removed by both sweeps", id[:12])
		}
	}
}

// A dead run's network that a live run's container is still attached to
// is left alone, not an error; what the dead run left elsewhere goes.
func TestSweepLeavesANetworkWithLiveEndpoints(t *testing.T) {
	requireDocker(t)
	ctx := t.Context()
	run := "dead" + NewRunID()
	dead := runLabels(run, "staged")
	dead[LabelPID] = deadPID(t)
	_, netID := stage(t, "paychaos-test-endpoints-"+run, dead)
	// A live run (this process) has a container on the dead run's network.
	liveCtr, _ := stage(t, "paychaos-test-endpoints-live-"+run, runLabels("live"+run, "staged"))
	if _, err := shared.cli.NetworkConnect(ctx, netID, client.NetworkConnectOptions{Container: liveCtr}); err != nil {
		t.Fatal(err)
	}
	if _, err := shared.cli.ContainerStart(ctx, liveCtr, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	removed, err := SweepStale(ctx)
	if err != nil {
		t.Fatalf("a network with a live run's endpoint failed the sweep: %v", err)
	}
	for _, l := range removed {
		if l.ID == netID || l.ID == liveCtr {
			t.Errorf("swept %s", l)
		}
	}
	if _, err := shared.cli.NetworkInspect(ctx, netID, client.NetworkInspectOptions{}); err != nil {
		t.Errorf("the network the live container uses is gone: %v", err)
	}
	if left, _ := Leftovers(ctx, run); len(left) != 1 || left[0].Kind != "network" {
		t.Errorf("the dead run's leftovers: %v, want only its network", left)
	}
}

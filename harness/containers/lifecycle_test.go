package containers

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/scenarios/refshop"
)

// Everything a run starts carries its labels, and Close removes it all,
// even an environment nobody closed (the run interrupted half-way).
func TestCloseLeavesNothingBehind(t *testing.T) {
	requireDocker(t)
	ctx := t.Context()
	// The shared runtime built the images from these sources already.
	rt, err := New(ctx, Config{Logger: testLogger(), Images: BuildOptions{Policy: BuildIfMissing}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	env, err := harness.New(ctx, harness.WithStack(rt.Stack), harness.WithSUT(shop(rt, "")))
	if err != nil {
		t.Fatal(err)
	}
	left, err := Leftovers(ctx, rt.RunID())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, l := range left {
		kinds[l.Kind]++
	}
	if kinds["container"] != 3 || kinds["network"] != 3 {
		t.Fatalf("a live environment shows %v under its run id, want 3 containers (provider, toxiproxy, sut) and 3 networks: %v", kinds, left)
	}
	if _, err := rt.Stack(1, nil); err == nil || !strings.Contains(err.Error(), "still open") {
		t.Fatalf("a second stack while the first is open: %v", err)
	}
	// The environment is not closed: the runtime's Close must sweep it.
	if err := rt.Close(); err != nil {
		t.Fatalf("close the runtime: %v", err)
	}
	if left, err := Leftovers(ctx, rt.RunID()); err != nil || len(left) > 0 {
		t.Fatalf("left behind after Close: %v %v", left, err)
	}
	if err := env.Close(); err != nil {
		t.Fatalf("closing an environment whose containers are gone: %v", err)
	}
	if _, err := rt.Stack(1, nil); err == nil {
		t.Fatal("a closed runtime started a stack")
	}
}

// A run that died (killed, timed out) leaves containers and networks;
// the next run's sweep removes them, and leaves alone what a live run, or
// a run on another host sharing the engine, uses.
func TestSweepRemovesWhatADeadRunLeft(t *testing.T) {
	requireDocker(t)
	ctx := t.Context()
	cli := shared.cli
	deadPID := deadPID(t)
	labels := func(run, pid, host string) map[string]string {
		l := runLabels(run, "staged")
		l[LabelPID] = pid
		if host != "" {
			l[LabelHost] = host
		}
		return l
	}
	type staged struct {
		name      string
		labels    map[string]string
		wantSwept bool
	}
	runID := NewRunID()
	cases := []staged{
		{"paychaos-test-dead-" + runID, labels("dead"+runID, deadPID, ""), true},
		{"paychaos-test-live-" + runID, labels("live"+runID, strconv.Itoa(os.Getpid()), ""), false},
		{"paychaos-test-elsewhere-" + runID, labels("far"+runID, deadPID, "another-host"), false},
	}
	ids := map[string][2]string{}
	for _, c := range cases {
		ctr, n := stage(t, c.name, c.labels)
		ids[c.name] = [2]string{ctr, n}
	}
	removed, err := SweepStale(ctx)
	if err != nil {
		t.Fatal(err)
	}
	swept := map[string]bool{}
	for _, l := range removed {
		swept[l.ID] = true
	}
	for _, c := range cases {
		for i, kind := range []string{"container", "network"} {
			id := ids[c.name][i]
			if swept[id] != c.wantSwept {
				t.Errorf("%s %s: swept=%v, want %v", kind, c.name, swept[id], c.wantSwept)
			}
			var gone bool
			if kind == "container" {
				_, err = cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
			} else {
				_, err = cli.NetworkInspect(ctx, id, client.NetworkInspectOptions{})
			}
			gone = err != nil && isGone(err)
			if gone != c.wantSwept {
				t.Errorf("%s %s: gone=%v after the sweep, want %v (%v)", kind, c.name, gone, c.wantSwept, err)
			}
		}
	}
}

// A user's image that is not in the local engine is a clear error, never
// a pull, and the half-built environment is removed.
func TestMissingImageIsAClearErrorAndNothingStays(t *testing.T) {
	requireDocker(t)
	ctx := t.Context()
	target := refshop.ContainerTarget(ShopImage.Ref, "")
	target.Name = "absent"
	target.Container.Image = "paychaos-test/absent:" + NewRunID()
	before, err := Leftovers(ctx, shared.RunID())
	if err != nil {
		t.Fatal(err)
	}
	_, err = harness.New(ctx, harness.WithStack(shared.Stack), harness.WithSUT(shared.SUT(target, "")))
	if err == nil || !strings.Contains(err.Error(), "never pulls") || !strings.Contains(err.Error(), target.Container.Image) {
		t.Fatalf("error %v, want one naming the image and saying paychaos never pulls", err)
	}
	after, err := Leftovers(ctx, shared.RunID())
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("a failed environment left %v (before: %v)", after, before)
	}
}

// Bad flaws and a bad container spec are refused before any container
// starts.
func TestBadSUTIsRefusedBeforeStarting(t *testing.T) {
	requireDocker(t)
	ctx := t.Context()
	if _, err := harness.New(ctx, harness.WithStack(shared.Stack), harness.WithSUT(shop(shared, "no-such-flaw"))); err == nil || !strings.Contains(err.Error(), "no-such-flaw") {
		t.Fatalf("an unknown flaw: %v", err)
	}
	target := refshop.ContainerTarget(ShopImage.Ref, "")
	target.Container.Port = 0
	if _, err := harness.New(ctx, harness.WithStack(shared.Stack), harness.WithSUT(shared.SUT(target, ""))); err == nil || !strings.Contains(err.Error(), "container.port") {
		t.Fatalf("no port: %v", err)
	}
	// Without the runtime's stack, the launcher has no network to join.
	if _, err := shop(shared, "").Launch(ctx, sut.Wiring{}); err == nil || !strings.Contains(err.Error(), "no stack is open") {
		t.Fatalf("a launch without a stack: %v", err)
	}
}

func TestMaskSecret(t *testing.T) {
	b := newLogBook()
	b.secret("sk_test_paychaos_0123456789abcdef")
	b.secret("adm_0123456789")
	b.secret("short") // too short to mask safely: ignored, not a panic
	for in, want := range map[string]string{
		"key=sk_test_paychaos_0123456789abcdef!": "key=sk_test_****!",
		"admin adm_0123456789 in":                "admin **** in",
		"short stays, a card 4242424242424242":   "short stays, a card ****4242",
	} {
		if got := b.mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStaleNeedsADeadProcessOnThisHost(t *testing.T) {
	host, _ := os.Hostname()
	me := strconv.Itoa(os.Getpid())
	for name, c := range map[string]struct {
		labels map[string]string
		want   bool
	}{
		"this process":     {map[string]string{LabelHost: host, LabelPID: me}, false},
		"another host":     {map[string]string{LabelHost: "elsewhere", LabelPID: "1"}, false},
		"no pid":           {map[string]string{LabelHost: host}, true},
		"garbage pid":      {map[string]string{LabelHost: host, LabelPID: "x"}, true},
		"init is alive":    {map[string]string{LabelHost: host, LabelPID: "1"}, false},
		"no labels at all": {map[string]string{}, false},
	} {
		if got := stale(c.labels); got != c.want {
			t.Errorf("%s: stale = %v, want %v", name, got, c.want)
		}
	}
}

// A resource squeeze: the SUT's CPU quota is cut and restored on the live
// container, which keeps answering.
func TestSqueezeLimitsTheSUTsCPU(t *testing.T) {
	env := newEnv(t, shop(shared, ""))
	ctx := t.Context()
	sq, ok := env.SUT().Process.(Squeezer)
	if !ok {
		t.Fatalf("the container SUT's process (%T) cannot be squeezed", env.SUT().Process)
	}
	p := env.SUT().Process.(*sutContainer)
	quota := func() int64 {
		t.Helper()
		res, err := shared.cli.ContainerInspect(ctx, p.id(), client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Container.HostConfig.CPUQuota
	}
	if err := sq.Squeeze(ctx, 0); err == nil {
		t.Fatal("a squeeze to 0 CPUs was accepted")
	}
	if err := sq.Squeeze(ctx, 0.2); err != nil {
		t.Fatal(err)
	}
	if q := quota(); q != 20_000 {
		t.Fatalf("CPU quota %d µs per 100 ms, want 20000", q)
	}
	if err := env.SUT().Driver.(*sut.HTTPDriver).Healthy(ctx); err != nil {
		t.Fatalf("the squeezed SUT stopped answering: %v", err)
	}
	if err := sq.Unsqueeze(ctx); err != nil {
		t.Fatal(err)
	}
	if q := quota(); q > 0 {
		t.Fatalf("CPU quota %d after unsqueeze, want none", q)
	}
}

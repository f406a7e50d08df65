package containers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	fp "github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/traffic"
	"github.com/paychaos/paychaos/scenarios/refshop"
)

// The container suite shares one Runtime (one run id, images ensured
// once); each test gets a fresh environment from it.
var (
	shared   *Runtime
	noDocker error
)

// shop launches the reference shop's image on rt with the named flaws,
// the way paychaos run --mode containers does.
func shop(rt *Runtime, flaws string) sut.Launcher { return refshop.Container(rt, ShopImage.Ref, flaws) }

func TestMain(m *testing.M) {
	ctx := context.Background()
	noDocker = Available(ctx)
	if noDocker != nil {
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "harness/containers: CI=true, and %v.\n"+
				"The container suite is part of CI: start the Docker engine (dockerd) before the tests.\n", noDocker)
			os.Exit(1)
		}
		os.Exit(m.Run()) // the container tests skip, saying why
	}
	start := time.Now()
	rt, err := New(ctx, Config{Logger: testLogger()})
	if err != nil {
		fmt.Fprintf(os.Stderr, "harness/containers: %v\n", err)
		os.Exit(1)
	}
	shared = rt
	// Ctrl-C or a kill mid-run: remove this run's containers and networks
	// before dying. (A run killed harder is swept by the next New.)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		if s, ok := <-sig; ok {
			fmt.Fprintf(os.Stderr, "harness/containers: %v: removing run %s\n", s, rt.RunID())
			_ = rt.Close()
			os.Exit(130)
		}
	}()
	for _, im := range Images() {
		if err := rt.ensure(ctx, im); err != nil {
			fmt.Fprintf(os.Stderr, "harness/containers: %v\n", err)
			_ = rt.Close()
			os.Exit(1)
		}
	}
	fmt.Fprintf(os.Stderr, "harness/containers: images ready in %s\n", time.Since(start).Round(time.Millisecond))
	code := m.Run()
	signal.Stop(sig)
	close(sig)
	if err := rt.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "harness/containers: close the runtime: %v\n", err)
		code = 1
	}
	// The suite leaves nothing behind: no container, no network.
	left, err := Leftovers(ctx, rt.RunID())
	if err != nil || len(left) > 0 {
		fmt.Fprintf(os.Stderr, "harness/containers: left behind after Close: %v %v\n", left, err)
		code = 1
	}
	if err := goleak.Find(); err != nil {
		fmt.Fprintf(os.Stderr, "harness/containers: goroutines left: %v\n", err)
		code = 1
	}
	fmt.Fprintf(os.Stderr, "harness/containers: suite took %s\n", time.Since(start).Round(time.Millisecond))
	os.Exit(code)
}

func testLogger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("PAYCHAOS_VERBOSE") != "" {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func requireDocker(t *testing.T) {
	t.Helper()
	if noDocker != nil {
		t.Skipf("skipped: %v (with CI=true this is a failure)", noDocker)
	}
}

// newEnv wires a fresh containers environment with the reference shop's
// image and the named flaws. On failure the containers' logs are attached
// to the test.
func newEnv(t *testing.T, launcher sut.Launcher) *harness.Env {
	t.Helper()
	requireDocker(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("container logs:\n%s", shared.Logs(context.Background()))
		}
	})
	env, err := harness.New(t.Context(), harness.WithSeed(7), harness.WithStack(shared.Stack),
		harness.WithSUT(launcher), harness.WithOutDir(t.TempDir()), harness.WithLogger(testLogger()))
	if err != nil {
		t.Fatalf("wire the containers environment: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("close the environment: %v", err)
		}
	})
	if env.Mode() != "containers" {
		t.Fatalf("mode %q, want containers", env.Mode())
	}
	return env
}

// quick mirrors the scenarios' quick shape, with a shorter settle window.
func quick(name string, f fault.Fault) harness.Scenario {
	return harness.Scenario{
		Name: name, Fault: f, Traffic: traffic.Steady,
		Warmup: 500 * time.Millisecond, Hold: 1500 * time.Millisecond, Cooldown: time.Second, Settle: 5 * time.Second,
	}
}

func run(t *testing.T, env *harness.Env, s harness.Scenario) harness.Result {
	t.Helper()
	res, err := env.Run(t.Context(), s)
	if err != nil {
		t.Fatalf("the harness could not run %s: %v", s.Name, err)
	}
	if res.Inconclusive != "" {
		t.Fatalf("%s is inconclusive: %s", s.Name, res.Inconclusive)
	}
	for _, f := range res.Faults {
		if !f.Fired() {
			t.Fatalf("fault %s never acted", f.Name)
		}
	}
	return res
}

func holds(t *testing.T, res harness.Result) {
	t.Helper()
	if bad := res.Failed(); len(bad) > 0 {
		var b strings.Builder
		for _, v := range bad {
			fmt.Fprintf(&b, "\n  %s: %s", v.Invariant, v.Message)
		}
		t.Fatalf("the safe shop violated invariants under %s:%s", res.Scenario, b.String())
	}
}

// fails asserts that one of the named invariants failed and names orders.
func fails(t *testing.T, res harness.Result, names ...string) {
	t.Helper()
	for _, v := range res.Verdicts {
		for _, n := range names {
			if v.Invariant == n && v.Result == check.Fail {
				if len(v.Orders) == 0 {
					t.Fatalf("%s failed without naming an order: %s", n, v.Message)
				}
				return
			}
		}
	}
	var got []string
	for _, v := range res.Verdicts {
		got = append(got, fmt.Sprintf("%s=%s", v.Invariant, v.Result))
	}
	t.Fatalf("%s: none of %v failed; verdicts: %s", res.Scenario, names, strings.Join(got, " "))
}

func phase(res harness.Result, p history.Phase) harness.PhaseStats {
	for _, s := range res.Phases {
		if s.Phase == p {
			return s
		}
	}
	return harness.PhaseStats{}
}

// The spine in containers: a provider outage through the Toxiproxy
// container; the safe shop's image holds every invariant, and its logs,
// secrets masked, are there for the report.
func TestOutageHolds(t *testing.T) {
	env := newEnv(t, shop(shared, ""))
	res := run(t, env, quick("provider-outage", fault.ProviderDown))
	holds(t, res)
	if res.Mode != "containers" {
		t.Fatalf("result mode %q", res.Mode)
	}
	logs := shared.Logs(t.Context())
	for _, want := range []string{"===== provider =====", "===== toxiproxy =====", "===== sut =====", "shop listening on"} {
		if !strings.Contains(logs, want) {
			t.Fatalf("logs lack %q:\n%s", want, logs)
		}
	}
	for _, secret := range []string{harness.SecretKey, harness.WebhookSecret} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs show a secret unmasked")
		}
	}
}

// The proof that checks bite in containers: SHOP_FLAWS reaches the
// container, and the shop that marks errors paid fails no-false-paid.
func TestOutageCatchesMarkPaidOnError(t *testing.T) {
	env := newEnv(t, shop(shared, "mark-paid-on-error"))
	fails(t, run(t, env, quick("provider-outage", fault.ProviderDown)), "no-false-paid")
}

// A real kill of the container during traffic, restarted on the same
// filesystem (so the same database): the published port changes and the
// driver follows it; every payment is recovered.
func TestCrashHolds(t *testing.T) {
	env := newEnv(t, shop(shared, ""))
	p := env.SUT().Process.(*sutContainer)
	s := quick("sut-crash", fault.Crash)
	// Customers back off between same-key retries (up to 1.5 s) as real
	// clients do: the cool-down outlasts a backoff, as the scenarios' do.
	s.Cooldown = 3500 * time.Millisecond
	res := run(t, env, s)
	holds(t, res)
	p.mu.Lock()
	base, current := p.base, p.current
	p.mu.Unlock()
	now, err := p.hostPort(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if current != now {
		t.Fatalf("the driver dials %s, the SUT is published on %s", current, now)
	}
	if base == current {
		t.Logf("the engine gave the restarted SUT its old port %s again", current)
	} else {
		t.Logf("published on %s, then on %s after the restart", base, current)
	}
	// Checkouts after the restart went through the new port.
	if after := phase(res, history.After); after.OK == 0 {
		t.Fatalf("no checkout succeeded after the restart: %+v", res.Phases)
	}
	if during := phase(res, history.During); during.Total() == 0 {
		t.Fatalf("no operation met the dead SUT: %+v", res.Phases)
	}
}

// The worst moment of a crash (the scenarios' own entry): charged at the
// provider, killed before recording, webhooks lost. The safe shop's
// reconciler recovers the payment; the shop without one leaves it pending.
func TestCrashAfterCharge(t *testing.T) {
	f := fault.Together{fault.WebhookDrop, fault.CrashAfterCharge}
	t.Run("safe shop holds", func(t *testing.T) {
		holds(t, run(t, newEnv(t, shop(shared, "")), quick(f.Name(), f)))
	})
	t.Run("no-reconciler is caught", func(t *testing.T) {
		fails(t, run(t, newEnv(t, shop(shared, "no-reconciler")), quick(f.Name(), f)), "eventual-resolution", "no-lost-money")
	})
}

// A partition is the SUT off the back network: customers still reach it
// (its port is published through the front network and does not move),
// it reaches the provider no more, and once healed, under its alias
// again, it pays again.
func TestPartitionCutsOffTheProviderOnly(t *testing.T) {
	env := newEnv(t, shop(shared, ""))
	ctx := t.Context()
	inst := env.SUT()
	d := inst.Driver.(*sut.HTTPDriver)
	pay := func(key string) sut.Reply {
		t.Helper()
		r, err := d.Pay(ctx, sut.PayRequest{Customer: inst.Customers[0], Amount: 1200, Currency: "usd", PaymentMethod: "pm_card_visa", Key: key})
		if err != nil {
			t.Fatalf("pay %s: the SUT did not answer: %v", key, err)
		}
		return r
	}
	if r := pay("before"); r.HTTPStatus != 201 {
		t.Fatalf("before the partition: HTTP %d %s", r.HTTPStatus, r.Body)
	}
	if err := inst.Network.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	healed := false
	t.Cleanup(func() {
		if !healed {
			_ = inst.Network.Reconnect(context.Background())
		}
	})
	if err := d.Healthy(ctx); err != nil {
		t.Fatalf("customers lost the SUT in the partition: %v", err)
	}
	// A checkout on a connection the partition broke is ambiguous (202
	// pending); once the name toxiproxy no longer resolves, the shop knows
	// nothing was sent (503). Never paid.
	unavailable := false
	for i := 0; i < 5 && !unavailable; i++ {
		r := pay(fmt.Sprintf("during-%d", i))
		switch {
		case r.HTTPStatus == 503 && r.Code == "provider_unavailable":
			unavailable = true
		case r.HTTPStatus != 202:
			t.Fatalf("during the partition: HTTP %d %q %s, want 503 provider_unavailable or 202 pending", r.HTTPStatus, r.Code, r.Body)
		}
	}
	if !unavailable {
		t.Fatal("during the partition the shop never said the provider was unavailable")
	}
	if err := inst.Network.Reconnect(ctx); err != nil {
		t.Fatal(err)
	}
	healed = true
	if err := inst.Network.Reconnect(ctx); err != nil {
		t.Fatalf("a second reconnect is not a no-op: %v", err)
	}
	// The breaker opened in the partition; it lets a probe through after
	// its cooldown (1s). Poll, bounded.
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		r := pay(fmt.Sprintf("after-%d", i))
		if r.HTTPStatus == 201 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after healing: still HTTP %d %q %s", r.HTTPStatus, r.Code, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The partition scenario: the safe shop holds; the shop that marks
// errors paid calls orders paid that the provider never saw.
func TestPartition(t *testing.T) {
	t.Run("safe shop holds", func(t *testing.T) {
		holds(t, run(t, newEnv(t, shop(shared, "")), quick("sut-partition", fault.Partition)))
	})
	t.Run("mark-paid-on-error is caught", func(t *testing.T) {
		fails(t, run(t, newEnv(t, shop(shared, "mark-paid-on-error")), quick("sut-partition", fault.Partition)), "no-false-paid")
	})
}

// heldCharge holds the next checkout's answer at the provider after the
// charge (commit, then hang) and returns once one is held: composed with
// a SUT fault, it puts that fault at the worst moment of a payment.
type heldCharge struct{}

func (heldCharge) Name() string     { return "held-after-charge" }
func (heldCharge) Kind() fault.Kind { return fault.KindProvider }

func (heldCharge) Inject(ctx context.Context, t *fault.Targets) (fault.Injected, error) {
	hold := fault.ProviderFault{FaultName: "hold-answer", Fault: fp.Fault{Kind: fp.FaultCommitThenFail, Endpoint: fault.CreatePayment, Mode: fp.ModeHang}}
	on, err := hold.Inject(ctx, t)
	if err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		n, err := on.Hits(ctx, nil)
		if err == nil && n > 0 {
			return on, nil
		}
		if err == nil && time.Now().After(deadline) {
			err = errors.New("no checkout reached the provider in 5s")
		}
		if err != nil {
			return nil, errors.Join(err, on.Recover(context.WithoutCancel(ctx)))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A real pause of the container. Plain, during traffic: the safe shop
// holds. At the worst moment (charged, answer held, webhooks lost) the
// paused shop's provider call times out when it thaws: the safe shop
// keeps the order pending and reconciles it; the shop that marks a
// timeout failed keeps the money of a failed order.
func TestFreeze(t *testing.T) {
	t.Run("safe shop holds", func(t *testing.T) {
		res := run(t, newEnv(t, shop(shared, "")), quick("sut-freeze", fault.Freeze))
		holds(t, res)
		if during := phase(res, history.During); during.P99 < time.Second {
			t.Fatalf("checkouts during the freeze were not held up (p99 %v): was the SUT paused?", during.P99)
		}
	})
	// Frozen longer than the shop's attempt budget (85% of 2s), so that
	// the held checkout has no retry left when the shop thaws.
	f := fault.Together{fault.WebhookDrop, heldCharge{}, fault.Freeze}
	s := quick(f.Name(), f)
	s.Hold = 2500 * time.Millisecond
	t.Run("safe shop holds after a charge", func(t *testing.T) {
		holds(t, run(t, newEnv(t, shop(shared, "")), s))
	})
	t.Run("mark-failed-on-timeout is caught", func(t *testing.T) {
		fails(t, run(t, newEnv(t, shop(shared, "mark-failed-on-timeout")), s), "no-lost-money", "refund-safety")
	})
}

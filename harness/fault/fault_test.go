package fault

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/gomega"
	"go.uber.org/goleak"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/proxy"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func linkTo(t *testing.T) (*proxy.Link, *http.Client) {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	t.Cleanup(up.Close)
	srv, err := proxy.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	l, err := srv.Link(context.Background(), "provider", strings.TrimPrefix(up.URL, "http://"), "")
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	return l, c
}

func get(c *http.Client, l *proxy.Link) error {
	resp, err := c.Get(l.URL())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	return err
}

func TestOutageActsAndRecovers(t *testing.T) {
	ctx := context.Background()
	l, c := linkTo(t)
	on, err := ProviderDown.Inject(ctx, &Targets{ProviderLink: l})
	if err != nil {
		t.Fatal(err)
	}
	if err := get(c, l); err == nil {
		t.Fatal("the link answered during an outage")
	}
	n, err := on.Hits(ctx, []history.Op{{Kind: history.Pay}, {Kind: history.Get}, {Kind: history.Pay}})
	if err != nil || n != 2 {
		t.Fatalf("hits %d, %v; want the 2 checkouts that met the outage", n, err)
	}
	if err := on.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if err := get(c, l); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestToxicFaultActsAndCountsWhatItMet(t *testing.T) {
	ctx := context.Background()
	l, c := linkTo(t)
	f := ToxicFault{FaultName: "slow", Link: ProviderLink, Toxic: proxy.Latency(proxy.Downstream, 50*time.Millisecond, 0)}
	on, err := f.Inject(ctx, &Targets{ProviderLink: l})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := on.Hits(ctx, nil); n != 0 {
		t.Fatalf("hits %d with no operation in the window", n)
	}
	start := time.Now()
	if err := get(c, l); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("latency toxic did not act")
	}
	if n, err := on.Hits(ctx, []history.Op{{Kind: history.Pay}}); err != nil || n != 1 {
		t.Fatalf("hits %d, %v after a checkout met the toxic", n, err)
	}
	if err := on.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if names, _ := l.Toxics(ctx); len(names) != 0 {
		t.Fatalf("toxics left after recovery: %v", names)
	}
}

func TestMissingLinkIsAnError(t *testing.T) {
	if _, err := WebhooksDown.Inject(context.Background(), &Targets{}); err == nil {
		t.Fatal("an outage of a link that does not exist was injected")
	}
}

type fakeProvider struct {
	mu      sync.Mutex
	faults  map[string]fakeprovider.Fault
	hits    int64
	removed []string
	failAdd bool
}

func (p *fakeProvider) AddFault(_ context.Context, f fakeprovider.Fault) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failAdd {
		return "", errors.New("refused")
	}
	if p.faults == nil {
		p.faults = map[string]fakeprovider.Fault{}
	}
	f.ID = "flt_1"
	p.faults[f.ID] = f
	return f.ID, nil
}

func (p *fakeProvider) RemoveFault(_ context.Context, id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.faults, id)
	p.removed = append(p.removed, id)
	return nil
}

func (p *fakeProvider) Ledger(context.Context) (fakeprovider.Snapshot, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s fakeprovider.Snapshot
	for _, f := range p.faults {
		s.Faults = append(s.Faults, fakeprovider.FaultStatus{Fault: f, Hits: p.hits})
	}
	return s, nil
}

func TestProviderFaultReadsItsHitsFromTheLedger(t *testing.T) {
	ctx := context.Background()
	p := &fakeProvider{hits: 3}
	f := ProviderFault{FaultName: "500s", Fault: fakeprovider.Fault{Kind: "http_error", Status: 500}}
	on, err := f.Inject(ctx, &Targets{Provider: p})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := on.Hits(ctx, nil); err != nil || n != 3 {
		t.Fatalf("hits %d, %v", n, err)
	}
	if err := on.Recover(ctx); err != nil || len(p.removed) != 1 {
		t.Fatalf("recover: %v, removed %v", err, p.removed)
	}
	if f.Params()["status"] != "500" {
		t.Fatalf("params %v", f.Params())
	}
}

func TestTogetherRecoversWhatItInjectedWhenAPartFails(t *testing.T) {
	ctx := context.Background()
	l, c := linkTo(t)
	p := &fakeProvider{failAdd: true}
	combo := Together{ProviderDown, ProviderFault{FaultName: "x", Fault: fakeprovider.Fault{Kind: "away"}}}
	if _, err := combo.Inject(ctx, &Targets{ProviderLink: l, Provider: p}); err == nil {
		t.Fatal("a failed part did not fail the combination")
	}
	if err := get(c, l); err != nil {
		t.Fatalf("the outage was left on after a failed combination: %v", err)
	}
	if combo.Name() != "provider-outage+x" || combo.Kind() != "network+provider" {
		t.Fatalf("name %q kind %q", combo.Name(), combo.Kind())
	}
}

// countingFault records how often it was injected and recovered.
type countingFault struct {
	mu                sync.Mutex
	injects, recovers int
}

func (f *countingFault) Name() string { return "counting" }
func (f *countingFault) Kind() Kind   { return "test" }

// Inject and Recover honour their context, as real faults do: a toggle
// cut short by a cancelled context would leave the fault on.
func (f *countingFault) Inject(ctx context.Context, _ *Targets) (Injected, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.injects++
	f.mu.Unlock()
	return countingOn{f}, nil
}

type countingOn struct{ f *countingFault }

func (o countingOn) Recover(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.f.mu.Lock()
	o.f.recovers++
	o.f.mu.Unlock()
	return nil
}
func (o countingOn) Hits(context.Context, []history.Op) (int64, error) { return 1, nil }

func TestScheduleTogglesAndAlwaysEndsRecovered(t *testing.T) {
	ctx := context.Background()
	cf := &countingFault{}
	on, err := Schedule{Fault: cf, On: 10 * time.Millisecond, Off: 10 * time.Millisecond, Seed: 9}.Inject(ctx, &Targets{})
	if err != nil {
		t.Fatal(err)
	}
	gomega.NewWithT(t).Eventually(func() int {
		cf.mu.Lock()
		defer cf.mu.Unlock()
		return cf.injects
	}).WithTimeout(5 * time.Second).Should(gomega.BeNumerically(">=", 3))
	hits, err := on.Hits(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := on.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	cf.mu.Lock()
	defer cf.mu.Unlock()
	if cf.injects < 3 {
		t.Fatalf("%d windows in 5s", cf.injects)
	}
	if cf.injects != cf.recovers {
		t.Fatalf("%d injects, %d recovers: the schedule left the fault on", cf.injects, cf.recovers)
	}
	if hits < 2 {
		t.Fatalf("hits %d over %d windows", hits, cf.injects)
	}
}

// Recovering while a toggle is under way must neither fail nor leave the
// fault on: run many schedules with tiny periods and recover each at once.
func TestScheduleRecoverDuringAToggle(t *testing.T) {
	ctx := context.Background()
	for i := range 200 {
		cf := &countingFault{}
		on, err := Schedule{Fault: cf, On: time.Microsecond, Off: time.Microsecond, Seed: uint64(i + 1)}.Inject(ctx, &Targets{})
		if err != nil {
			t.Fatal(err)
		}
		if err := on.Recover(ctx); err != nil {
			t.Fatalf("schedule %d: recover: %v", i, err)
		}
		cf.mu.Lock()
		if cf.injects != cf.recovers {
			t.Fatalf("schedule %d: %d injects, %d recovers", i, cf.injects, cf.recovers)
		}
		cf.mu.Unlock()
	}
}

func TestProcessFaultNeedsAProcess(t *testing.T) {
	_, err := Crash.Inject(context.Background(), &Targets{})
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("crash without a process: %v, want ErrUnsupported", err)
	}
}

type failingFault struct{}

func (failingFault) Name() string { return "failing" }
func (failingFault) Kind() Kind   { return "test" }
func (failingFault) Inject(context.Context, *Targets) (Injected, error) {
	return nil, errors.New("refused")
}

func TestThenInjectsInOrderAndUndoesTheFirstOnFailure(t *testing.T) {
	ctx := context.Background()
	first, second := &countingFault{}, &countingFault{}
	on, err := Then{First: first, After: time.Millisecond, Second: second}.Inject(ctx, &Targets{})
	if err != nil {
		t.Fatal(err)
	}
	if first.injects != 1 || second.injects != 1 {
		t.Fatalf("injects %d, %d", first.injects, second.injects)
	}
	if n, _ := on.Hits(ctx, nil); n != 1 {
		t.Fatalf("hits %d", n)
	}
	if err := on.Recover(ctx); err != nil || first.recovers != 1 || second.recovers != 1 {
		t.Fatalf("recover: %v, %d, %d", err, first.recovers, second.recovers)
	}

	lone := &countingFault{}
	if _, err := (Then{First: lone, Second: failingFault{}}).Inject(ctx, &Targets{}); err == nil {
		t.Fatal("a failed second fault did not fail Then")
	}
	if lone.injects != 1 || lone.recovers != 1 {
		t.Fatalf("the first fault was left on: %d injects, %d recovers", lone.injects, lone.recovers)
	}
}

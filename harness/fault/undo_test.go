package fault

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/proxy"
)

// hang waits for ctx to end: an undo that hangs until it is given up on.
func hang(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// hungFault injects, and its recovery hangs.
type hungFault struct{}

func (hungFault) Name() string { return "hung" }
func (hungFault) Kind() Kind   { return "test" }
func (hungFault) Inject(context.Context, *Targets) (Injected, error) {
	return hungOn{}, nil
}

type hungOn struct{}

func (hungOn) Recover(ctx context.Context) error                 { return hang(ctx) }
func (hungOn) Hits(context.Context, []history.Op) (int64, error) { return 1, nil }

// stuckProcess fails to freeze or kill, and its undo steps hang.
type stuckProcess struct{}

func (stuckProcess) Kill(context.Context) error      { return errors.New("kill refused") }
func (stuckProcess) Start(ctx context.Context) error { return hang(ctx) }
func (stuckProcess) Freeze(context.Context) error    { return errors.New("freeze refused") }
func (stuckProcess) Thaw(ctx context.Context) error  { return hang(ctx) }

// stuckNetwork fails to disconnect, and reconnecting hangs.
type stuckNetwork struct{}

func (stuckNetwork) Disconnect(context.Context) error    { return errors.New("disconnect refused") }
func (stuckNetwork) Reconnect(ctx context.Context) error { return hang(ctx) }

// stuckProvider takes faults and hangs removing them.
type stuckProvider struct{ fakeProvider }

func (*stuckProvider) RemoveFault(ctx context.Context, _ string) error { return hang(ctx) }

// stuckLink is a link on a Toxiproxy server that refuses to put a fault
// on and hangs taking one off: disabling and adding a toxic fail,
// enabling and removing a toxic never answer.
func stuckLink(t *testing.T) *proxy.Link {
	t.Helper()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.URL.Path == "/version":
			_, _ = io.WriteString(w, "test")
		case r.Method == http.MethodPost && r.URL.Path == "/proxies":
			_ = json.NewEncoder(w).Encode(map[string]string{"listen": "127.0.0.1:9"})
		case r.Method == http.MethodDelete && !strings.Contains(r.URL.Path, "/toxics/"):
			w.WriteHeader(http.StatusNoContent) // the link itself, at close
		case r.Method == http.MethodDelete, strings.Contains(string(body), `"enabled":true`):
			<-r.Context().Done()
		default:
			http.Error(w, `{"error":"refused"}`, http.StatusInternalServerError)
		}
	}))
	t.Cleanup(api.Close)
	srv, err := proxy.Remote(api.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	l, err := srv.Link(context.Background(), "provider", "127.0.0.1:9", "")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// shortUndo bounds undos by d for the rest of the test.
func shortUndo(t *testing.T, d time.Duration) {
	old := undoTimeout
	undoTimeout = d
	t.Cleanup(func() { undoTimeout = old })
}

// Every undo of a half-done inject is bounded: a hung undo fails the
// inject within its bound instead of hanging the run.
func TestAHungUndoReturnsWithinItsBound(t *testing.T) {
	const bound = 50 * time.Millisecond
	shortUndo(t, bound)
	cases := []struct {
		name string
		f    Fault
		t    *Targets
	}{
		{"outage", ProviderDown, &Targets{ProviderLink: stuckLink(t)}},
		{"toxic", ProviderBlackhole, &Targets{ProviderLink: stuckLink(t)}},
		{"together", Together{hungFault{}, failingFault{}}, &Targets{}},
		{"then", Then{First: hungFault{}, Second: failingFault{}}, &Targets{}},
		{"freeze", Freeze, &Targets{Process: stuckProcess{}}},
		{"partition", Partition, &Targets{Network: stuckNetwork{}}},
		{"crash after charge", crashAfterCharge{wait: time.Millisecond}, &Targets{Process: stuckProcess{}, Provider: &stuckProvider{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := c.f.Inject(context.Background(), c.t)
			took := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("inject: %v; want the undo's deadline among the errors", err)
			}
			// Generous beside the bound: a loaded machine is slow, but a
			// hung undo would never return.
			if took > bound+5*time.Second {
				t.Fatalf("the undo took %s, bound %s", took, bound)
			}
		})
	}
}

// An undo runs even when the run was cancelled: the fault must not stay
// on. The parts honour their context, so an undo given the run's
// cancelled context would fail.
func TestUndoOutlivesACancelledRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	first := &countingFault{}
	_, err := Then{First: first, After: time.Hour, Second: failingFault{}}.Inject(ctx, &Targets{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("then under a cancelled run: %v", err)
	}
	if first.injects != 1 || first.recovers != 1 {
		t.Fatalf("%d injects, %d recovers: the first fault was left on", first.injects, first.recovers)
	}
}

package proxy_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paychaos/paychaos/harness/proxy"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func get(t *testing.T, c *http.Client, url string) (string, error) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestEmbeddedLink(t *testing.T) {
	ctx := context.Background()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") }))
	defer up.Close()

	srv, err := proxy.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	link, err := srv.Link(ctx, "provider", strings.TrimPrefix(up.URL, "http://"), "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link.Addr(), "127.0.0.1:") || strings.HasSuffix(link.Addr(), ":0") {
		t.Fatalf("link listens on %q, want a resolved loopback port", link.Addr())
	}
	// Fresh connections for each request, so a toxic's effect is clear.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	defer c.CloseIdleConnections()

	if body, err := get(t, c, link.URL()); err != nil || body != "pong" {
		t.Fatalf("through the link: %q, %v", body, err)
	}

	t.Run("latency", func(t *testing.T) {
		if err := link.AddToxic(ctx, proxy.Latency(proxy.Downstream, 300*time.Millisecond, 0)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := get(t, c, link.URL()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Fatalf("request took %v with a 300ms latency toxic", d)
		}
		if err := link.RemoveToxic(ctx, "latency_downstream"); err != nil {
			t.Fatal(err)
		}
		names, err := link.Toxics(ctx)
		if err != nil || len(names) != 0 {
			t.Fatalf("toxics after removal: %v, %v", names, err)
		}
	})

	t.Run("outage", func(t *testing.T) {
		if err := link.Disable(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := get(t, c, link.URL()); err == nil || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("request through a disabled link: %v, want connection refused", err)
		}
		if err := link.Enable(ctx); err != nil {
			t.Fatal(err)
		}
		if body, err := get(t, c, link.URL()); err != nil || body != "pong" {
			t.Fatalf("after enable: %q, %v", body, err)
		}
	})

	t.Run("blackhole then reset", func(t *testing.T) {
		if err := link.AddToxic(ctx, proxy.Blackhole(proxy.Upstream)); err != nil {
			t.Fatal(err)
		}
		short := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 200 * time.Millisecond}
		if _, err := get(t, short, link.URL()); err == nil {
			t.Fatal("request through a blackhole answered")
		}
		if err := link.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if body, err := get(t, c, link.URL()); err != nil || body != "pong" {
			t.Fatalf("after reset: %q, %v", body, err)
		}
	})

	t.Run("unknown toxic is an error", func(t *testing.T) {
		err := link.AddToxic(ctx, proxy.Toxic{Name: "x", Type: "no_such_toxic", Stream: proxy.Upstream})
		if err == nil || !strings.Contains(err.Error(), "no_such_toxic") && !strings.Contains(err.Error(), "400") {
			t.Fatalf("adding an unknown toxic: %v", err)
		}
	})
}

func TestRemoteUnreachable(t *testing.T) {
	ln := httptest.NewServer(http.NotFoundHandler())
	url := ln.URL
	ln.Close() // nothing listens there now
	if _, err := proxy.Remote(url); err == nil {
		t.Fatal("Remote on a closed port succeeded")
	}
}

func TestRemoteDrivesAServer(t *testing.T) {
	// An embedded server reached only by its API URL behaves as a remote one.
	emb, err := proxy.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	rem, err := proxy.Remote(emb.APIURL())
	if err != nil {
		t.Fatal(err)
	}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer up.Close()
	link, err := rem.Link(context.Background(), "svc", strings.TrimPrefix(up.URL, "http://"), "")
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	if body, err := get(t, c, link.URL()); err != nil || body != "ok" {
		t.Fatalf("through a remote link: %q, %v", body, err)
	}
	if err := rem.Close(); err != nil { // deletes the link it made
		t.Fatal(err)
	}
	if _, err := get(t, c, link.URL()); err == nil {
		t.Fatal("link still answers after the remote Server closed")
	}
}

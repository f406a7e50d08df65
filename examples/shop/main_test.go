package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paychaos/paychaos/fakeprovider"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRun starts the binary's run loop from environment variables, pays
// an order through it, and shuts it down gracefully.
func TestRun(t *testing.T) {
	fp := fakeprovider.New()
	defer fp.Close()
	fps := httptest.NewServer(fp)
	defer fps.Close()

	const key = "sk_test_mainrun0123456789"
	env := map[string]string{
		"SHOP_ADDR":               "127.0.0.1:0",
		"SHOP_PROVIDER_URL":       fps.URL,
		"SHOP_STRIPE_KEY":         key,
		"SHOP_DB":                 filepath.Join(t.TempDir(), "shop.db"),
		"SHOP_CUSTOMERS":          "tok=cus_1",
		"SHOP_ADMIN_TOKEN":        "adm",
		"SHOP_CLIENT_TIMEOUT":     "200ms",
		"SHOP_RESPONSE_BUDGET":    "1s",
		"SHOP_RECONCILE_INTERVAL": "50ms",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	stderr := &lockedBuffer{}
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, func(k string) string { return env[k] }, pw, stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v; stderr: %s", err, stderr)
	}
	go io.Copy(io.Discard, pr)
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "shop listening on ")
	if !ok {
		t.Fatalf("unexpected first line %q", line)
	}

	req, _ := http.NewRequest("POST", base+"/orders", strings.NewReader(`{"amount":1000,"currency":"usd","payment_method":"pm_card_visa"}`))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"status":"paid"`) {
		t.Fatalf("order: %d %s", resp.StatusCode, body)
	}
	http.DefaultClient.CloseIdleConnections()

	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit %d; stderr: %s", code, stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	logs := stderr.String()
	if strings.Contains(logs, key) {
		t.Fatal("the secret key is in the logs")
	}
	for _, want := range []string{`"msg":"shop ready"`, `"msg":"shutting down"`, "sk_test_****"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func TestRunBadConfig(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"no provider":     {},
		"bad flaw":        {"SHOP_PROVIDER_URL": "http://127.0.0.1:1", "SHOP_FLAWS": "nope"},
		"bad crash point": {"SHOP_PROVIDER_URL": "http://127.0.0.1:1", "SHOP_CRASH_AFTER_PAYMENT": "soon"},
		"bad log level":   {"SHOP_PROVIDER_URL": "http://127.0.0.1:1", "SHOP_LOG_LEVEL": "loud"},
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(context.Background(), func(k string) string { return env[k] }, io.Discard, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, stderr.String())
			}
			if !strings.HasPrefix(stderr.String(), "shop: ") {
				t.Fatalf("stderr %q", stderr.String())
			}
		})
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paychaos/paychaos/fakeprovider"
)

// TestMain doubles as the shop binary: with SHOP_TEST_AS_MAIN=1 the test
// executable runs main, so a test can kill a real process.
func TestMain(m *testing.M) {
	if os.Getenv("SHOP_TEST_AS_MAIN") == "1" {
		main()
		return
	}
	goleak.VerifyTestMain(m)
}

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

// startShop runs the shop as a child process and returns its base URL.
func startShop(t *testing.T, env []string) (string, *exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "SHOP_TEST_AS_MAIN=1", "SHOP_ADDR=127.0.0.1:0")...)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v; stderr: %s", err, stderr)
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "shop listening on ")
	if !ok {
		t.Fatalf("unexpected first line %q", line)
	}
	return base, cmd, stderr
}

func post(t *testing.T, url, token, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestCrashAfterPaymentProcess kills a real shop process between the
// provider's success and its own write (SHOP_CRASH_AFTER_PAYMENT), starts
// it again on the same database, and checks the order ends paid, once.
func TestCrashAfterPaymentProcess(t *testing.T) {
	fp := fakeprovider.New()
	defer fp.Close()
	fps := httptest.NewServer(fp)
	defer fps.Close()
	env := []string{
		"SHOP_PROVIDER_URL=" + fps.URL,
		"SHOP_DB=" + filepath.Join(t.TempDir(), "shop.db"),
		"SHOP_CUSTOMERS=tok=cus_1",
		"SHOP_ADMIN_TOKEN=adm",
		"SHOP_RECONCILE_INTERVAL=-1s",
	}
	base, cmd, stderr := startShop(t, append(env, "SHOP_CRASH_AFTER_PAYMENT=1"))
	status, body := post(t, base+"/orders", "tok", "", `{"amount":1000,"currency":"usd","payment_method":"pm_card_visa"}`)
	if status != 0 {
		t.Fatalf("the crashing shop answered %d %s", status, body)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("exit: %v; stderr: %s", err, stderr)
	}
	snap := fp.Snapshot()
	if len(snap.PaymentIntents) != 1 || snap.PaymentIntents[0].Status != "succeeded" {
		t.Fatalf("ledger before restart: %+v", snap.PaymentIntents)
	}
	orderID := snap.PaymentIntents[0].OrderID()

	base, cmd, stderr = startShop(t, env)
	status, body = post(t, base+"/admin/reconcile", "adm", "", "")
	if status != http.StatusOK || !strings.Contains(body, `"paid":1`) {
		t.Fatalf("reconcile: %d %s; stderr: %s", status, body, stderr)
	}
	req, _ := http.NewRequest("GET", base+"/orders/"+orderID, nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(got), `"status":"paid"`) || len(fp.Snapshot().PaymentIntents) != 1 {
		t.Fatalf("after restart: %s, %d payments", got, len(fp.Snapshot().PaymentIntents))
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("graceful exit: %v; stderr: %s", err, stderr)
	}
}

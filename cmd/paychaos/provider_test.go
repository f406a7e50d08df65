package main_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestProviderPrintsItsPublishableKey runs the provider as a team would
// beside its service: it prints the address and the publishable key, and
// the control API shows the same key.
func TestProviderPrintsItsPublishableKey(t *testing.T) {
	versions := make(chan string, 8)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			APIVersion string `json:"api_version"`
		}
		_ = json.NewDecoder(r.Body).Decode(&ev)
		select {
		case versions <- ev.APIVersion:
		default:
		}
	}))
	t.Cleanup(hook.Close)
	cmd := exec.Command(bin, "provider", "--addr", "127.0.0.1:0", "--api-version", "2023-10-16", "--seed", "3", "--webhook", hook.URL+"=whsec_cli")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	lines := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var base, pk string
	deadline := time.After(30 * time.Second)
	for base == "" || pk == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("provider exited early (base %q, key %q)", base, pk)
			}
			if rest, ok := strings.CutPrefix(l, "fake provider listening on "); ok {
				base, _, _ = strings.Cut(rest, " ")
			}
			if k, ok := strings.CutPrefix(l, "publishable key: "); ok {
				pk = k
			}
		case <-deadline:
			t.Fatal("provider printed no address and key in 30s")
		}
	}
	if !strings.HasPrefix(pk, "pk_test_") {
		t.Fatalf("publishable key %q", pk)
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get(base + "/_paychaos/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var k struct {
		PublishableKey string `json:"publishable_key"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&k); err != nil || k.PublishableKey != pk {
		t.Fatalf("control API key %q (%v), printed %q", k.PublishableKey, err, pk)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/payment_intents", strings.NewReader("amount=500&currency=usd"))
	req.Header.Set("Authorization", "Bearer sk_test_cli123")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cr, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cr.Body.Close()
	select {
	case v := <-versions:
		if v != "2023-10-16" {
			t.Fatalf("webhook api_version %q, want 2023-10-16", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook in 10s")
	}
}

func TestProviderRefusesBadFlags(t *testing.T) {
	for _, tc := range []struct{ flag, val string }{{"--api-version", "yesterday"}, {"--hosted-url", "pay.example"}} {
		r := paychaos(t, "provider", "--addr", "127.0.0.1:0", tc.flag, tc.val)
		if r.code != 2 || !strings.Contains(r.stderr, tc.flag+` "`+tc.val+`"`) {
			t.Errorf("%s %s: exit %d\nstderr: %s", tc.flag, tc.val, r.code, r.stderr)
		}
	}
}

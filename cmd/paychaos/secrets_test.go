package main_test

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// startProvider runs paychaos provider on a random port with extra
// environment and returns its URL.
func startProvider(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"provider", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("provider printed no address: %v", err)
	}
	_, rest, _ := strings.Cut(line, "http://")
	addr, _, _ := strings.Cut(rest, " ")
	return "http://" + addr
}

func controlStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/_paychaos/ledger", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestProviderTakesItsTokenFromAFileOrTheEnvironment: the control API
// wants the token given by --token-file or PAYCHAOS_PROVIDER_TOKEN, which
// then is nowhere in the process's command line.
func TestProviderTakesItsTokenFromAFileOrTheEnvironment(t *testing.T) {
	const tok = "ctl_0123456789abcdef0123456789abcdef"
	dir := t.TempDir()
	tokFile, hookFile := filepath.Join(dir, "token"), filepath.Join(dir, "webhooks")
	if err := os.WriteFile(tokFile, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hookFile, []byte("# endpoints\nhttp://127.0.0.1:9/hook=whsec_fromfile\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, start := range map[string]func() string{
		"file": func() string {
			return startProvider(t, []string{"PAYCHAOS_PROVIDER_TOKEN="}, "--token-file", tokFile, "--webhook-file", hookFile)
		},
		"env": func() string {
			return startProvider(t, []string{"PAYCHAOS_PROVIDER_TOKEN=" + tok, "PAYCHAOS_WEBHOOKS=http://127.0.0.1:9/a=whsec_a,http://127.0.0.1:9/b=whsec_b"})
		},
	} {
		t.Run(name, func(t *testing.T) {
			url := start()
			if st := controlStatus(t, url, ""); st != http.StatusUnauthorized {
				t.Fatalf("control API without the token: %d, want 401", st)
			}
			if st := controlStatus(t, url, "ctl_wrong"); st != http.StatusUnauthorized {
				t.Fatalf("control API with a wrong token: %d, want 401", st)
			}
			if st := controlStatus(t, url, tok); st != http.StatusOK {
				t.Fatalf("control API with the token: %d, want 200", st)
			}
		})
	}
}

func TestSecretFlagsRefuseBadInput(t *testing.T) {
	dir := t.TempDir()
	empty, hooks := filepath.Join(dir, "empty"), filepath.Join(dir, "hooks")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hooks, []byte("http://127.0.0.1:9/hook=sk_test_notawebhooksecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"empty token file", []string{"provider", "--token-file", empty}, "--token-file: " + empty + " is empty"},
		{"missing token file", []string{"provider", "--token-file", filepath.Join(dir, "none")}, "--token-file: open"},
		{"token twice", []string{"provider", "--token", "x", "--token-file", empty}, "--token and --token-file: give one"},
		{"bad webhook line", []string{"provider", "--webhook-file", hooks}, "want URL=whsec_SECRET"},
		{"run token file outside remote", []string{"run", "--token-file", empty, "--out", dir}, "only with --mode remote"},
		{"run empty token file", []string{"run", "--mode", "remote", "--toxiproxy", "http://127.0.0.1:9", "--provider", "http://127.0.0.1:9", "--target", "../../examples/shop/target.yaml", "--token-file", empty, "--out", dir}, "is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := paychaos(t, c.args...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d, stderr %q: want 2 and %q", r.code, r.stderr, c.want)
			}
			if strings.Contains(r.stderr, "sk_test_notawebhooksecret") {
				t.Fatalf("the error shows the secret: %s", r.stderr)
			}
		})
	}
}

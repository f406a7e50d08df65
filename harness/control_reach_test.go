package harness_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/sut"
)

// probeEnv marks this test binary started as the probing SUT.
const probeEnv = "PAYCHAOS_TEST_PROBE"

// probeResult is what the probing SUT saw: its environment and the answer
// to each control call it tried through its own provider URL.
type probeResult struct {
	Environ  []string
	Control  []int // statuses of the control calls
	Bodies   []string
	Payments int // status of an ordinary API call, proof the URL works
}

// runProbeIfChild is a SUT that does what a hostile service could: reads
// its whole environment and calls the provider's control API with no
// token and with every value it was given as the token, then serves its
// health check.
func runProbeIfChild() {
	if os.Getenv(probeEnv) != "1" {
		return
	}
	base, key := os.Getenv("PROBE_PROVIDER"), os.Getenv("PROBE_KEY")
	call := func(method, path, token string) (int, string) {
		req, _ := http.NewRequest(method, base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return resp.StatusCode, string(b)
	}
	res := probeResult{Environ: os.Environ()}
	tokens := []string{""}
	for _, kv := range os.Environ() {
		_, v, _ := strings.Cut(kv, "=")
		tokens = append(tokens, v)
	}
	for _, tok := range tokens {
		for _, c := range []struct{ method, path string }{{"GET", "/_paychaos/ledger"}, {"POST", "/_paychaos/reset"}} {
			st, body := call(c.method, c.path, tok)
			res.Control, res.Bodies = append(res.Control, st), append(res.Bodies, body)
		}
	}
	res.Payments, _ = call("GET", "/v1/payment_intents", key)
	b, _ := json.Marshal(res)
	_ = os.WriteFile("probe.json", b, 0o600)
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	srv := &http.Server{Addr: os.Getenv("PROBE_ADDR"), ReadHeaderTimeout: 5 * time.Second}
	_ = srv.ListenAndServe()
	os.Exit(0)
}

// TestEmbeddedControlAPIIsOutOfTheSUTsReach starts a SUT process in the
// embedded stack with paychaos's control token in paychaos's own
// environment: the SUT finds no token in its environment, and its
// control calls through its provider URL are refused, while an ordinary
// API call through the same URL answers.
func TestEmbeddedControlAPIIsOutOfTheSUTsReach(t *testing.T) {
	t.Setenv("PAYCHAOS_PROVIDER_TOKEN", "ctl_00112233445566778899aabbccddeeff")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	target := sut.Target{
		Name: "probe", Customers: []sut.Customer{{ID: "c"}},
		Health:  sut.Call{Path: "/healthz"},
		Env:     sut.EnvNames{Addr: "PROBE_ADDR", ProviderURL: "PROBE_PROVIDER", SecretKey: "PROBE_KEY", WebhookSecret: "PROBE_WHSEC"},
		Process: sut.ProcessSpec{Command: self, Env: map[string]string{probeEnv: "1"}},
	}
	env, err := harness.New(context.Background(), harness.WithSeed(3), harness.WithOutDir(t.TempDir()),
		harness.WithSUT(sut.Subprocess{Target: target, Dir: dir}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("close env: %v", err)
		}
	})
	b, err := os.ReadFile(filepath.Join(dir, "probe.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res probeResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Payments != http.StatusOK {
		t.Fatalf("the SUT's ordinary call through its provider URL answered %d: the probe proves nothing", res.Payments)
	}
	if i := slices.IndexFunc(res.Environ, func(kv string) bool { return strings.HasPrefix(kv, "PAYCHAOS_PROVIDER_TOKEN=") }); i >= 0 {
		t.Errorf("the SUT's environment holds %s", res.Environ[i])
	}
	if len(res.Control) < 2*len(res.Environ) {
		t.Fatalf("%d control calls for %d variables", len(res.Control), len(res.Environ))
	}
	for i, st := range res.Control {
		if st != http.StatusUnauthorized || !strings.Contains(res.Bodies[i], "control API") {
			t.Fatalf("control call %d from the SUT answered %d %s: want 401 from the control API", i, st, res.Bodies[i])
		}
	}
}

package containers

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/paychaos/paychaos/harness/sut"
)

// A container SUT gets what a target's features promise a process: its
// port through env.port, its listen address through env.addr, and its
// teardown run once it is gone, with the environment it had. None of
// this needs Docker.
func TestContainerTargetFeatures(t *testing.T) {
	dir := t.TempDir()
	tg := sut.Target{
		Name: "svc", Dir: dir,
		Env:       sut.EnvNames{Port: "PORT", Addr: "LISTEN", ProviderURL: "STRIPE_URL", SecretKey: "STRIPE_KEY"},
		Container: sut.ContainerSpec{Image: "svc:ci", Port: 8080, Env: map[string]string{"MODE": "test", "PORT": "1"}},
		Teardown:  sut.Hook{Command: "sh", Args: []string{"-c", `printf '%s %s %s' "$PORT" "$MODE" "$STRIPE_URL" > torn`}},
		Correlate: sut.Correlate{MetadataKey: "shop_order"},
	}
	env := containerEnv(tg, sut.Wiring{ProviderURL: "http://proxy:1", SecretKey: "sk_test_x"})
	want := map[string]string{"PORT": "8080", "LISTEN": "0.0.0.0:8080", "MODE": "test", "STRIPE_URL": "http://proxy:1", "STRIPE_KEY": "sk_test_x"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s=%q, want %q (env %v)", k, env[k], v, env)
		}
	}

	p := &sutContainer{teardown: func() error { return sut.Teardown(tg, env) }}
	for range 2 { // closed twice, torn down once
		if err := p.close(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, "torn"))
	if err != nil || string(got) != "8080 test http://proxy:1" {
		t.Fatalf("teardown wrote %q, %v; want it run with the container's environment", got, err)
	}

	failing := tg
	failing.Teardown = sut.Hook{Command: "sh", Args: []string{"-c", "echo no cleanup for you; exit 3"}}
	p = &sutContainer{teardown: func() error { return sut.Teardown(failing, env) }}
	if err := p.close(); err == nil {
		t.Fatal("a failed teardown is not reported")
	}
}

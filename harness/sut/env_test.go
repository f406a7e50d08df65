package sut

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSubprocessGetsOnlyItsAllowList starts a real SUT process with a
// control token, a credential and noise in paychaos's environment: it sees
// the wiring, the base variables and what the target passes, nothing else.
func TestSubprocessGetsOnlyItsAllowList(t *testing.T) {
	t.Setenv("PAYCHAOS_PROVIDER_TOKEN", "ctl_must_not_leak")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws_must_not_leak")
	t.Setenv("DATABASE_URL", "postgres://127.0.0.1/shop")
	t.Setenv("PATH", os.Getenv("PATH"))
	dir := t.TempDir()
	target := selfTarget(t, EnvNames{Addr: "TEST_ADDR", ProviderURL: "TEST_PROVIDER", SecretKey: "TEST_KEY", Pass: []string{"DATABASE_URL", "NOT_SET_ANYWHERE"}})
	inst, err := Subprocess{Target: target, Dir: dir}.Launch(context.Background(), Wiring{ProviderURL: "http://127.0.0.1:9/p", SecretKey: "sk_test_x"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Close() })
	b, err := os.ReadFile(filepath.Join(dir, "environ"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, kv := range strings.Split(string(b), "\n") {
		name, _, _ := strings.Cut(kv, "=")
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"DATABASE_URL", "PATH", "PAYCHAOS_TEST_SUT", "TEST_ADDR", "TEST_KEY", "TEST_PROVIDER"}
	for _, base := range []string{"HOME", "TMPDIR", "LANG", "LC_ALL", "TZ"} {
		if _, ok := os.LookupEnv(base); ok {
			want = append(want, base)
		}
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("the SUT's environment has %v, want exactly %v", names, want)
	}
	for _, leak := range []string{"ctl_must_not_leak", "aws_must_not_leak"} {
		if strings.Contains(string(b), leak) {
			t.Fatalf("the SUT's environment holds %s", leak)
		}
	}
}

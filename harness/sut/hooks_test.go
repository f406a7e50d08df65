package sut

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// A SUT that reads only a port, named by a path relative to its target
// file, told its port by argument, torn down with its own environment.
func TestSubprocessByPortFromTheTargetsFolder(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(dir, "bin", "sut")); err != nil {
		t.Fatal(err)
	}
	writeScript(t, filepath.Join(dir, "teardown.sh"), `echo "$TEST_PORT|$TEST_PROVIDER|$PAYCHAOS_SUT_DIR" > teardown.out`)
	target := Target{
		Name: "by-port", Customers: []Customer{{ID: "c"}}, Dir: dir,
		Health:   Call{Path: "/healthz"},
		Env:      EnvNames{Port: "TEST_PORT", ProviderURL: "TEST_PROVIDER"},
		Process:  ProcessSpec{Command: "./bin/sut", Args: []string{"--listen", "127.0.0.1:{{.Port}}"}, Env: map[string]string{"PAYCHAOS_TEST_SUT": "1"}},
		Teardown: Hook{Command: "./teardown.sh"},
	}
	sutDir := t.TempDir()
	inst, err := Subprocess{Target: target, Dir: sutDir}.Launch(context.Background(), Wiring{ProviderURL: "http://127.0.0.1:9/p"})
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.Driver.(*HTTPDriver).Healthy(context.Background()); err != nil {
		t.Fatalf("a SUT listening on {{.Port}}: %v", err)
	}
	if err := inst.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "teardown.out"))
	port := inst.Addr[strings.LastIndexByte(inst.Addr, ':')+1:]
	if want := port + "|http://127.0.0.1:9/p|" + sutDir + "\n"; err != nil || string(b) != want {
		t.Fatalf("teardown saw %q (%v), want %q: the SUT's environment and working directory", b, err, want)
	}
}

func TestHookFailuresCarryTheirOutput(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, filepath.Join(dir, "setup.sh"), `echo "creating the database"; echo "role paychaos does not exist" >&2; exit 3`)
	err := Setup(context.Background(), Target{Dir: dir, Setup: Hook{Command: "./setup.sh"}})
	for _, want := range []string{"setup ./setup.sh", "exit status 3", "creating the database | role paychaos does not exist"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("setup error %v, want it to contain %q", err, want)
		}
	}

	writeScript(t, filepath.Join(dir, "slow.sh"), `echo started; sleep 30`)
	start := time.Now()
	err = Setup(context.Background(), Target{Dir: dir, Setup: Hook{Command: "./slow.sh", Timeout: 300 * time.Millisecond}})
	if err == nil || !strings.Contains(err.Error(), "not done after 300ms (raise setup.timeout in the target)") || !strings.Contains(err.Error(), "started") {
		t.Fatalf("slow setup: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("a timed-out setup took %v to return", took)
	}

	if err := Setup(context.Background(), Target{Dir: dir}); err != nil {
		t.Fatalf("no setup: %v", err)
	}
}

func TestResolvePaths(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, filepath.Join(dir, "app.py"), "")
	cases := []struct {
		in   string
		arg  bool
		want string
	}{
		{"./server", false, filepath.Join(dir, "server")},
		{"bin/server", false, filepath.Join(dir, "bin/server")},
		{"python3", false, "python3"},
		{"/usr/bin/env", false, "/usr/bin/env"},
		{"app.py", true, filepath.Join(dir, "app.py")},
		{"../data", true, filepath.Join(filepath.Dir(dir), "data")},
		{"--port", true, "--port"},
		{"8080", true, "8080"},
	}
	for _, c := range cases {
		if got := resolve(dir, c.in, c.arg); got != c.want {
			t.Errorf("resolve(%q, arg %v) = %q, want %q", c.in, c.arg, got, c.want)
		}
	}
	if got := resolve("", "app.py", true); got != "app.py" {
		t.Errorf("with no target folder an argument stays as it is: %q", got)
	}
}

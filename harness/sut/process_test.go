package sut

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain doubles as a tiny SUT: run with PAYCHAOS_TEST_SUT=1 the test
// binary serves a health endpoint on $TEST_ADDR and counts its starts in
// a file, so the Subprocess launcher is tested against a real process.
func TestMain(m *testing.M) {
	if os.Getenv("PAYCHAOS_TEST_SUT") == "1" {
		f, _ := os.OpenFile("starts", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		fmt.Fprintln(f, os.Getenv("TEST_PROVIDER"))
		f.Close()
		_ = os.WriteFile("environ", []byte(strings.Join(os.Environ(), "\n")), 0o600) // what it was given
		fmt.Println("sut up")
		http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
		addr := os.Getenv("TEST_ADDR")
		if len(os.Args) == 3 && os.Args[1] == "--listen" { // a SUT told its port by argument
			addr = os.Args[2]
		}
		_ = http.ListenAndServe(addr, nil)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// selfTarget is this test binary as a SUT (see TestMain), wired by env.
func selfTarget(t *testing.T, env EnvNames) Target {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Target{
		Name: "self", Customers: []Customer{{ID: "c"}},
		Health:  Call{Path: "/healthz"},
		Env:     env,
		Process: ProcessSpec{Command: self, Env: map[string]string{"PAYCHAOS_TEST_SUT": "1"}},
	}
}

func TestSubprocessKillRestartFreeze(t *testing.T) {
	dir := t.TempDir()
	target := selfTarget(t, EnvNames{Addr: "TEST_ADDR", ProviderURL: "TEST_PROVIDER"})
	ctx := context.Background()
	inst, err := Subprocess{Target: target, Dir: dir}.Launch(ctx, Wiring{ProviderURL: "http://127.0.0.1:9/p"})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	d := inst.Driver.(*HTTPDriver)
	healthy := func(timeout time.Duration) error {
		c, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return d.Healthy(c)
	}
	if err := healthy(time.Second); err != nil {
		t.Fatalf("after launch: %v", err)
	}
	if err := inst.Process.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if err := healthy(time.Second); err == nil {
		t.Fatal("healthy after SIGKILL")
	}
	if err := inst.Process.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := healthy(time.Second); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if err := inst.Process.Freeze(ctx); err != nil {
		t.Fatal(err)
	}
	if err := healthy(200 * time.Millisecond); err == nil {
		t.Fatal("a frozen process answered")
	}
	if err := inst.Process.Thaw(ctx); err != nil {
		t.Fatal(err)
	}
	if err := healthy(2 * time.Second); err != nil {
		t.Fatalf("after thaw: %v", err)
	}
	b, err := os.ReadFile(dir + "/starts")
	if err != nil || string(b) != "http://127.0.0.1:9/p\nhttp://127.0.0.1:9/p\n" {
		t.Fatalf("starts file %q, %v: want two starts with the wiring passed through env", b, err)
	}
	if got := inst.Logs(); got != "sut up\nsut up\n" {
		t.Fatalf("logs %q, want the output of both starts", got)
	}
	if err := inst.Close(); err != nil {
		t.Fatal(err)
	}
	if err := healthy(time.Second); err == nil {
		t.Fatal("healthy after Close")
	}
}

func TestSubprocessThatNeverGetsHealthy(t *testing.T) {
	target := Target{
		Name: "false", Health: Call{Path: "/healthz"}, Env: EnvNames{Addr: "X_ADDR"},
		Process: ProcessSpec{Command: "false"},
	}
	_, err := Subprocess{Target: target, Ready: 2 * time.Second}.Launch(context.Background(), Wiring{})
	if err == nil {
		t.Fatal("a process that exits at once was launched")
	}
}

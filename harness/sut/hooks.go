package sut

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Setup runs the target's setup command once, before the first scenario:
// in the target file's folder, with the process's environment (process.env
// over the harness's own). A failure is an error carrying its output.
func Setup(ctx context.Context, t Target) error {
	if !t.Setup.Defined() {
		return nil
	}
	return runHook(ctx, "setup", t.Setup, t.Dir, processEnv(t))
}

// teardown runs the target's teardown command after a scenario, with the
// environment the SUT had and PAYCHAOS_SUT_DIR naming its working
// directory.
func teardown(t Target, env []string, sutDir string) error {
	if !t.Teardown.Defined() {
		return nil
	}
	if sutDir != "" {
		env = append(env[:len(env):len(env)], "PAYCHAOS_SUT_DIR="+sutDir)
	}
	return runHook(context.Background(), "teardown", t.Teardown, t.Dir, env)
}

// Teardown runs the target's teardown command after a scenario whose SUT
// the harness did not start as a process (a container): env is what the
// SUT was given, over the allow-listed part of the harness's environment.
func Teardown(t Target, env map[string]string) error {
	e := processEnv(t)
	for k, v := range env {
		e = append(e, k+"="+v)
	}
	return teardown(t, e, "")
}

func runHook(ctx context.Context, name string, h Hook, dir string, env []string) error {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultHookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	command := resolve(dir, h.Command, false)
	args := make([]string, len(h.Args))
	for i, a := range h.Args {
		args[i] = resolve(dir, a, true)
	}
	cmd := exec.CommandContext(ctx, command, args...)
	cmd.Dir, cmd.Env = dir, env
	var out tail
	out.max = 64 << 10
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = procAttr()
	// A timeout kills the hook's whole process group, so that nothing it
	// started keeps the pipes open.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("not done after %s (raise %s.timeout in the target)", timeout, name)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w; its output: %s", name, h.Command, err, orNothing(lastLines(out.String(), 10)))
	}
	return nil
}

// resolve makes a relative path absolute against dir, the target file's
// folder. A command is a path when it has a separator (a bare name is
// looked up in PATH); an argument when it starts with ./ or ../ or names a
// file that exists in dir. With no dir, paths stay relative to where
// paychaos runs, as the SUT's own working directory is a fresh one.
func resolve(dir, s string, arg bool) string {
	if s == "" || filepath.IsAbs(s) {
		return s
	}
	base := dir
	if base == "" {
		base = "."
	}
	isPath := strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../")
	if !arg {
		isPath = isPath || strings.ContainsRune(s, filepath.Separator)
	} else if !isPath && dir != "" && !strings.HasPrefix(s, "-") {
		if _, err := os.Stat(filepath.Join(dir, s)); err == nil {
			isPath = true
		}
	}
	if !isPath || (arg && dir == "") {
		return s
	}
	abs, err := filepath.Abs(filepath.Join(base, s))
	if err != nil {
		return s
	}
	return abs
}

func orNothing(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(nothing)"
	}
	return s
}

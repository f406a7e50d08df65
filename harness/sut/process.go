package sut

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"
)

// Process is a SUT the harness runs as a child process, so that a crash
// is a real SIGKILL and a freeze a real SIGSTOP.
type Process interface {
	// Kill sends SIGKILL and waits for the process to die.
	Kill(ctx context.Context) error
	// Start starts it again (same address, same state files) and waits
	// until it is healthy.
	Start(ctx context.Context) error
	// Freeze stops the process (SIGSTOP); Thaw resumes it (SIGCONT).
	Freeze(ctx context.Context) error
	Thaw(ctx context.Context) error
}

// Subprocess launches a Target's Process spec as a child process on a free
// loopback port, with the wiring passed through the Target's Env names.
type Subprocess struct {
	Target     Target
	AdminToken string
	// Dir is the working directory; state files the SUT writes there
	// survive a restart. Empty means a fresh temporary directory.
	Dir string
	// Output, when set, also receives the process's stdout and stderr;
	// the last MiB of them is kept for Instance.Logs either way.
	Output io.Writer
	// Ready bounds the wait for the health call after a start.
	Ready time.Duration
}

var (
	_ Launcher = Subprocess{}
	_ Offerer  = Subprocess{}
)

// Offers implements Offerer: a process the harness can kill and freeze,
// on a network it does not own.
func (s Subprocess) Offers() Offer { return Offer{Process: true, Flow: s.Target.Flow} }

// Name implements Launcher.
func (s Subprocess) Name() string { return s.Target.Name }

// Launch implements Launcher.
func (s Subprocess) Launch(ctx context.Context, w Wiring) (*Instance, error) {
	spec := s.Target.Process
	if spec.Command == "" {
		return nil, fmt.Errorf("target %s: process.command is empty", s.Target.Name)
	}
	if s.Target.Env.Addr == "" && s.Target.Env.Port == "" {
		return nil, fmt.Errorf("target %s: env.addr (or env.port) names no variable for the listen address", s.Target.Name)
	}
	dir := s.Dir
	var cleanup func() error
	if dir == "" {
		d, err := os.MkdirTemp("", "paychaos-sut-")
		if err != nil {
			return nil, err
		}
		dir, cleanup = d, func() error { return os.RemoveAll(d) }
	}
	// Relative to the target file, not to the SUT's working directory.
	spec.Command = resolve(s.Target.Dir, spec.Command, false)
	argTmpls := spec.Args
	ready := s.Ready
	if ready == 0 {
		ready = 15 * time.Second
	}
	var (
		logs *tail
		p    *proc
		d    *HTTPDriver
		t    Target
		addr string
		env  []string
	)
	// A free port can be taken by another process before the SUT binds
	// it; a SUT that dies at once saying so is started again elsewhere.
	for try := 0; ; try++ {
		var err error
		if addr, err = freePort(); err != nil {
			return nil, err
		}
		_, port, _ := net.SplitHostPort(addr)
		if spec.Args, err = processArgs(s.Target.Dir, argTmpls, addr, port); err != nil {
			if cleanup != nil {
				err = errors.Join(err, cleanup())
			}
			return nil, err
		}
		env = processEnv(s.Target)
		set := func(name, val string) {
			if name != "" {
				env = append(env, name+"="+val)
			}
		}
		set(s.Target.Env.Addr, addr)
		set(s.Target.Env.Port, port)
		set(s.Target.Env.ProviderURL, w.ProviderURL)
		set(s.Target.Env.SecretKey, w.SecretKey)
		set(s.Target.Env.WebhookSecret, w.WebhookSecret)

		t = s.Target
		t.BaseURL = "http://" + addr
		d = NewHTTPDriver(t, WithAdminToken(s.AdminToken))
		// Each try keeps its own output, so that a retry is decided on what
		// this start printed, not an earlier one.
		logs = &tail{max: 1 << 20}
		var out io.Writer = logs
		if s.Output != nil {
			out = io.MultiWriter(logs, s.Output)
		}
		p = &proc{spec: spec, dir: dir, env: env, out: out, health: d, ready: ready}
		err = p.Start(ctx)
		if err == nil {
			break
		}
		if try < 3 && strings.Contains(logs.String(), "address already in use") {
			continue
		}
		err = fmt.Errorf("%w; its last output: %s", err, lastLines(logs.String(), 5))
		err = errors.Join(err, teardown(s.Target, env, dir)) // what it did before dying is undone too
		if cleanup != nil {
			err = errors.Join(err, cleanup())
		}
		return nil, err
	}
	return &Instance{
		Driver: d, Customers: t.Customers, Addr: addr, WebhookPath: t.Webhook.Path, Process: p, Logs: logs.String,
		MetadataKey: t.Correlate.MetadataKey,
		Close: func() error {
			err := errors.Join(p.stop(), teardown(t, env, dir))
			if cleanup != nil {
				err = errors.Join(err, cleanup())
			}
			return err
		},
	}, nil
}

// processArgs renders the process's arguments ({{.Addr}}, {{.Port}}) and
// resolves the relative paths among them against dir.
func processArgs(dir string, tmpls []string, addr, port string) ([]string, error) {
	out := make([]string, len(tmpls))
	for i, a := range tmpls {
		s, err := renderArg(a, argData{Addr: addr, Port: port})
		if err != nil {
			return nil, fmt.Errorf("process.args[%d]: %w", i, err)
		}
		out[i] = resolve(dir, s, true)
	}
	return out, nil
}

// argData is what process.args templates can use.
type argData struct{ Addr, Port string }

func renderArg(text string, data argData) (string, error) {
	if !strings.Contains(text, "{{") {
		return text, nil
	}
	t, err := template.New("arg").Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

type proc struct {
	spec   ProcessSpec
	dir    string
	env    []string
	out    io.Writer
	health *HTTPDriver
	ready  time.Duration

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

func (p *proc) Start(ctx context.Context) error {
	p.mu.Lock()
	if p.cmd != nil {
		p.mu.Unlock()
		return errors.New("start: the process is running")
	}
	cmd := exec.Command(p.spec.Command, p.spec.Args...)
	cmd.Dir, cmd.Env = p.dir, p.env
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		return fmt.Errorf("start %s: %w", p.spec.Command, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	p.cmd, p.exited = cmd, exited
	p.mu.Unlock()

	deadline := time.Now().Add(p.ready)
	for {
		hctx, cancel := context.WithTimeout(ctx, time.Second)
		err := p.health.Healthy(hctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			p.mu.Lock()
			p.cmd = nil
			p.mu.Unlock()
			return fmt.Errorf("%s exited before it was healthy: %v", p.spec.Command, cmd.ProcessState)
		case <-ctx.Done():
			return errors.Join(ctx.Err(), p.stop())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.Join(fmt.Errorf("%s not healthy after %s: %w", p.spec.Command, p.ready, err), p.stop())
		}
	}
}

func (p *proc) signal(sig syscall.Signal) (chan struct{}, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil, errors.New("the process is not running")
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		return nil, fmt.Errorf("signal %v: %w", sig, err)
	}
	return p.exited, nil
}

func (p *proc) Kill(ctx context.Context) error {
	_, _ = p.signal(syscall.SIGCONT) // a frozen process must be able to die
	exited, err := p.signal(syscall.SIGKILL)
	if err != nil {
		return err
	}
	select {
	case <-exited:
	case <-ctx.Done():
		// SIGKILL cannot be refused: wait on, bounded, so that a restart
		// does not find the process still registered.
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			return ctx.Err()
		}
	}
	p.mu.Lock()
	p.cmd = nil
	p.mu.Unlock()
	return nil
}

func (p *proc) Freeze(ctx context.Context) error {
	if _, err := p.signal(syscall.SIGSTOP); err != nil {
		return err
	}
	// SIGSTOP is delivered asynchronously: wait until the kernel says the
	// process is stopped, so the freeze is real when Freeze returns.
	p.mu.Lock()
	pid := p.cmd.Process.Pid
	p.mu.Unlock()
	stat := fmt.Sprintf("/proc/%d/stat", pid)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		b, err := os.ReadFile(stat)
		if err != nil {
			return nil // no procfs here: the signal is all we can do
		}
		// The state follows the command name in parentheses: "pid (comm) T …".
		if i := bytes.LastIndexByte(b, ')'); i > 0 && i+2 < len(b) && (b[i+2] == 'T' || b[i+2] == 't') {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	return fmt.Errorf("freeze: process %d not stopped after 5s", pid)
}

func (p *proc) Thaw(context.Context) error {
	_, err := p.signal(syscall.SIGCONT)
	return err
}

// stop ends the process gracefully, then forcefully.
func (p *proc) stop() error {
	exited, err := p.signal(syscall.SIGTERM)
	if err != nil {
		return nil // not running
	}
	_, _ = p.signal(syscall.SIGCONT)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return p.Kill(ctx)
	}
	p.mu.Lock()
	p.cmd = nil
	p.mu.Unlock()
	return nil
}

// lastLines is the end of a process's output, for an error message.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// freePort finds a free loopback port. Another process could take it
// before the SUT binds it; the health wait then fails loudly.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

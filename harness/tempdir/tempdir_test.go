package tempdir

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

func TestNewSweepsTheDeadOnly(t *testing.T) {
	base := t.TempDir()
	t.Setenv("TMPDIR", base)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := dead.Process.Pid
	if err := syscall.Kill(deadPID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Skipf("pid %d was reused at once (%v)", deadPID, err)
	}
	mk := func(name string) string {
		p := filepath.Join(base, name)
		if err := os.MkdirAll(filepath.Join(p, "inside"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	deadDir := mk("paychaos-x-" + strconv.Itoa(deadPID) + "-1")
	liveDir := mk("paychaos-x-" + strconv.Itoa(os.Getppid()) + "-2")
	otherDir := mk("paychaos-y-" + strconv.Itoa(deadPID) + "-3")
	oldDir := mk("paychaos-x-123456789") // no pid in the name: not ours to judge

	d, err := New("paychaos-x-")
	if err != nil {
		t.Fatal(err)
	}
	if pid, ok := Owner(d, "paychaos-x-"); !ok || pid != os.Getpid() || filepath.Dir(d) != base {
		t.Fatalf("made %s: owner %d %v", d, pid, ok)
	}
	for p, want := range map[string]bool{deadDir: false, liveDir: true, otherDir: true, oldDir: true, d: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists=%v, want %v", p, err == nil, want)
		}
	}
}

// Package tempdir makes temporary directories that name the process that
// owns them, so that those of a process that died without removing them
// (SIGKILL, a crash) are removed by the next one to make such a directory.
package tempdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// New removes the directories named prefix-PID-… in the system's
// temporary directory whose process is gone, then makes a fresh one for
// this process and returns its path. The caller removes it when done.
func New(prefix string) (string, error) {
	base := os.TempDir()
	Sweep(base, prefix)
	d, err := os.MkdirTemp(base, prefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", fmt.Errorf("create a temporary directory: %w", err)
	}
	return d, nil
}

// Sweep removes the directories named prefix-PID-… in base whose process
// is gone; those of live processes are theirs.
func Sweep(base, prefix string) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		if pid, ok := Owner(e.Name(), prefix); ok && e.IsDir() && !Alive(pid) {
			_ = os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
}

// Owner is the pid in a name New made with prefix.
func Owner(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(filepath.Base(name), prefix)
	if !ok {
		return 0, false
	}
	n, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(n)
	return pid, err == nil && pid > 0
}

// Alive reports whether a process pid exists (it may be another user's).
func Alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

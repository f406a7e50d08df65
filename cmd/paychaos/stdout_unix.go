//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// divertStdout sends what the process writes to file descriptor 1 (Ginkgo's
// own console reporter) to path, and returns a writer on the original
// standard output and a function that restores it. paychaos prints its
// own progress lines; Ginkgo's full log is kept beside the reports.
func divertStdout(path string) (*os.File, func(), error) {
	log, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", path, err)
	}
	saved, err := syscall.Dup(1)
	if err != nil {
		log.Close()
		return nil, nil, fmt.Errorf("dup stdout: %w", err)
	}
	if err := syscall.Dup2(int(log.Fd()), 1); err != nil {
		syscall.Close(saved)
		log.Close()
		return nil, nil, fmt.Errorf("divert stdout: %w", err)
	}
	orig := os.NewFile(uintptr(saved), "stdout")
	return orig, func() {
		_ = syscall.Dup2(saved, 1)
		_ = orig.Close()
		_ = log.Close()
	}, nil
}

//go:build unix && !linux

package sut

import "syscall"

// procAttr puts the SUT in its own process group, so a kill reaches nothing
// else of ours.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

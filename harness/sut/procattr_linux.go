package sut

import "syscall"

// procAttr puts the SUT in its own process group, so a kill reaches nothing
// else of ours, and has the kernel kill it if the harness dies first: a
// harness killed mid-run leaves no SUT behind holding its port.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

//go:build unix

package transform

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the command in a process group of its own: a kill
// then reaches the children a wrapper script starts, and a Ctrl-C meant
// for the gateway does not reach the command before the gateway stops it.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		_ = cmd.Process.Kill()
	}
}

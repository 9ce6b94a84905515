package redistest

import "syscall"

// dieWithParent has Linux kill the server if the test binary dies without
// running its cleanup (a test timeout's panic, a SIGKILL).
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

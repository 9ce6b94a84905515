//go:build !linux

package redistest

import "syscall"

// dieWithParent has no portable equivalent outside Linux: there, a server
// outlives a test binary that dies without running its cleanup.
func dieWithParent() *syscall.SysProcAttr { return nil }

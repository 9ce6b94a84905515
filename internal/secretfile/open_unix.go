//go:build unix

package secretfile

import "syscall"

// openNoBlock makes opening a named pipe return at once instead of waiting
// for a writer, and keeps a terminal from becoming the process's controlling
// terminal. Neither changes how a regular file is read.
const openNoBlock = syscall.O_NONBLOCK | syscall.O_NOCTTY

//go:build !unix

package secretfile

// openNoBlock adds nothing where opening a file cannot block on a missing
// writer the way a Unix named pipe does; Read checks the path first anyway.
const openNoBlock = 0

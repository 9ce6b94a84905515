//go:build !unix

package epicoauth_test

import "testing"

func makeNamedPipe(t *testing.T, _ string) { t.Skip("no named pipes in the file system here") }

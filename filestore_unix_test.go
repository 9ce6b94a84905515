//go:build unix

package epicoauth_test

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func makeNamedPipe(t *testing.T, path string) {
	require.NoError(t, syscall.Mkfifo(path, 0o600))
}

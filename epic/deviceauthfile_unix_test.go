//go:build unix

package epic_test

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// A named pipe would block the read until a writer comes; it is refused
// before it is opened.
func TestLoadDeviceAuthRefusesNamedPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deviceauth.json")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	_, err := epic.LoadDeviceAuth(path)
	require.ErrorIs(t, err, epicoauth.ErrNotRegularFile)
}

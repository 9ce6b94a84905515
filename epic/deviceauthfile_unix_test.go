//go:build unix

package epic_test

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

func TestLoadDeviceAuthRefusesNamedPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deviceauth.json")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	done := make(chan error, 1)
	go func() {
		_, err := epic.LoadDeviceAuth(path)
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, epicoauth.ErrNotRegularFile)
	case <-time.After(10 * time.Second):
		t.Fatal("LoadDeviceAuth blocked on a named pipe")
	}
}

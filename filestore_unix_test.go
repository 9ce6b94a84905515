//go:build unix

package epicoauth_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
)

// A named pipe at the path made Load block forever, whatever its context
// said (and epictoken ignore Ctrl-C). It is refused at once.
func TestFileStoreRefusesNamedPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	store := &epicoauth.FileStore{Path: path}

	done := make(chan error, 1)
	go func() {
		_, err := store.Load(context.Background())
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, epicoauth.ErrNotRegularFile)
		assert.Contains(t, err.Error(), "named pipe")
		assert.Contains(t, err.Error(), path)
	case <-time.After(10 * time.Second):
		t.Fatal("Load blocked on a named pipe")
	}
}

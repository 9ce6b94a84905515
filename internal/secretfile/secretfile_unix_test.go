//go:build unix

package secretfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A named pipe at the path would block an open for reading until a writer
// comes; Read refuses it without opening it, and so anything that is not a
// regular file.
func TestReadRefusesSpecialFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(fifo, link))

	tests := []struct {
		name, path, kind string
	}{
		{"named pipe", fifo, "a named pipe"},
		{"symbolic link to a named pipe", link, "a named pipe"},
		{"device", os.DevNull, "a device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := Read(tt.path, 1024)
				done <- err
			}()
			select {
			case err := <-done:
				require.ErrorIs(t, err, ErrNotRegular)
				assert.Contains(t, err.Error(), "it is "+tt.kind)
			case <-time.After(10 * time.Second):
				t.Fatal("Read blocked")
			}
		})
	}
}

// A named pipe put in place after the path was checked is opened without
// blocking and refused by the check of the opened file.
func TestReadStatChecksOpenedFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	f, err := os.OpenFile(fifo, os.O_RDONLY|openNoBlock, 0)
	require.NoError(t, err, "opening a named pipe with openNoBlock does not wait for a writer")
	defer f.Close()
	info, err := f.Stat()
	require.NoError(t, err)
	assert.ErrorIs(t, checkRegular(fifo, info), ErrNotRegular)
}

func TestReadFollowsLinkToRegularFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.json")
	require.NoError(t, Write(path, []byte("content"), 0o600))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(path, link))
	got, err := Read(link, 1024)
	require.NoError(t, err)
	assert.Equal(t, "content", string(got))
}

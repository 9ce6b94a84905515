package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "secret.json")

	for _, content := range []string{"first", "second, longer than the first"} {
		require.NoError(t, Write(path, []byte(content), 0o600))
		got, err := Read(path, 1024)
		require.NoError(t, err)
		assert.Equal(t, content, string(got))
		info, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, fs.FileMode(0o600), info.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
	info, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o700), info.Mode().Perm())
}

func TestWriteFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.json")
	require.NoError(t, Write(path, []byte("old"), 0o600))
	// A directory where the temporary file would be renamed to makes the
	// rename fail after the temporary file was written.
	target := filepath.Join(dir, "taken")
	require.NoError(t, os.MkdirAll(filepath.Join(target, "x"), 0o700))
	require.Error(t, Write(target, []byte("new"), 0o600))

	got, err := Read(path, 1024)
	require.NoError(t, err)
	assert.Equal(t, "old", string(got))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "the failed write's temporary file is removed")
}

func TestReadLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	require.NoError(t, os.WriteFile(path, make([]byte, 11), 0o600))
	_, err := Read(path, 10)
	assert.ErrorIs(t, err, ErrTooLarge)
	got, err := Read(path, 11)
	require.NoError(t, err)
	assert.Len(t, got, 11)

	_, err = Read(filepath.Join(t.TempDir(), "none"), 10)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

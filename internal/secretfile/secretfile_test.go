package secretfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

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

func TestDecode(t *testing.T) {
	const secret = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	type doc struct {
		Secret string    `json:"secret"`
		N      int       `json:"n"`
		When   time.Time `json:"when"`
	}
	tests := []struct {
		name, data, want string
	}{
		{"syntax", `{"secret":"` + secret, "not valid JSON (offset 43)"},
		{"type", `{"secret":7}`, "field secret is not a string"},
		{"not an object", `["` + secret + `"]`, "not a JSON object"},
		{"time", `{"when":"` + secret + `"}`, "a time is not in RFC 3339 form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tt.data), &d)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.NotContains(t, err.Error(), secret)
		})
	}
	var d doc
	require.NoError(t, Decode([]byte(`{"secret":"s","n":1}`), &d))
	assert.Equal(t, doc{Secret: "s", N: 1}, d)
}

func TestReadRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := Read(dir, 1024)
	require.ErrorIs(t, err, ErrNotRegular)
	var pathErr *fs.PathError
	require.ErrorAs(t, err, &pathErr)
	assert.Equal(t, dir, pathErr.Path)
	assert.Contains(t, err.Error(), "it is a directory")
}

func TestTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	none, err := Temps(filepath.Join(dir, "missing", "token.json"))
	require.NoError(t, err, "a missing directory has no leftovers")
	assert.Empty(t, none)

	for _, name := range []string{
		"token.json", ".token.json.tmp-1", ".token.json.tmp-0042", // ours
		".token.json.tmp-", ".token.json.tmp-1x", "token.json.tmp-1", ".token.json.tmp-1.tmp-2", ".other.tmp-1", // not ours
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), nil, 0o600))
	}
	// What Write itself leaves when its rename fails.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub", "x"), 0o700))
	require.Error(t, Write(filepath.Join(dir, "sub"), []byte("new"), 0o600))

	got, err := Temps(path)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, ".token.json.tmp-0042"), filepath.Join(dir, ".token.json.tmp-1")}, got)
}

func TestPromote(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.json")
	require.NoError(t, Write(path, []byte("old"), 0o600))
	tmp := filepath.Join(dir, ".secret.json.tmp-7")
	require.NoError(t, os.WriteFile(tmp, []byte("new"), 0o600))

	require.NoError(t, Promote(tmp, path))
	got, err := Read(path, 1024)
	require.NoError(t, err)
	assert.Equal(t, "new", string(got))
	assert.NoFileExists(t, tmp)
	assert.ErrorIs(t, Promote(tmp, path), fs.ErrNotExist)
}

// WriteTemp is the half of Write a crash may leave behind: the destination
// is untouched and Temps lists the new content; Commit puts it in place,
// Discard removes it.
func TestWriteTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.json")
	require.NoError(t, Write(path, []byte("old"), 0o600))

	discarded, err := WriteTemp(path, []byte("discarded"), 0o600)
	require.NoError(t, err)
	kept, err := WriteTemp(path, []byte("new"), 0o600)
	require.NoError(t, err)
	temps, err := Temps(path)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{discarded.Name(), kept.Name()}, temps)
	got, err := Read(kept.Name(), 1024)
	require.NoError(t, err)
	assert.Equal(t, "new", string(got), "the content is complete before Commit")
	got, err = Read(path, 1024)
	require.NoError(t, err)
	assert.Equal(t, "old", string(got))

	discarded.Discard()
	require.NoError(t, kept.Commit())
	got, err = Read(path, 1024)
	require.NoError(t, err)
	assert.Equal(t, "new", string(got))
	temps, err = Temps(path)
	require.NoError(t, err)
	assert.Empty(t, temps)
}

package epicoauth_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
)

// crashedSaveRow: the process died after writing a rotated token to the
// save's temporary file and before the rename (the state a SIGKILL there
// leaves: the file holds the previous token, whose refresh token Epic has
// already spent). The next process resumes from the temporary file, and the
// rotated refresh token renews the session without a new login; the
// leftover is gone. TestFileStoreSurvivesSIGKILL measures the same with real
// kills (SECURITY.md section 8).
func crashedSaveRow(t *testing.T) {
	f := newMatrixFixture(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	resume := func() *epicoauth.TokenSource {
		ts, err := f.cfg.StoredTokenSource(f.ctx, f.da, &epicoauth.TokenSourceOptions{Store: &epicoauth.FileStore{Path: path}})
		require.NoError(t, err)
		t.Cleanup(ts.Close)
		return ts
	}

	first := resume()
	_, err := first.Token()
	require.NoError(t, err)
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	f.expire()
	rotated, err := first.Token()
	require.NoError(t, err)
	first.Close()

	// The crash: the rotated token only in a temporary file of the save,
	// the previous token (a spent refresh token) in the file.
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	temp := filepath.Join(dir, ".token.json.tmp-123456789")
	require.NoError(t, os.WriteFile(temp, after, 0o600))
	require.NoError(t, os.WriteFile(path, before, 0o600))

	f.expire()
	tok, err := resume().Token()
	require.NoError(t, err)
	assertFresh(t, f.srv.Clock(), tok)
	assert.NotEqual(t, rotated.AccessToken, tok.AccessToken, "renewed")
	assert.Equal(t, 1, f.srv.Count("refresh_token"), "one refresh, with the rotated refresh token")
	assert.Zero(t, f.srv.Count("device_auth"), "no new login")
	assert.NoFileExists(t, temp, "the leftover is cleaned up")
}

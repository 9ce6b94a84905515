package epicoauth_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
)

// Rows of the fault matrix for issue 9's leaks: redirects and answers
// whose optional fields are broken.

// redirectRow: a refresh answered with a 307 to another host is refused
// with a *RedirectError; the other host sees nothing (no form, no refresh
// token, no client secret); the refresh token was not spent, so the next
// refresh works without a new login.
func redirectRow(t *testing.T) {
	f := newMatrixFixture(t)
	var reached atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
	defer evil.Close()
	ts, old := f.login(t, "exchange_code")
	f.expire()
	f.srv.Inject(epictest.Fault{Kind: epictest.Redirect, Path: tokenPath, Location: evil.URL + tokenPath + "?refresh_token=" + old.RefreshToken})
	_, err := ts.Token()
	var re *epicoauth.RedirectError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusTemporaryRedirect, re.StatusCode)
	assert.NotErrorIs(t, err, epicoauth.ErrLoginRequired)
	f.assertNoSecrets(t, err, old)
	assert.Zero(t, reached.Load(), "nothing reached the other host")
	assert.Equal(t, 1, f.srv.Count("refresh_token"), "not retried")

	f.pastBackoff()
	tok, err := ts.Token()
	require.NoError(t, err)
	assertFresh(t, f.srv.Clock(), tok)
	assert.Equal(t, 2, f.srv.Count("refresh_token"))
	assert.Zero(t, f.srv.Count("exchange_code"), "no new login")
}

// verifyRedirectRow: Verify answered with a 302 to another port of the same
// host does not carry the bearer token there.
func verifyRedirectRow(t *testing.T) {
	f := newMatrixFixture(t)
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
	defer other.Close()
	_, tok := f.login(t, "device_auth")
	f.srv.Inject(epictest.Fault{Kind: epictest.Redirect, Status: http.StatusFound, Location: other.URL + "/account/api/oauth/verify"})
	_, err := f.cfg.Verify(f.ctx, tok)
	var re *epicoauth.RedirectError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusFound, re.StatusCode)
	f.assertNoSecrets(t, err, tok)
	assert.Zero(t, reached.Load(), "the bearer token stayed home")
}

// salvageRow: Epic rotates the refresh token and answers with broken
// optional fields (refresh_expires and an unknown field of 1e309, expires_in
// repeated). The token is kept and saved, each broken field is reported
// through OnError as a *MalformedFieldError, and the rotated refresh token
// renews the session next time without a new login.
func salvageRow(t *testing.T) {
	f := newMatrixFixture(t)
	var (
		mu       sync.Mutex
		reported []string
		others   []error
	)
	store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
	ts, err := f.cfg.StoredTokenSource(f.ctx, f.da, &epicoauth.TokenSourceOptions{
		Store: store,
		OnError: func(err error) {
			mu.Lock()
			defer mu.Unlock()
			if m, ok := err.(*epicoauth.MalformedFieldError); ok {
				reported = append(reported, m.Field)
			} else {
				others = append(others, err)
			}
		},
	})
	require.NoError(t, err)
	defer ts.Close()
	login, err := ts.Token()
	require.NoError(t, err)

	f.expire()
	f.srv.Inject(epictest.Fault{Kind: epictest.BrokenOptionalFields, Path: tokenPath})
	renewed, err := ts.Token()
	require.NoError(t, err, "a well-formed token in a broken answer is kept")
	assertFresh(t, f.srv.Clock(), renewed)
	assert.NotEqual(t, login.RefreshToken, renewed.RefreshToken, "Epic rotated it")
	mu.Lock()
	assert.ElementsMatch(t, []string{"expires_in", "refresh_expires", "x_epictest_unknown"}, reported)
	assert.Empty(t, others, "nothing else failed")
	mu.Unlock()
	assert.NoError(t, ts.Err())
	saved, err := store.Load(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, renewed.RefreshToken, saved.RefreshToken, "the rotated refresh token is saved")

	f.expire()
	tok, err := ts.Token()
	require.NoError(t, err)
	assertFresh(t, f.srv.Clock(), tok)
	assert.Equal(t, 1, f.srv.Count("refresh_token"))
	assert.Equal(t, renewed.RefreshToken, f.srv.Requests()[0].Form.Get("refresh_token"))
	assert.Zero(t, f.srv.Count("device_auth"), "no new login")
}

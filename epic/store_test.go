package epic_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

const (
	testClientID     = "ec684b8c687f479fadea3cb2ad83f5c6"
	testClientSecret = "e1f31c211f28413186262d37a13fc84d"
)

var testDeviceAuth = epic.DeviceAuth{
	AccountID: "94b1569506b04f9f8557af611e8c5e47",
	DeviceID:  "435b52ece6d347479531c5132e209e53",
	Secret:    "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
}

// accountService is a fake Epic account service token endpoint: it checks
// every request the way Epic would, answers with the shape of
// testdata/account-token-exchange_code.json, and rotates refresh tokens
// (the previous one stops working).
type accountService struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	issued   int
	validRT  string     // the one refresh token that works
	requests url.Values // grant_type of each request, in order, under "grant_type"
	forms    []url.Values
}

func newAccountService(t *testing.T) *accountService {
	a := &accountService{t: t, requests: url.Values{}}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serveToken))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *accountService) config() *epic.Config {
	return &epic.Config{
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: a.srv.URL + "/account/api/oauth/token"},
	}
}

func (a *accountService) serveToken(w http.ResponseWriter, r *http.Request) {
	t := a.t
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/account/api/oauth/token", r.URL.Path)
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	assert.Equal(t, epicoauth.DefaultUserAgent, r.Header.Get("User-Agent"))
	id, secret, ok := r.BasicAuth()
	assert.True(t, ok && id == testClientID && secret == testClientSecret, "Basic client auth")
	require.NoError(t, r.ParseForm())

	a.mu.Lock()
	defer a.mu.Unlock()
	a.requests.Add("grant_type", r.PostForm.Get("grant_type"))
	a.forms = append(a.forms, r.PostForm)
	switch r.PostForm.Get("grant_type") {
	case "device_auth":
		assert.Equal(t, url.Values{
			"grant_type": {"device_auth"},
			"account_id": {testDeviceAuth.AccountID},
			"device_id":  {testDeviceAuth.DeviceID},
			"secret":     {testDeviceAuth.Secret},
		}, r.PostForm)
	case "refresh_token":
		if rt := r.PostForm.Get("refresh_token"); rt != a.validRT {
			body, err := os.ReadFile(filepath.Join("testdata", "error-invalid_refresh_token.json"))
			require.NoError(t, err)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(body)
			return
		}
	default:
		t.Errorf("unexpected grant_type %q", r.PostForm.Get("grant_type"))
		http.Error(w, "{}", http.StatusBadRequest)
		return
	}
	a.issued++
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(a.tokenBody(t, a.issued))
}

// tokenBody is the exchange-code fixture with the n-th access and refresh
// tokens.
func (a *accountService) tokenBody(t *testing.T, n int) []byte {
	body, err := os.ReadFile(filepath.Join("testdata", "account-token-exchange_code.json"))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	a.validRT = fmt.Sprintf("rt-%d", n)
	m["access_token"] = fmt.Sprintf("at-%d", n)
	m["refresh_token"] = a.validRT
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

func (a *accountService) grants() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.requests["grant_type"]...)
}

// lastForm returns the form of the last request.
func (a *accountService) lastForm() url.Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.forms[len(a.forms)-1]
}

// savedToken writes a session to the store as a previous run would have.
func savedToken(t *testing.T, store epicoauth.TokenStore, access, refresh string, expiry time.Time) {
	t.Helper()
	tok := (&oauth2.Token{AccessToken: access, TokenType: "bearer", RefreshToken: refresh, Expiry: expiry}).
		WithExtra(map[string]any{"account_id": testDeviceAuth.AccountID})
	require.NoError(t, store.Save(context.Background(), tok))
}

func loadToken(t *testing.T, store epicoauth.TokenStore) *oauth2.Token {
	t.Helper()
	tok, err := store.Load(context.Background())
	require.NoError(t, err)
	require.NotNil(t, tok)
	return tok
}

func TestStoredTokenSourceStartsAndSaves(t *testing.T) {
	epicSrv := newAccountService(t)
	store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
	ts, err := epicSrv.config().StoredTokenSource(context.Background(), testDeviceAuth, &epicoauth.TokenSourceOptions{Store: store})
	require.NoError(t, err)
	defer ts.Close()

	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-1", tok.AccessToken)
	assert.Equal(t, []string{"device_auth"}, epicSrv.grants())

	saved := loadToken(t, store)
	assert.Equal(t, "rt-1", saved.RefreshToken)
	assert.Equal(t, epic.AccountID(tok), epic.AccountID(saved))
	assert.True(t, epic.RefreshExpiry(tok).Equal(epic.RefreshExpiry(saved)), "refresh expiry saved")
	assert.True(t, tok.Expiry.Equal(saved.Expiry))
}

func TestStoredTokenSourceResumes(t *testing.T) {
	t.Run("valid access token: no request at all", func(t *testing.T) {
		epicSrv := newAccountService(t)
		store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
		savedToken(t, store, "at-saved", "rt-saved", time.Now().Add(time.Hour))

		ts, err := epicSrv.config().StoredTokenSource(context.Background(), nil, &epicoauth.TokenSourceOptions{Store: store})
		require.NoError(t, err)
		defer ts.Close()
		tok, err := ts.Token()
		require.NoError(t, err)
		assert.Equal(t, "at-saved", tok.AccessToken)
		assert.Equal(t, testDeviceAuth.AccountID, epic.AccountID(tok))
		assert.Empty(t, epicSrv.grants())
	})
	t.Run("expired access token: refresh, rotated token saved", func(t *testing.T) {
		epicSrv := newAccountService(t)
		epicSrv.validRT = "rt-saved"
		store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
		savedToken(t, store, "at-saved", "rt-saved", time.Now().Add(-time.Minute))

		ts, err := epicSrv.config().StoredTokenSource(context.Background(), nil, &epicoauth.TokenSourceOptions{Store: store})
		require.NoError(t, err)
		defer ts.Close()
		tok, err := ts.Token()
		require.NoError(t, err)
		assert.Equal(t, "at-1", tok.AccessToken)
		assert.Equal(t, []string{"refresh_token"}, epicSrv.grants())
		assert.Equal(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt-saved"}}, epicSrv.lastForm())
		assert.Equal(t, "rt-1", loadToken(t, store).RefreshToken, "saved before Token returned")
	})
}

// crashingStore passes saves through to a store until crash is set, then
// fails them without writing: the process "dies" after Epic answered a
// refresh and before the new token reached the disk. It is a plain
// TokenStore (a SharedTokenStore would save through its lease).
type crashingStore struct {
	epicoauth.TokenStore
	mu    sync.Mutex
	crash bool
}

func (s *crashingStore) Save(ctx context.Context, tok *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.crash {
		return errors.New("process killed")
	}
	return s.TokenStore.Save(ctx, tok)
}

func TestStoredTokenSourceCrashBetweenRefreshAndSave(t *testing.T) {
	ctx := context.Background()
	epicSrv := newAccountService(t)
	epicSrv.validRT = "rt-0"
	file := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
	savedToken(t, file, "at-0", "rt-0", time.Now().Add(-time.Minute))

	// Run 1: the refresh succeeds, Epic rotates rt-0 away, the save is lost.
	store := &crashingStore{TokenStore: file, crash: true}
	var saveErr *epicoauth.SaveError
	ts1, err := epicSrv.config().StoredTokenSource(ctx, testDeviceAuth, &epicoauth.TokenSourceOptions{Store: store})
	require.NoError(t, err)
	tok, err := ts1.Token()
	require.NoError(t, err, "a failed save does not fail the caller")
	assert.Equal(t, "at-1", tok.AccessToken)
	require.ErrorAs(t, ts1.Err(), &saveErr)
	ts1.Close()
	assert.Equal(t, "rt-0", loadToken(t, file).RefreshToken, "the file still holds the last complete save")

	// Run 2 starts from the file: rt-0 is dead, the device auth is not, so
	// the session comes back without a person.
	ts2, err := epicSrv.config().StoredTokenSource(ctx, testDeviceAuth, &epicoauth.TokenSourceOptions{Store: file})
	require.NoError(t, err)
	defer ts2.Close()
	tok, err = ts2.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-2", tok.AccessToken)
	assert.Equal(t, []string{"refresh_token", "refresh_token", "device_auth"}, epicSrv.grants())
	assert.Equal(t, "rt-2", loadToken(t, file).RefreshToken)
	assert.NoError(t, ts2.Err())
}

func TestStoredTokenSourceBadStore(t *testing.T) {
	epicSrv := newAccountService(t)
	store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
	require.NoError(t, os.WriteFile(store.Path, []byte("{not json"), 0o600))

	ts, err := epicSrv.config().StoredTokenSource(context.Background(), testDeviceAuth, &epicoauth.TokenSourceOptions{Store: store})
	require.ErrorIs(t, err, epicoauth.ErrInvalidToken)
	assert.Nil(t, ts)
	assert.Empty(t, epicSrv.grants(), "nothing is sent and nothing overwritten")
	data, err := os.ReadFile(store.Path)
	require.NoError(t, err)
	assert.Equal(t, "{not json", string(data))
}

func TestStoredTokenSourceWithoutStore(t *testing.T) {
	epicSrv := newAccountService(t)
	for _, opts := range []*epicoauth.TokenSourceOptions{nil, {}} {
		ts, err := epicSrv.config().StoredTokenSource(context.Background(), testDeviceAuth, opts)
		require.NoError(t, err)
		tok, err := ts.Token()
		require.NoError(t, err)
		assert.NotEmpty(t, tok.AccessToken)
		ts.Close()
	}
	assert.Equal(t, []string{"device_auth", "device_auth"}, epicSrv.grants())
}

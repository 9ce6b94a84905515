package epic_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// Helpers of the session-flow tests (device code, exchange codes, device
// auths, verify, kill). Names carry "session" or are specific enough not to
// collide with other tests of the package.

// The fortniteNewSwitchGameClient credentials (public, fact sheet section
// 3): a client allowed the device_code grant.
const (
	switchClientID     = "98f7e42c2e3a4f86a74eb43fbb41ed39"
	switchClientSecret = "0a2449a2-001a-451e-afec-3e812901c4d7"
	// The tokens of the fixtures account-token-client_credentials.json and
	// account-token-exchange_code.json.
	fixtureClientToken = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	fixtureUserToken   = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	fixtureAccountID   = "94b1569506b04f9f8557af611e8c5e47"
)

// newAutoClock returns a fake clock at a time near the fixtures' dates. Its
// Sleep moves the time forward and returns at once, so a 600 s device-code
// wait runs in microseconds.
func newAutoClock() *epictest.Clock {
	return epictest.NewClock(time.Date(2023, 11, 12, 13, 0, 0, 0, time.UTC))
}

// fixture returns a payload from testdata (copies of shared/fixtures). It
// panics when the file is missing, so examples can use it too.
func mustFixture(name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return b
}

// reply answers with a JSON body (nil: none) and status.
func reply(w http.ResponseWriter, status int, body []byte) {
	if body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// serveFixture is a handler that answers status with a fixture.
func serveFixture(status int, name string) http.HandlerFunc {
	body := mustFixture(name)
	return func(w http.ResponseWriter, _ *http.Request) { reply(w, status, body) }
}

// newSessionConfig starts a fake account service with mux and returns a
// Switch-client Config pointed at it (token and device-authorization
// addresses both) with a fresh newAutoClock.
func newSessionConfig(t *testing.T, mux *http.ServeMux) (*epic.Config, *epictest.Clock) {
	t.Helper()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	clock := newAutoClock()
	return &epic.Config{
		ClientID:     switchClientID,
		ClientSecret: switchClientSecret,
		Endpoint: oauth2.Endpoint{
			TokenURL:      srv.URL + "/account/api/oauth/token",
			DeviceAuthURL: srv.URL + "/account/api/oauth/deviceAuthorization",
			AuthStyle:     oauth2.AuthStyleInHeader,
		},
		Clock: clock,
	}, clock
}

// tokenEndpoint checks that a token request comes from the Switch client as
// a form, and hands it to the handler of its grant_type.
func tokenEndpoint(t *testing.T, grants map[string]http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		assert.True(t, ok, "token request without Basic auth")
		assert.Equal(t, switchClientID, id)
		assert.Equal(t, switchClientSecret, secret)
		assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
		if !assert.NoError(t, r.ParseForm()) {
			return
		}
		h, ok := grants[r.PostForm.Get("grant_type")]
		if !assert.True(t, ok, "unexpected grant_type %q", r.PostForm.Get("grant_type")) {
			reply(w, http.StatusBadRequest, mustFixture("error-unauthorized_client-token_to_token.json"))
			return
		}
		h(w, r)
	}
}

// assertBearer checks that r is authorized by token and carries no client
// credentials.
func assertBearer(t *testing.T, r *http.Request, token string) {
	t.Helper()
	assert.Equal(t, "bearer "+token, r.Header.Get("Authorization"))
}

// sessionUserToken is a user token of the fixture account, as a TokenSource would
// hand it out (account_id in its extras).
func sessionUserToken() *oauth2.Token {
	return (&oauth2.Token{AccessToken: fixtureUserToken, TokenType: "bearer"}).
		WithExtra(map[string]any{"account_id": fixtureAccountID})
}

// requireNoSecret fails when any rendering of err contains one of secrets.
func requireNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	require.Error(t, err)
	texts := []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
	var e *epicoauth.Error
	if errors.As(err, &e) {
		texts = append(texts, string(e.Body), fmt.Sprint(e.MessageVars))
	}
	for _, text := range texts {
		for _, s := range secrets {
			require.NotContains(t, text, s)
		}
	}
}

// requireEpicError checks that err is an *epicoauth.Error with Epic's error
// code code and, unless status is 0, that HTTP status; it returns the error.
func requireEpicError(t *testing.T, err error, status int, code string) *epicoauth.Error {
	t.Helper()
	var e *epicoauth.Error
	require.ErrorAs(t, err, &e)
	if status != 0 {
		assert.Equal(t, status, e.StatusCode)
	}
	assert.Equal(t, code, e.ErrorCode)
	return e
}

// requireOutcome checks that err is nil when wantCode is empty, and
// otherwise an *epicoauth.Error with that code, which it returns.
func requireOutcome(t *testing.T, err error, wantCode string) *epicoauth.Error {
	t.Helper()
	if wantCode == "" {
		require.NoError(t, err)
		return nil
	}
	return requireEpicError(t, err, 0, wantCode)
}

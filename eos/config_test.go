package eos_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epictest"
)

// The EOS "Fortnite" client of the fact sheet and the deployment of the
// external_auth fixture.
const (
	clientID     = "xyza7891343Fr4ZSPkQZ3kaL3I2sX8B5"
	clientSecret = "F8BVRyHIqmct8cN9KSPbXsJszpiIZEYEFDiySxc1wuA"
	deploymentID = "62a9473a2dca46b29ccf17577fcf42d7"
	tokenPath    = "/auth/v1/oauth/token"
)

var start = time.Date(2025, 7, 15, 18, 44, 50, 0, time.UTC)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// reply builds the body of an answer from the request's form.
type reply func(form url.Values) (status int, body []byte)

// echoNonce answers a fixture carrying the nonce the request sent, as EOS
// Connect does.
func echoNonce(t *testing.T, name string) reply {
	var m map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, name), &m))
	return func(form url.Values) (int, []byte) {
		m["nonce"] = form.Get("nonce")
		b, err := json.Marshal(m)
		assert.NoError(t, err)
		return http.StatusOK, b
	}
}

func asIs(status int, body []byte) reply {
	return func(url.Values) (int, []byte) { return status, body }
}

// connectServer is a fake EOS Connect token endpoint. Every request must
// carry the envelope of cfg; its form (nonce aside) must equal the next
// expected form.
type connectServer struct {
	*httptest.Server
	t   *testing.T
	cfg eos.Config

	mu      sync.Mutex
	forms   []url.Values // expected, nonce and deployment_id left out
	replies []reply
	nonces  []string
}

func newConnectServer(t *testing.T, cfg eos.Config) *connectServer {
	s := &connectServer{t: t, cfg: cfg}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *connectServer) config(clock epicoauth.Clock) *eos.Config {
	c := s.cfg
	c.Endpoint = oauth2.Endpoint{TokenURL: s.URL + tokenPath, AuthStyle: oauth2.AuthStyleInHeader}
	c.Clock = clock
	return &c
}

func (s *connectServer) expect(form url.Values, r reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forms = append(s.forms, form)
	s.replies = append(s.replies, r)
}

// seenNonces returns the nonces of the requests so far and checks that no
// expected request is missing.
func (s *connectServer) seenNonces() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Empty(s.t, s.forms, "expected requests that never came")
	return append([]string(nil), s.nonces...)
}

func (s *connectServer) serve(w http.ResponseWriter, r *http.Request) {
	t := s.t
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, tokenPath, r.URL.Path)
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	wantUA := s.cfg.UserAgent
	if wantUA == "" {
		wantUA = epicoauth.DefaultUserAgent
	}
	assert.Equal(t, wantUA, r.Header.Get("User-Agent"))
	assert.Empty(t, r.Header.Values(epicoauth.DeviceIDHeader))
	user, pass, basic := r.BasicAuth()
	assert.True(t, basic, "Basic auth")
	assert.Equal(t, s.cfg.ClientID, user)
	assert.Equal(t, s.cfg.ClientSecret, pass)
	assert.NoError(t, r.ParseForm())

	s.mu.Lock()
	s.nonces = append(s.nonces, r.PostForm.Get("nonce"))
	if len(s.forms) == 0 {
		s.mu.Unlock()
		t.Errorf("unexpected token request %v", r.PostForm)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	want, answer := s.forms[0], s.replies[0]
	s.forms, s.replies = s.forms[1:], s.replies[1:]
	s.mu.Unlock()

	assert.Regexp(t, hex32, r.PostForm.Get("nonce"))
	got := url.Values{}
	for k, v := range r.PostForm {
		got[k] = v
	}
	delete(got, "nonce")
	wantAll := url.Values{"deployment_id": {s.cfg.DeploymentID}}
	for k, v := range want {
		wantAll[k] = v
	}
	assert.Equal(t, wantAll, got, "form body")
	status, body := answer(r.PostForm)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

var (
	plainConfig = eos.Config{ClientID: clientID, ClientSecret: clientSecret, DeploymentID: deploymentID}
	uaConfig    = eos.Config{ClientID: clientID, ClientSecret: clientSecret, DeploymentID: deploymentID, UserAgent: "EOS-SDK/1.16.3000-33300249 (Windows/10.0.19041.2364.64bit) Fortnite/1.0"}
)

// sequence is a token source that hands out a new access token per call,
// like an epic.Config TokenSource renewing an account session.
type sequence struct {
	mu sync.Mutex
	n  int
}

func (s *sequence) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return &oauth2.Token{AccessToken: fmt.Sprintf("eg1~account-token-%d", s.n)}, nil
}

func (s *sequence) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func TestConfigTokenSendsEachGrant(t *testing.T) {
	tests := []struct {
		name    string
		grant   func() eos.Grant
		form    url.Values
		fixture string
	}{
		{"client_credentials", eos.ClientCredentials, url.Values{"grant_type": {"client_credentials"}}, "eos-connect-token-client_credentials.json"},
		{"external_auth", func() eos.Grant { return eos.ExternalAuth(eos.EpicGamesAccessToken, "eg1~account-token") },
			url.Values{"grant_type": {"external_auth"}, "external_auth_type": {"epicgames_access_token"}, "external_auth_token": {"eg1~account-token"}}, "eos-connect-token-external_auth.json"},
		{"external_auth from a source", func() eos.Grant { return eos.ExternalAuthFrom(eos.EpicGamesAccessToken, &sequence{}) },
			url.Values{"grant_type": {"external_auth"}, "external_auth_type": {"epicgames_access_token"}, "external_auth_token": {"eg1~account-token-1"}}, "eos-connect-token-external_auth.json"},
		{"external_auth steam", func() eos.Grant { return eos.ExternalAuth(eos.SteamSessionTicket, "140000006A7B3C9D") },
			url.Values{"grant_type": {"external_auth"}, "external_auth_type": {"steam_session_ticket"}, "external_auth_token": {"140000006A7B3C9D"}}, "eos-connect-token-external_auth.json"},
	}
	for _, cfg := range []eos.Config{plainConfig, uaConfig} {
		for _, tt := range tests {
			t.Run(cfg.UserAgent+"/"+tt.name, func(t *testing.T) {
				srv := newConnectServer(t, cfg)
				srv.expect(tt.form, echoNonce(t, tt.fixture))
				tok, err := srv.config(epictest.NewClock(start)).Token(context.Background(), tt.grant())
				require.NoError(t, err)
				assert.Equal(t, "REDACTED", tok.AccessToken)
				assert.Equal(t, start.Add(3599*time.Second), tok.Expiry)
				nonces := srv.seenNonces()
				require.Len(t, nonces, 1)
				assert.Equal(t, nonces[0], eos.Nonce(tok))
			})
		}
	}
}

func TestEveryRequestHasAFreshNonce(t *testing.T) {
	srv := newConnectServer(t, plainConfig)
	cfg := srv.config(epictest.NewClock(start))
	for range 3 {
		srv.expect(url.Values{"grant_type": {"client_credentials"}}, echoNonce(t, "eos-connect-token-client_credentials.json"))
		_, err := cfg.Token(context.Background(), eos.ClientCredentials())
		require.NoError(t, err)
	}
	nonces := srv.seenNonces()
	require.Len(t, nonces, 3)
	assert.NotEqual(t, nonces[0], nonces[1])
	assert.NotEqual(t, nonces[1], nonces[2])
	assert.NotEqual(t, nonces[0], nonces[2])
}

func TestNonceMismatchDiscardsTheToken(t *testing.T) {
	var noNonce map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "eos-connect-token-client_credentials.json"), &noNonce))
	delete(noNonce, "nonce")
	noNonceBody, err := json.Marshal(noNonce)
	require.NoError(t, err)

	tests := []struct {
		name    string
		body    []byte
		wantMsg string
	}{
		// The fixture echoes "_", not the nonce this request sent.
		{"wrong nonce", fixture(t, "eos-connect-token-external_auth.json"), eos.ErrNonceMismatch.Error()},
		{"no nonce", noNonceBody, "the response has no nonce"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newConnectServer(t, plainConfig)
			clock := epictest.NewClock(start)
			cfg := srv.config(clock)

			srv.expect(url.Values{"grant_type": {"client_credentials"}}, asIs(http.StatusOK, tt.body))
			tok, err := cfg.Token(context.Background(), eos.ClientCredentials())
			assert.Nil(t, tok)
			require.ErrorIs(t, err, eos.ErrNonceMismatch)
			assert.Contains(t, err.Error(), tt.wantMsg)

			// A token source does not keep the token either: the next
			// call asks again.
			ts := cfg.TokenSource(context.Background(), eos.ClientCredentials())
			srv.expect(url.Values{"grant_type": {"client_credentials"}}, asIs(http.StatusOK, tt.body))
			tok, err = ts.Token()
			assert.Nil(t, tok)
			require.ErrorIs(t, err, eos.ErrNonceMismatch)
			assert.Nil(t, ts.Peek())
			// The source backs off after a failure (1 s at first) before
			// it asks again.
			clock.Advance(time.Second)
			srv.expect(url.Values{"grant_type": {"client_credentials"}}, echoNonce(t, "eos-connect-token-client_credentials.json"))
			tok, err = ts.Token()
			require.NoError(t, err)
			assert.Equal(t, "REDACTED", tok.AccessToken)
			assert.Len(t, srv.seenNonces(), 3)
		})
	}
}

func TestMissingDeploymentIDFailsBeforeAnyRequest(t *testing.T) {
	srv := newConnectServer(t, eos.Config{ClientID: clientID, ClientSecret: clientSecret})
	cfg := srv.config(epictest.NewClock(start))
	src := &sequence{}
	grants := map[string]eos.Grant{
		"client credentials": eos.ClientCredentials(),
		"external auth":      eos.ExternalAuth(eos.EpicGamesAccessToken, "eg1~account-token"),
		"external auth from": eos.ExternalAuthFrom(eos.EpicGamesAccessToken, src),
	}
	for name, g := range grants {
		t.Run(name, func(t *testing.T) {
			_, err := cfg.Token(context.Background(), g)
			assert.ErrorIs(t, err, eos.ErrNoDeploymentID)
			_, err = cfg.TokenSource(context.Background(), g).Token()
			assert.ErrorIs(t, err, eos.ErrNoDeploymentID)
			_, err = cfg.Client(context.Background(), g).Get(srv.URL + "/api")
			assert.ErrorIs(t, err, eos.ErrNoDeploymentID)
		})
	}
	assert.Empty(t, srv.seenNonces(), "no request to EOS")
	assert.Zero(t, src.calls(), "no request for the external token either")
}

func TestTokenSourceRunsTheGrantAgainAtExpiry(t *testing.T) {
	src := &sequence{}
	tests := []struct {
		name  string
		grant eos.Grant
		forms []url.Values
	}{
		{"client credentials", eos.ClientCredentials(), []url.Values{{"grant_type": {"client_credentials"}}, {"grant_type": {"client_credentials"}}}},
		{"external auth", eos.ExternalAuth(eos.EpicGamesAccessToken, "eg1~account-token"), []url.Values{
			{"grant_type": {"external_auth"}, "external_auth_type": {"epicgames_access_token"}, "external_auth_token": {"eg1~account-token"}},
			{"grant_type": {"external_auth"}, "external_auth_type": {"epicgames_access_token"}, "external_auth_token": {"eg1~account-token"}},
		}},
		{"external auth from a source pulls a fresh token each time", eos.ExternalAuthFrom(eos.EpicGamesAccessToken, src), []url.Values{
			{"grant_type": {"external_auth"}, "external_auth_type": {"epicgames_access_token"}, "external_auth_token": {"eg1~account-token-1"}},
			{"grant_type": {"external_auth"}, "external_auth_type": {"epicgames_access_token"}, "external_auth_token": {"eg1~account-token-2"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newConnectServer(t, plainConfig)
			clock := epictest.NewClock(start)
			ts := srv.config(clock).TokenSource(context.Background(), tt.grant)

			srv.expect(tt.forms[0], echoNonce(t, "eos-connect-token-external_auth.json"))
			first, err := ts.Token()
			require.NoError(t, err)

			// Just before the early-refresh window (the last 5 minutes of
			// the token's usable life) the cached token is served as is.
			clock.Advance(3599*time.Second - 10*time.Second - 5*time.Minute - time.Second)
			cached, err := ts.Token()
			require.NoError(t, err)
			assert.Same(t, first, cached)
			assert.Len(t, srv.seenNonces(), 1)

			// Past its usable life the grant runs again (waiting for it).
			clock.Advance(5*time.Minute + 2*time.Second)
			srv.expect(tt.forms[1], echoNonce(t, "eos-connect-token-external_auth.json"))
			second, err := ts.Token()
			require.NoError(t, err)
			assert.NotSame(t, first, second)
			nonces := srv.seenNonces()
			require.Len(t, nonces, 2)
			assert.Equal(t, nonces[1], eos.Nonce(second))
		})
	}
}

func TestErrors(t *testing.T) {
	const steamTicket = "140000006A7B3C9DFFFFFFFF0123456789"
	userNotFound := fixture(t, "reconstructed/error-eos-user_not_found.json")
	echo := []byte(`{"errorCode":"errors.com.epicgames.eos.auth.invalid_token","errorMessage":"token ` + steamTicket + ` rejected","numericErrorCode":110003,"error":"invalid_grant"}`)
	tests := []struct {
		name      string
		body      []byte
		code      string
		wantLogin bool
	}{
		{"user not found needs the continuation flow", userNotFound, epicoauth.ErrorCodeEOSUserNotFound, true},
		{"rejected external token, echoed", echo, "errors.com.epicgames.eos.auth.invalid_token", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newConnectServer(t, plainConfig)
			form := url.Values{"grant_type": {"external_auth"}, "external_auth_type": {"steam_session_ticket"}, "external_auth_token": {steamTicket}}
			srv.expect(form, asIs(http.StatusBadRequest, tt.body))
			ts := srv.config(epictest.NewClock(start)).TokenSource(context.Background(), eos.ExternalAuth(eos.SteamSessionTicket, steamTicket))
			_, err := ts.Token()
			require.Error(t, err)
			assert.Equal(t, tt.wantLogin, errors.Is(err, epicoauth.ErrLoginRequired))
			var e *epicoauth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.code, e.ErrorCode)
			assert.Equal(t, http.StatusBadRequest, e.StatusCode)
			assert.NotContains(t, err.Error(), steamTicket)
			assert.NotContains(t, string(e.Body), steamTicket)
			assert.NotContains(t, err.Error(), clientSecret)
		})
	}
}

func TestConfigNeverShowsItsSecret(t *testing.T) {
	cfg := plainConfig
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("config", "cfg", cfg, "ptr", &cfg)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("config", "cfg", cfg, "ptr", &cfg)
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "%#v": fmt.Sprintf("%#v", cfg),
		"pointer %+v": fmt.Sprintf("%+v", &cfg), "pointer %#v": fmt.Sprintf("%#v", &cfg),
		"slog text": text.String(), "slog JSON": js.String(),
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			assert.NotContains(t, out, clientSecret)
			assert.Contains(t, out, deploymentID)
			assert.Contains(t, out, "[REDACTED]")
		})
	}
}

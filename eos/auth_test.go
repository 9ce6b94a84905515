package eos_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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

// An EAS client of the fact sheet (the tokenInfo fixture's client id).
const (
	easClientID     = "12c4279862ab4460a25c2e9fa535fb7e"
	easClientSecret = "xFDfsyBHWvYWYvFZLhuyjjhF4UDPFT6k"
	easTokenPath    = "/epic/oauth/v2/token"
	accountID       = "4ae5b2a1f8d34e3e9b5d1c2e8f7a6b90"
	refreshToken    = "eg1~refresh.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	exchangeCode    = "11111111111111111111111111111111"
)

// seen is one request as the fake EAS server received it.
type seen struct {
	method, path string
	header       http.Header
	form         url.Values
}

// easServer is a fake EOS Auth host that records every request and answers
// with answer.
type easServer struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []seen
	answer func(r seen) (status int, body []byte)
}

func newEASServer(t testing.TB, answer func(r seen) (int, []byte)) *easServer {
	s := &easServer{answer: answer}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		form, err := url.ParseQuery(string(body))
		assert.NoError(t, err)
		rec := seen{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), form: form}
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		s.mu.Unlock()
		status, out := s.answer(rec)
		if out != nil {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write(out)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *easServer) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

// config is an AuthConfig with every token option set, on s.
func (s *easServer) config(clock epicoauth.Clock) *eos.AuthConfig {
	return &eos.AuthConfig{
		ClientID: easClientID, ClientSecret: easClientSecret, DeploymentID: deploymentID,
		Scopes: []string{"basic_profile", "openid"}, RedirectURL: "https://game.example/callback", TokenType: "epic_id",
		Endpoint: oauth2.Endpoint{AuthURL: s.URL + "/id/authorize", TokenURL: s.URL + easTokenPath, AuthStyle: oauth2.AuthStyleInHeader},
		Clock:    clock,
	}
}

// easToken is an EAS token response with the fields of the fact sheet
// (7.2); the access and refresh tokens carry n.
func easToken(n int, extra map[string]any) []byte {
	m := map[string]any{
		"access_token": fmt.Sprintf("eyJ.access-%d.sig", n), "token_type": "bearer", "expires_in": 7200,
		"expires_at": "2025-07-15T20:44:50.000Z", "refresh_token": fmt.Sprintf("eyJ.refresh-%d.sig", n),
		"refresh_expires": 28800, "refresh_expires_at": "2025-07-16T02:44:50.000Z", "account_id": accountID,
		"client_id": easClientID, "application_id": "fghi4567rNJHv9pNoyczQXo6DDJ6RDeq",
		"merged_accounts": []string{"0f0e0d0c0b0a09080706050403020100"}, "scope": "basic_profile openid",
		"id_token": "eyJhbGciOiJSUzI1NiJ9.e30.sig",
	}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

// assertTokenRequest checks the envelope of a token request: POST to the
// token path with the client's Basic auth.
func assertTokenRequest(t *testing.T, r seen) {
	t.Helper()
	assert.Equal(t, http.MethodPost, r.method)
	assert.Equal(t, easTokenPath, r.path)
	assert.Equal(t, "application/x-www-form-urlencoded", r.header.Get("Content-Type"))
	req := &http.Request{Header: r.header}
	user, pass, ok := req.BasicAuth()
	assert.True(t, ok, "Basic auth")
	assert.Equal(t, easClientID, user)
	assert.Equal(t, easClientSecret, pass)
}

func TestAuthConfigTokenSendsEachGrant(t *testing.T) {
	options := url.Values{"deployment_id": {deploymentID}, "scope": {"basic_profile openid"}, "token_type": {"epic_id"}}
	with := func(v url.Values) url.Values {
		out := url.Values{}
		for k, vs := range options {
			out[k] = vs
		}
		for k, vs := range v {
			out[k] = vs
		}
		return out
	}
	verifier := oauth2.GenerateVerifier()
	tests := []struct {
		name  string
		grant eos.Grant
		form  url.Values
	}{
		{"authorization code with PKCE", eos.AuthorizationCode("auth-code-1", oauth2.VerifierOption(verifier)), with(url.Values{
			"grant_type": {"authorization_code"}, "code": {"auth-code-1"}, "code_verifier": {verifier}, "redirect_uri": {"https://game.example/callback"}})},
		{"exchange code of the launcher", eos.ExchangeCode(exchangeCode), with(url.Values{"grant_type": {"exchange_code"}, "exchange_code": {exchangeCode}})},
		{"exchange code with PKCE", eos.ExchangeCode(exchangeCode, oauth2.VerifierOption(verifier)), with(url.Values{
			"grant_type": {"exchange_code"}, "exchange_code": {exchangeCode}, "code_verifier": {verifier}})},
		{"refresh token", eos.RefreshToken(refreshToken), with(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})},
		{"client credentials", eos.ClientCredentials(), with(url.Values{"grant_type": {"client_credentials"}})},
		{"external auth", eos.ExternalAuth(eos.SteamSessionTicket, "140000006A7B3C9D"), with(url.Values{
			"grant_type": {"external_auth"}, "external_auth_type": {"steam_session_ticket"}, "external_auth_token": {"140000006A7B3C9D"}})},
		{"exchange code from a func", eos.ExchangeCodeFrom(func(context.Context) (string, error) { return exchangeCode, nil }),
			with(url.Values{"grant_type": {"exchange_code"}, "exchange_code": {exchangeCode}})},
		{"a grant's own scope wins", eos.AuthorizationCode("c", oauth2.SetAuthURLParam("scope", "presence")), with(url.Values{
			"grant_type": {"authorization_code"}, "code": {"c"}, "scope": {"presence"}, "redirect_uri": {"https://game.example/callback"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEASServer(t, func(seen) (int, []byte) { return http.StatusOK, easToken(1, nil) })
			tok, err := srv.config(epictest.NewClock(start)).Token(context.Background(), tt.grant)
			require.NoError(t, err)
			assert.Equal(t, "eyJ.access-1.sig", tok.AccessToken)
			assert.Equal(t, start.Add(2*time.Hour), tok.Expiry)
			reqs := srv.requests()
			require.Len(t, reqs, 1)
			assertTokenRequest(t, reqs[0])
			assert.Equal(t, tt.form, reqs[0].form)
		})
	}
	t.Run("a bare config sends only the grant", func(t *testing.T) {
		srv := newEASServer(t, func(seen) (int, []byte) { return http.StatusOK, easToken(1, nil) })
		cfg := &eos.AuthConfig{ClientID: easClientID, ClientSecret: easClientSecret, Endpoint: oauth2.Endpoint{TokenURL: srv.URL + easTokenPath}}
		_, err := cfg.Exchange(context.Background(), "auth-code-1")
		require.NoError(t, err)
		assert.Equal(t, url.Values{"grant_type": {"authorization_code"}, "code": {"auth-code-1"}}, srv.requests()[0].form)
	})
}

func TestAuthCodeURLIsOAuth2s(t *testing.T) {
	cfg := &eos.AuthConfig{ClientID: easClientID, ClientSecret: easClientSecret, Scopes: []string{"basic_profile", "friends_list"},
		RedirectURL: "https://game.example/callback"}
	verifier := oauth2.GenerateVerifier()
	got := cfg.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier))
	want := (&oauth2.Config{ClientID: easClientID, Endpoint: epicoauth.EOSAuthEndpoint, RedirectURL: "https://game.example/callback",
		Scopes: []string{"basic_profile", "friends_list"}}).AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier))
	assert.Equal(t, want, got)
	u, err := url.Parse(got)
	require.NoError(t, err)
	assert.Equal(t, "https://www.epicgames.com/id/authorize", u.Scheme+"://"+u.Host+u.Path)
	assert.Equal(t, url.Values{
		"client_id": {easClientID}, "redirect_uri": {"https://game.example/callback"}, "response_type": {"code"},
		"scope": {"basic_profile friends_list"}, "state": {"state-1"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
	}, u.Query())
	assert.NotContains(t, got, easClientSecret)
}

func TestExchangeUsesTheOptionsOfOAuth2(t *testing.T) {
	srv := newEASServer(t, func(seen) (int, []byte) { return http.StatusOK, easToken(1, nil) })
	cfg := srv.config(nil)
	verifier := oauth2.GenerateVerifier()
	_, err := cfg.Exchange(context.Background(), "auth-code-1", oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("prompt", "none"))
	require.NoError(t, err)
	form := srv.requests()[0].form
	assert.Equal(t, verifier, form.Get("code_verifier"))
	assert.Equal(t, "none", form.Get("prompt"))
	assert.False(t, form.Has("response_type"), "AuthCodeURL's own fields are not sent")
	assert.False(t, form.Has("client_id"), "the client authenticates with Basic auth")
}

func TestAuthTokenSourceRefreshesWithTheConfigOptions(t *testing.T) {
	n := 0
	srv := newEASServer(t, func(seen) (int, []byte) { n++; return http.StatusOK, easToken(n, nil) })
	clock := epictest.NewClock(start)
	ts := srv.config(clock).TokenSource(context.Background(), eos.ExchangeCode(exchangeCode))
	first, err := ts.Token()
	require.NoError(t, err)
	clock.Advance(2 * time.Hour)
	second, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, "eyJ.access-2.sig", second.AccessToken)

	reqs := srv.requests()
	require.Len(t, reqs, 2)
	assertTokenRequest(t, reqs[1])
	assert.Equal(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken},
		"deployment_id": {deploymentID}, "scope": {"basic_profile openid"}, "token_type": {"epic_id"}}, reqs[1].form)
}

func TestResumeTokenSourceContinuesAnExchangedSession(t *testing.T) {
	n := 0
	srv := newEASServer(t, func(seen) (int, []byte) { n++; return http.StatusOK, easToken(n, nil) })
	clock := epictest.NewClock(start)
	cfg := srv.config(clock)
	tok, err := cfg.Exchange(context.Background(), "auth-code-1")
	require.NoError(t, err)
	ts := cfg.ResumeTokenSource(context.Background(), tok, nil)
	same, err := ts.Token()
	require.NoError(t, err)
	assert.Same(t, tok, same, "a valid token is served as is")
	clock.Advance(2 * time.Hour)
	next, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, "eyJ.access-2.sig", next.AccessToken)
	assert.Equal(t, "refresh_token", srv.requests()[1].form.Get("grant_type"))
}

func TestAuthErrors(t *testing.T) {
	invalidRefresh := bytes.ReplaceAll(fixture(t, "error-invalid_refresh_token.json"), []byte("MY_REFRESH_TOKEN"), []byte(refreshToken))
	srv := newEASServer(t, func(seen) (int, []byte) { return http.StatusBadRequest, invalidRefresh })
	cfg := srv.config(nil)
	cfg.Retry = epicoauth.NoRetry()
	_, err := cfg.TokenSource(context.Background(), eos.RefreshToken(refreshToken)).Token()
	require.Error(t, err)
	assert.ErrorIs(t, err, epicoauth.ErrLoginRequired)
	var e *epicoauth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, epicoauth.ErrorCodeInvalidRefreshToken, e.ErrorCode)
	assert.Equal(t, http.StatusBadRequest, e.StatusCode)
	assert.True(t, strings.HasPrefix(e.Error(), "epicoauth:"), e.Error())
	for _, secret := range []string{refreshToken, easClientSecret} {
		assert.NotContains(t, err.Error(), secret)
		assert.NotContains(t, string(e.Body), secret)
	}
}

func TestAuthConfigRefusesPlainHTTPToARemoteHost(t *testing.T) {
	cfg := &eos.AuthConfig{ClientID: easClientID, ClientSecret: easClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: "http://api.epicgames.example/epic/oauth/v2/token"}}
	_, err := cfg.Token(context.Background(), eos.ClientCredentials())
	assert.ErrorIs(t, err, epicoauth.ErrInsecureHTTP)
	assert.ErrorIs(t, cfg.Revoke(context.Background(), "eyJ.access"), epicoauth.ErrInsecureHTTP)
}

func TestExchangeCodeFrom(t *testing.T) {
	boom := errors.New("account session ended")
	tests := []struct {
		name  string
		codes eos.ExchangeCodeFunc
		want  string
	}{
		{"nil func", nil, "no ExchangeCodeFunc"},
		{"the func fails", func(context.Context) (string, error) { return "", boom }, "account session ended"},
		{"an empty code", func(context.Context) (string, error) { return "", nil }, "empty exchange code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := eos.ExchangeCodeFrom(tt.codes).Params(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	t.Run("a fresh code per run, under the caller's context", func(t *testing.T) {
		n := 0
		ctx := context.WithValue(context.Background(), ctxKey{}, "request")
		g := eos.ExchangeCodeFrom(func(ctx context.Context) (string, error) {
			assert.Equal(t, "request", ctx.Value(ctxKey{}))
			n++
			return fmt.Sprintf("code-%d", n), nil
		})
		assert.True(t, g.Repeatable(), "it can log in again once the refresh token runs out")
		assert.Equal(t, "exchange_code", g.GrantType())
		for i := 1; i <= 2; i++ {
			p, err := g.Params(ctx)
			require.NoError(t, err)
			assert.Equal(t, url.Values{"exchange_code": {fmt.Sprintf("code-%d", i)}}, p)
		}
	})
	t.Run("the func's error reaches the token source", func(t *testing.T) {
		srv := newEASServer(t, func(seen) (int, []byte) { return http.StatusOK, easToken(1, nil) })
		_, err := srv.config(nil).TokenSource(context.Background(), eos.ExchangeCodeFrom(func(context.Context) (string, error) { return "", boom })).Token()
		assert.ErrorIs(t, err, boom)
		assert.Empty(t, srv.requests())
	})
}

func TestAuthGrantsNeverShowCodes(t *testing.T) {
	verifier := oauth2.GenerateVerifier()
	for _, g := range []eos.Grant{
		eos.AuthorizationCode(exchangeCode, oauth2.VerifierOption(verifier)), eos.ExchangeCode(exchangeCode),
		eos.RefreshToken(refreshToken), eos.ExchangeCodeFrom(func(context.Context) (string, error) { return exchangeCode, nil }),
	} {
		for _, out := range []string{fmt.Sprintf("%v", g), fmt.Sprintf("%+v", g), fmt.Sprintf("%#v", g), fmt.Sprintf("%s", g)} {
			assert.NotContains(t, out, exchangeCode)
			assert.NotContains(t, out, refreshToken)
			assert.NotContains(t, out, verifier)
		}
	}
}

func TestAuthConfigNeverShowsItsSecret(t *testing.T) {
	cfg := eos.AuthConfig{ClientID: easClientID, ClientSecret: easClientSecret, DeploymentID: deploymentID, Scopes: []string{"openid"}}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("config", "cfg", cfg, "ptr", &cfg)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("config", "cfg", cfg, "ptr", &cfg)
	asJSON, err := json.Marshal(cfg)
	require.NoError(t, err)
	ptrJSON, err := json.Marshal(&cfg)
	require.NoError(t, err)
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "%#v": fmt.Sprintf("%#v", cfg), "%x": fmt.Sprintf("%x", cfg),
		"pointer %+v": fmt.Sprintf("%+v", &cfg), "pointer %#v": fmt.Sprintf("%#v", &cfg),
		"slog text": text.String(), "slog JSON": js.String(), "json": string(asJSON), "pointer json": string(ptrJSON),
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			assert.NotContains(t, out, easClientSecret)
			if name != "%x" {
				assert.Contains(t, out, easClientID)
				assert.Contains(t, out, "[REDACTED]")
			}
		})
	}
	assert.Contains(t, cfg.String(), epicoauth.EOSAuthEndpoint.TokenURL, "the default endpoint")
}

func TestAuthConfigExpiryDelta(t *testing.T) {
	for _, tt := range []struct {
		name     string
		delta    time.Duration
		requests int
	}{
		{"default: the token is still handed out", 0, 1},
		{"30 minutes: it is renewed first", 30 * time.Minute, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			srv := newEASServer(t, func(seen) (int, []byte) { n++; return http.StatusOK, easToken(n, nil) })
			clock := epictest.NewClock(start)
			cfg := srv.config(clock)
			cfg.ExpiryDelta = tt.delta
			ts := cfg.TokenSource(context.Background(), eos.ExchangeCode(exchangeCode))
			first, err := ts.Token()
			require.NoError(t, err)
			clock.Set(first.Expiry.Add(-29 * time.Minute))
			_, err = ts.Token()
			require.NoError(t, err)
			assert.Len(t, srv.requests(), tt.requests)
		})
	}
}

package epic_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// fortnitePCGameClient, a public client the fact sheet lists.
const (
	clientID     = "ec684b8c687f479fadea3cb2ad83f5c6"
	clientSecret = "e1f31c211f28413186262d37a13fc84d"
	tokenPath    = "/account/api/oauth/token"
)

// start is the fake clock's first reading, near the fixtures' dates.
var start = time.Date(2023, 8, 30, 16, 29, 11, 0, time.UTC)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// fixtureWith returns a fixture with fields replaced or added (nil makes a
// field null, which Epic's parsers treat as absent).
func fixtureWith(t *testing.T, name string, fields map[string]any) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, name), &m))
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// answer is the fake account service's reply to a token request; it may
// look at the form, as Epic does when it echoes a rejected refresh token.
type answer func(form url.Values) (status int, body []byte)

func ok(body []byte) answer { return func(url.Values) (int, []byte) { return http.StatusOK, body } }

// echoRefreshToken answers the invalid_refresh_token fixture with the
// refresh token the request sent in place of Epic's placeholder.
func echoRefreshToken(t *testing.T) answer {
	body := string(fixture(t, "error-invalid_refresh_token.json"))
	return func(form url.Values) (int, []byte) {
		assert.NotEmpty(t, form.Get("refresh_token"))
		return http.StatusBadRequest, []byte(strings.ReplaceAll(body, "MY_REFRESH_TOKEN", form.Get("refresh_token")))
	}
}

// expect is a token request the fake account service must receive next,
// and its answer.
type expect struct {
	form   url.Values
	answer answer
}

// accountServer is a fake account service. Every token request must carry
// the envelope of cfg (Basic auth, Accept, Content-Type, User-Agent, device
// id) and the form of the next expect; anything else fails the test.
type accountServer struct {
	*httptest.Server
	t   *testing.T
	cfg epic.Config

	mu       sync.Mutex
	queue    []expect
	requests int
}

func newAccountServer(t *testing.T, cfg epic.Config) *accountServer {
	s := &accountServer{t: t, cfg: cfg}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// config is s.cfg pointed at the fake service.
func (s *accountServer) config(clock epicoauth.Clock) *epic.Config {
	c := s.cfg
	c.Endpoint = oauth2.Endpoint{TokenURL: s.URL + tokenPath, AuthStyle: oauth2.AuthStyleInHeader}
	c.Clock = clock
	return &c
}

func (s *accountServer) expect(e ...expect) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, e...)
}

// done reports the requests served so far and checks none is still expected.
func (s *accountServer) done() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Empty(s.t, s.queue, "expected requests that never came")
	return s.requests
}

func (s *accountServer) serve(w http.ResponseWriter, r *http.Request) {
	t := s.t
	if r.URL.Path == "/api/ping" { // a resource API for Client tests
		w.Header().Set("X-Authorization", r.Header.Get("Authorization"))
		return
	}
	s.mu.Lock()
	s.requests++
	var next expect
	if len(s.queue) > 0 {
		next, s.queue = s.queue[0], s.queue[1:]
	}
	s.mu.Unlock()

	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, tokenPath, r.URL.Path)
	assert.Empty(t, r.URL.RawQuery)
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	wantUA := s.cfg.UserAgent
	if wantUA == "" {
		wantUA = epicoauth.DefaultUserAgent
	}
	assert.Equal(t, wantUA, r.Header.Get("User-Agent"))
	assert.Equal(t, s.cfg.DeviceID, r.Header.Get(epicoauth.DeviceIDHeader))
	assert.Equal(t, s.cfg.DeviceID != "", len(r.Header.Values(epicoauth.DeviceIDHeader)) == 1)
	user, pass, basic := r.BasicAuth()
	assert.True(t, basic, "Basic auth")
	assert.Equal(t, s.cfg.ClientID, user)
	assert.Equal(t, s.cfg.ClientSecret, pass)
	assert.NoError(t, r.ParseForm())

	if next.answer == nil {
		t.Errorf("unexpected token request %v", r.PostForm)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	assert.Equal(t, next.form, r.PostForm, "form body")
	status, body := next.answer(r.PostForm)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// withOptions is form plus the option fields, written out by hand: optionsConfig
// adds exactly these to every token request, plainConfig none.
func withOptions(cfg epic.Config, form url.Values) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	if cfg == optionsConfig {
		out["token_type"] = []string{"eg1"}
		out["includePerms"] = []string{"true"}
		out["deployment_id"] = []string{"62a9473a2dca46b29ccf17577fcf42d7"}
	}
	return out
}

var (
	plainConfig   = epic.Config{ClientID: clientID, ClientSecret: clientSecret}
	optionsConfig = epic.Config{
		ClientID: clientID, ClientSecret: clientSecret,
		TokenType: "eg1", IncludePerms: true,
		DeploymentID: "62a9473a2dca46b29ccf17577fcf42d7",
		DeviceID:     "63e3b71af76e4fc48841b92c5eb3d69d",
		UserAgent:    "UELauncher/14.5.0-23755863+++Portal+Release-Live Windows/10.0.19044.1.768.64bit",
	}
	configs = []struct {
		name string
		cfg  epic.Config
	}{{"defaults", plainConfig}, {"eg1 perms deployment device", optionsConfig}}
)

func TestConfigTokenSendsEachGrant(t *testing.T) {
	const (
		code     = "dddddddddddddddddddddddddddddddd"
		verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	)
	tests := []struct {
		name    string
		grant   epic.Grant
		form    url.Values
		fixture string
	}{
		{"client_credentials", epic.ClientCredentials(), url.Values{"grant_type": {"client_credentials"}}, "account-token-client_credentials.json"},
		{"authorization_code", epic.AuthorizationCode(code), url.Values{"grant_type": {"authorization_code"}, "code": {code}}, "account-token-authorization_code.json"},
		{"authorization_code with PKCE", epic.AuthorizationCode(code, epic.CodeVerifier(verifier)), url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}}, "account-token-authorization_code.json"},
		{"exchange_code", epic.ExchangeCode("11111111111111111111111111111111"), url.Values{"grant_type": {"exchange_code"}, "exchange_code": {"11111111111111111111111111111111"}}, "account-token-exchange_code.json"},
		{"exchange_code with PKCE", epic.ExchangeCode("11111111111111111111111111111111", epic.CodeVerifier(verifier)), url.Values{"grant_type": {"exchange_code"}, "exchange_code": {"11111111111111111111111111111111"}, "code_verifier": {verifier}}, "account-token-exchange_code.json"},
		{"refresh_token", epic.RefreshToken("cccccccccccccccccccccccccccccccc"), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"cccccccccccccccccccccccccccccccc"}}, "account-token-exchange_code.json"},
		{"device_auth", epic.DeviceAuth{AccountID: "94b1569506b04f9f8557af611e8c5e47", DeviceID: "435b52ece6d347479531c5132e209e53", Secret: "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"},
			url.Values{"grant_type": {"device_auth"}, "account_id": {"94b1569506b04f9f8557af611e8c5e47"}, "device_id": {"435b52ece6d347479531c5132e209e53"}, "secret": {"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}}, "account-token-exchange_code.json"},
		{"device_code", epic.DeviceCode("UFBQUFBQUFBQUFBQUFBQUFBQUFAuVkZTQkJXOVc="), url.Values{"grant_type": {"device_code"}, "device_code": {"UFBQUFBQUFBQUFBQUFBQUFBQUFAuVkZTQkJXOVc="}}, "account-token-exchange_code.json"},
		{"external_auth", epic.ExternalAuth("steam_session_ticket", "140000006A7B3C9D"), url.Values{"grant_type": {"external_auth"}, "external_auth_type": {"steam_session_ticket"}, "external_auth_token": {"140000006A7B3C9D"}}, "account-token-exchange_code.json"},
		{"token_to_token", epic.TokenToToken("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), url.Values{"grant_type": {"token_to_token"}, "access_token": {"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}}, "account-token-exchange_code.json"},
		{"continuation_token", epic.ContinuationToken("33333333333333333333333333333333"), url.Values{"grant_type": {"continuation_token"}, "continuation_token": {"33333333333333333333333333333333"}}, "account-token-exchange_code.json"},
		{"custom grant", epicoauth.NewGrant("otp", url.Values{"otp": {"123456"}, "challenge": {"abcdef0123456789abcdef0123456789"}}, false),
			url.Values{"grant_type": {"otp"}, "otp": {"123456"}, "challenge": {"abcdef0123456789abcdef0123456789"}}, "account-token-exchange_code.json"},
	}
	for _, c := range configs {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				srv := newAccountServer(t, c.cfg)
				clock := epictest.NewClock(start)
				body := fixture(t, tt.fixture)
				srv.expect(expect{withOptions(c.cfg, tt.form), ok(body)})

				tok, err := srv.config(clock).Token(context.Background(), tt.grant)
				require.NoError(t, err)
				var raw map[string]any
				require.NoError(t, json.Unmarshal(body, &raw))
				assert.Equal(t, raw["access_token"], tok.AccessToken)
				assert.Equal(t, start.Add(time.Duration(raw["expires_in"].(float64))*time.Second), tok.Expiry)
				assert.Equal(t, 1, srv.done())
			})
		}
	}
}

// countingTransport counts the requests that go through it.
type countingTransport struct {
	mu   sync.Mutex
	n    int
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

func TestClient(t *testing.T) {
	srv := newAccountServer(t, optionsConfig)
	srv.expect(expect{withOptions(optionsConfig, url.Values{"grant_type": {"client_credentials"}}), ok(fixture(t, "account-token-client_credentials.json"))})
	tr := &countingTransport{base: srv.Client().Transport}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: tr})
	client := srv.config(epictest.NewClock(start)).Client(ctx, epic.ClientCredentials())

	for range 2 {
		resp, err := client.Get(srv.URL + "/api/ping")
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, "Bearer aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", resp.Header.Get("X-Authorization"))
	}
	assert.Equal(t, 1, srv.done(), "one token request for two API calls")
	assert.Equal(t, 3, tr.n, "token and API requests use the context's client")
}

func TestConfigDefaultsToTheAccountEndpoint(t *testing.T) {
	assert.Contains(t, epic.Config{}.String(), epicoauth.AccountEndpoint.TokenURL)
}

func TestConfigNeverShowsItsSecret(t *testing.T) {
	cfg := optionsConfig
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
			assert.Contains(t, out, clientID)
			assert.Contains(t, out, "[REDACTED]")
		})
	}
}

package epic_test

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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// fortnitePCGameClient, a public client the fact sheet lists.
const (
	clientID     = "ec684b8c687f479fadea3cb2ad83f5c6"
	clientSecret = "e1f31c211f28413186262d37a13fc84d"
	tokenPath    = "/account/api/oauth/token"
)

// start is the fake clock's first reading, near the fixtures' dates.
var start = time.Date(2023, 8, 30, 16, 29, 11, 0, time.UTC)

// fakeClock is an epicoauth.Clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error { c.Advance(d); return ctx.Err() }

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// fixtureWith returns a fixture with fields replaced or added.
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

func fail(status int, body []byte) answer {
	return func(url.Values) (int, []byte) { return status, body }
}

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

// withOptions is form plus the fields cfg adds to every token request.
func withOptions(cfg epic.Config, form url.Values) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	if cfg.TokenType != "" {
		out.Set("token_type", cfg.TokenType)
	}
	if cfg.IncludePerms {
		out.Set("includePerms", "true")
	}
	if cfg.DeploymentID != "" {
		out.Set("deployment_id", cfg.DeploymentID)
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
				clock := &fakeClock{now: start}
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

// step is one Token call on a source: how far the clock moves first, the
// requests it must send, and what it must return.
type step struct {
	advance    time.Duration
	expect     []expect
	wantAccess string // empty: an error
	wantLogin  bool   // the error matches epicoauth.ErrLoginRequired
	wantCode   string // the error carries an *epicoauth.Error with this code
}

// userToken is the exchange_code fixture with other tokens: Epic rotates
// the refresh token on every refresh.
func userToken(t *testing.T, access, refresh string) answer {
	return ok(fixtureWith(t, "account-token-exchange_code.json", map[string]any{"access_token": access, "refresh_token": refresh}))
}

func runSteps(t *testing.T, srv *accountServer, clock *fakeClock, ts oauth2.TokenSource, steps []step) {
	t.Helper()
	for i, st := range steps {
		clock.Advance(st.advance)
		before := srv.done()
		srv.expect(st.expect...)
		tok, err := ts.Token()
		assert.Equal(t, len(st.expect), srv.done()-before, "step %d: requests", i)
		if st.wantAccess != "" {
			require.NoError(t, err, "step %d", i)
			assert.Equal(t, st.wantAccess, tok.AccessToken, "step %d", i)
			continue
		}
		require.Error(t, err, "step %d", i)
		assert.Nil(t, tok)
		assert.Equal(t, st.wantLogin, errors.Is(err, epicoauth.ErrLoginRequired), "step %d: %v", i, err)
		var e *epicoauth.Error
		if st.wantCode != "" && assert.ErrorAs(t, err, &e, "step %d", i) {
			assert.Equal(t, st.wantCode, e.ErrorCode)
			// Epic echoes the rejected refresh token; the error must not.
			for _, ex := range st.expect {
				if rt := ex.form.Get("refresh_token"); rt != "" {
					assert.NotContains(t, err.Error(), rt)
					assert.NotContains(t, fmt.Sprintf("%+v", err), rt)
				}
			}
			assert.NotContains(t, err.Error(), clientSecret)
		}
	}
}

func TestTokenSource(t *testing.T) {
	cfg := optionsConfig
	opts := func(form url.Values) url.Values { return withOptions(cfg, form) }
	device := epic.DeviceAuth{AccountID: "94b1569506b04f9f8557af611e8c5e47", DeviceID: "435b52ece6d347479531c5132e209e53", Secret: "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}
	deviceForm := opts(url.Values{"grant_type": {"device_auth"}, "account_id": {device.AccountID}, "device_id": {device.DeviceID}, "secret": {device.Secret}})
	exchangeForm := opts(url.Values{"grant_type": {"exchange_code"}, "exchange_code": {"11111111111111111111111111111111"}})
	clientForm := opts(url.Values{"grant_type": {"client_credentials"}})
	refresh := func(rt string) url.Values {
		return opts(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	}
	const fixtureRT = "cccccccccccccccccccccccccccccccc"

	tests := []struct {
		name  string
		grant epic.Grant
		steps func(t *testing.T) []step
	}{
		{
			name: "client credentials: cached, then run again at expiry", grant: epic.ClientCredentials(),
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{clientForm, ok(fixture(t, "account-token-client_credentials.json"))}}, wantAccess: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
					{advance: time.Hour, wantAccess: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
					{advance: 3 * time.Hour, expect: []expect{{clientForm, ok(fixtureWith(t, "account-token-client_credentials.json", map[string]any{"access_token": "a2"}))}}, wantAccess: "a2"},
				}
			},
		},
		{
			name: "exchange code: cached until 10 s before expiry, then refresh with the same options, rotating", grant: epic.ExchangeCode("11111111111111111111111111111111"),
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{exchangeForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: 2*time.Hour - 11*time.Second, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: time.Second, expect: []expect{{refresh(fixtureRT), userToken(t, "at2", "rt2")}}, wantAccess: "at2"},
					{advance: 2 * time.Hour, expect: []expect{{refresh("rt2"), userToken(t, "at3", "rt3")}}, wantAccess: "at3"},
				}
			},
		},
		{
			name: "exchange code: refresh token expired by refresh_expires means login, without a request", grant: epic.ExchangeCode("11111111111111111111111111111111"),
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{exchangeForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: 8 * time.Hour, wantLogin: true},
				}
			},
		},
		{
			name: "device auth: refresh token expired runs the device auth again", grant: device,
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{deviceForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: 8 * time.Hour, expect: []expect{{deviceForm, userToken(t, "at2", "rt2")}}, wantAccess: "at2"},
				}
			},
		},
		{
			name: "device auth: rejected refresh runs the device auth again", grant: device,
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{deviceForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: 2 * time.Hour, expect: []expect{{refresh(fixtureRT), echoRefreshToken(t)}, {deviceForm, userToken(t, "at2", "rt2")}}, wantAccess: "at2"},
				}
			},
		},
		{
			name: "device auth deleted: login", grant: device,
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{deviceForm, fail(400, fixture(t, "reconstructed/error-invalid_account_credentials.json"))}}, wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidAccountCredentials},
				}
			},
		},
		{
			name: "exchange code: rejected refresh means login", grant: epic.ExchangeCode("11111111111111111111111111111111"),
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{exchangeForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: 2 * time.Hour, expect: []expect{{refresh(fixtureRT), echoRefreshToken(t)}}, wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidRefreshToken},
				}
			},
		},
		{
			name: "used exchange code on the first call means login, and no request after", grant: epic.ExchangeCode("11111111111111111111111111111111"),
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{exchangeForm, fail(400, fixture(t, "reconstructed/error-exchange_code_not_found.json"))}}, wantLogin: true, wantCode: epicoauth.ErrorCodeExchangeCodeNotFound},
					{wantLogin: true},
				}
			},
		},
		{
			name: "saved refresh token rejected on the first call means login", grant: epic.RefreshToken("eg1~saved-refresh-token-0123456789"),
			steps: func(t *testing.T) []step {
				form := opts(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"eg1~saved-refresh-token-0123456789"}})
				return []step{
					{expect: []expect{{form, echoRefreshToken(t)}}, wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidRefreshToken},
				}
			},
		},
		{
			name: "throttled first call is not a login problem and is tried again", grant: epic.ExchangeCode("11111111111111111111111111111111"),
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{exchangeForm, fail(429, fixture(t, "error-throttled.json"))}}, wantCode: epicoauth.ErrorCodeThrottled},
					{expect: []expect{{exchangeForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAccountServer(t, cfg)
			clock := &fakeClock{now: start}
			ts := srv.config(clock).TokenSource(context.Background(), tt.grant)
			runSteps(t, srv, clock, ts, tt.steps(t))
		})
	}
}

func TestResumeTokenSource(t *testing.T) {
	cfg := optionsConfig
	device := epic.DeviceAuth{AccountID: "94b1569506b04f9f8557af611e8c5e47", DeviceID: "435b52ece6d347479531c5132e209e53", Secret: "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}
	refreshForm := withOptions(cfg, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"cccccccccccccccccccccccccccccccc"}})
	deviceForm := withOptions(cfg, url.Values{"grant_type": {"device_auth"}, "account_id": {device.AccountID}, "device_id": {device.DeviceID}, "secret": {device.Secret}})

	// saved logs in once, as a program would before saving its token.
	saved := func(t *testing.T, viaJSON bool) *oauth2.Token {
		srv := newAccountServer(t, cfg)
		srv.expect(expect{withOptions(cfg, url.Values{"grant_type": {"exchange_code"}, "exchange_code": {"11111111111111111111111111111111"}}), ok(fixture(t, "account-token-exchange_code.json"))})
		tok, err := srv.config(&fakeClock{now: start}).Token(context.Background(), epic.ExchangeCode("11111111111111111111111111111111"))
		require.NoError(t, err)
		if !viaJSON {
			return tok
		}
		b, err := json.Marshal(tok)
		require.NoError(t, err)
		var back oauth2.Token
		require.NoError(t, json.Unmarshal(b, &back))
		return &back
	}

	tests := []struct {
		name     string
		viaJSON  bool
		fallback epic.Grant
		steps    func(t *testing.T) []step
	}{
		{
			name: "valid saved token is used without a request, then refreshed",
			steps: func(t *testing.T) []step {
				return []step{
					{advance: time.Hour, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: time.Hour, expect: []expect{{refreshForm, userToken(t, "at2", "rt2")}}, wantAccess: "at2"},
				}
			},
		},
		{
			name: "a token saved as JSON (no extras) resumes too", viaJSON: true,
			steps: func(t *testing.T) []step {
				return []step{
					{wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: 2 * time.Hour, expect: []expect{{refreshForm, userToken(t, "at2", "rt2")}}, wantAccess: "at2"},
				}
			},
		},
		{
			name: "refresh token expired while saved: login",
			steps: func(t *testing.T) []step {
				return []step{{advance: 9 * time.Hour, wantLogin: true}}
			},
		},
		{
			name: "refresh rejected: login",
			steps: func(t *testing.T) []step {
				return []step{{advance: 2 * time.Hour, expect: []expect{{refreshForm, echoRefreshToken(t)}}, wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidRefreshToken}}
			},
		},
		{
			name: "refresh rejected: the fallback device auth logs in", fallback: device,
			steps: func(t *testing.T) []step {
				return []step{{advance: 2 * time.Hour, expect: []expect{{refreshForm, echoRefreshToken(t)}, {deviceForm, userToken(t, "at2", "rt2")}}, wantAccess: "at2"}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := saved(t, tt.viaJSON)
			srv := newAccountServer(t, cfg)
			clock := &fakeClock{now: start}
			ts := srv.config(clock).ResumeTokenSource(context.Background(), tok, tt.fallback)
			runSteps(t, srv, clock, ts, tt.steps(t))
		})
	}
}

func TestTokenSourceConcurrentCallsShareOneRequest(t *testing.T) {
	const callers = 50
	srv := newAccountServer(t, plainConfig)
	arrived, release := make(chan struct{}), make(chan struct{})
	srv.expect(expect{url.Values{"grant_type": {"client_credentials"}}, func(url.Values) (int, []byte) {
		close(arrived)
		<-release // hold the answer until every caller is waiting
		return http.StatusOK, fixture(t, "account-token-client_credentials.json")
	}})
	ts := srv.config(&fakeClock{now: start}).TokenSource(context.Background(), epic.ClientCredentials())

	var started sync.WaitGroup
	started.Add(callers)
	type result struct {
		tok *oauth2.Token
		err error
	}
	results := make(chan result, callers)
	for range callers {
		go func() {
			started.Done()
			tok, err := ts.Token()
			results <- result{tok, err}
		}()
	}
	<-arrived
	started.Wait()
	close(release)
	for range callers {
		r := <-results
		require.NoError(t, r.err)
		assert.Equal(t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", r.tok.AccessToken)
	}
	assert.Equal(t, 1, srv.done())
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
	client := srv.config(&fakeClock{now: start}).Client(ctx, epic.ClientCredentials())

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

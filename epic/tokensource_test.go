package epic_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

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
					// The engine honours RetryAfter: no new request before it has passed.
					{advance: 5588 * time.Second, expect: []expect{{exchangeForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
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
					// The engine honours RetryAfter: no new request before it has passed.
					{advance: 5588 * time.Second, expect: []expect{{exchangeForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
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
			name: "device auth: refresh_expires_in is honoured too", grant: device,
			steps: func(t *testing.T) []step {
				first := ok(fixtureWith(t, "account-token-exchange_code.json", map[string]any{"refresh_expires": nil, "refresh_expires_in": 3600}))
				return []step{
					{expect: []expect{{deviceForm, first}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: 2 * time.Hour, expect: []expect{{deviceForm, userToken(t, "at2", "rt2")}}, wantAccess: "at2"},
				}
			},
		},
		{
			name: "device auth: refresh_expires_at is the fallback", grant: device,
			steps: func(t *testing.T) []step {
				first := ok(fixtureWith(t, "account-token-exchange_code.json", map[string]any{"refresh_expires": nil, "refresh_expires_at": start.Add(time.Hour).Format(time.RFC3339)}))
				return []step{
					{expect: []expect{{deviceForm, first}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: 2 * time.Hour, expect: []expect{{deviceForm, userToken(t, "at2", "rt2")}}, wantAccess: "at2"},
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
					// The engine honours RetryAfter: no new request before it has passed.
					{advance: 5588 * time.Second, expect: []expect{{exchangeForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
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
					// The engine honours RetryAfter: no new request before it has passed.
					{advance: 5588 * time.Second, expect: []expect{{exchangeForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
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

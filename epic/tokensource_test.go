package epic_test

import (
	"context"
	"errors"
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
	"github.com/epicoauth/epicoauth/epictest"
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

func runSteps(t *testing.T, srv *accountServer, clock *epictest.Clock, ts oauth2.TokenSource, steps []step) {
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
		assertFailure(t, i, tok, err, st.wantLogin, st.wantCode)
		// Epic echoes the rejected refresh token; the error must not.
		secrets := []string{clientSecret}
		for _, ex := range st.expect {
			if rt := ex.form.Get("refresh_token"); rt != "" {
				secrets = append(secrets, rt)
			}
		}
		requireNoSecret(t, err, secrets...)
	}
}

// assertFailure checks the failed Token call of step i: no token, whether
// the error asks for a new login, and Epic's error code in it (none when
// wantCode is empty: the source failed without asking Epic).
func assertFailure(t *testing.T, i int, tok *oauth2.Token, err error, wantLogin bool, wantCode string) {
	t.Helper()
	require.Error(t, err, "step %d", i)
	assert.Nil(t, tok, "step %d", i)
	assert.Equal(t, wantLogin, errors.Is(err, epicoauth.ErrLoginRequired), "step %d: %v", i, err)
	var e *epicoauth.Error
	if wantCode == "" {
		assert.False(t, errors.As(err, &e), "step %d: no answer of Epic expected: %v", i, err)
		return
	}
	requireEpicError(t, err, 0, wantCode)
}

// TestTokenSourceRequests pins the bytes of the requests a source sends as
// it renews, and how it reads the lifetime fields of Epic's recorded
// payloads; TestTokenSourceOnFake covers the renewal decisions.
func TestTokenSourceRequests(t *testing.T) {
	cfg := optionsConfig
	opts := func(form url.Values) url.Values { return withOptions(cfg, form) }
	device := epic.DeviceAuth{AccountID: "94b1569506b04f9f8557af611e8c5e47", DeviceID: "435b52ece6d347479531c5132e209e53", Secret: "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}
	deviceForm := opts(url.Values{"grant_type": {"device_auth"}, "account_id": {device.AccountID}, "device_id": {device.DeviceID}, "secret": {device.Secret}})
	exchangeForm := opts(url.Values{"grant_type": {"exchange_code"}, "exchange_code": {"11111111111111111111111111111111"}})
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
			name: "exchange code: refreshed with the same options, rotating", grant: epic.ExchangeCode("11111111111111111111111111111111"),
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{exchangeForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					// Cached until the early-refresh window (5 min) opens
					// before the token's usable life ends (10 s before
					// expiry); the steps skip the window, where renewal
					// runs in the background.
					{advance: 2*time.Hour - 10*time.Second - 5*time.Minute - time.Second, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: 5*time.Minute + time.Second, expect: []expect{{refresh(fixtureRT), userToken(t, "at2", "rt2")}}, wantAccess: "at2"},
					{advance: 2 * time.Hour, expect: []expect{{refresh("rt2"), userToken(t, "at3", "rt3")}}, wantAccess: "at3"},
				}
			},
		},
		{
			name: "device auth: refresh token expired by refresh_expires runs the device auth again", grant: device,
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
			name: "device auth: Epic's recorded rejection of a refresh, echoing the token, runs the device auth again", grant: device,
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{deviceForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: 2 * time.Hour, expect: []expect{{refresh(fixtureRT), echoRefreshToken(t)}, {deviceForm, userToken(t, "at2", "rt2")}}, wantAccess: "at2"},
				}
			},
		},
		{
			name: "exchange code: Epic's recorded rejection of a refresh, echoing the token, means login", grant: epic.ExchangeCode("11111111111111111111111111111111"),
			steps: func(t *testing.T) []step {
				return []step{
					{expect: []expect{{exchangeForm, ok(fixture(t, "account-token-exchange_code.json"))}}, wantAccess: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
					{advance: 2 * time.Hour, expect: []expect{{refresh(fixtureRT), echoRefreshToken(t)}}, wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidRefreshToken},
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAccountServer(t, cfg)
			clock := epictest.NewClock(start)
			ts := srv.config(clock).TokenSource(context.Background(), tt.grant)
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
	ts := srv.config(epictest.NewClock(start)).TokenSource(context.Background(), epic.ClientCredentials())

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

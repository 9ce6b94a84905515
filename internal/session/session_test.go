package session

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/wire"
)

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

// request is what the fake fetch was asked to send.
type request struct {
	grantType string
	params    url.Values
}

// reply answers one request; tokens are stamped with the time they arrive.
type reply func(now time.Time) (*oauth2.Token, error)

// userToken is an account-service user token: 2 h access, 8 h refresh
// (refresh_expires, as in the exchange_code fixture).
func userToken(access, refresh string) reply {
	return func(now time.Time) (*oauth2.Token, error) {
		body := fmt.Sprintf(`{"access_token":%q,"expires_in":7200,"token_type":"bearer","refresh_token":%q,"refresh_expires":28800,"account_id":"94b1569506b04f9f8557af611e8c5e47"}`, access, refresh)
		tok, problem, _ := wire.ParseToken([]byte(body), now)
		if problem != "" {
			panic(problem)
		}
		return tok, nil
	}
}

// clientToken is a client_credentials token: no refresh token.
func clientToken(access string) reply {
	return func(now time.Time) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: access, TokenType: "bearer", Expiry: now.Add(4 * time.Hour), ExpiresIn: 14400}, nil
	}
}

// accessOnly is a refresh response without a refresh token.
func accessOnly(access string) reply {
	return func(now time.Time) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: access, Expiry: now.Add(2 * time.Hour), ExpiresIn: 7200}, nil
	}
}

func epicError(status int, code, oauthErr string) reply {
	return func(time.Time) (*oauth2.Token, error) {
		return nil, &epicoauth.Error{StatusCode: status, ErrorCode: code, OAuthError: oauthErr}
	}
}

var (
	invalidRefresh = epicError(400, epicoauth.ErrorCodeInvalidRefreshToken, "invalid_grant")
	throttled      = epicError(429, epicoauth.ErrorCodeThrottled, "")
	badCredentials = epicError(400, epicoauth.ErrorCodeInvalidAccountCredentials, "invalid_grant")
	usedCode       = epicError(400, epicoauth.ErrorCodeExchangeCodeNotFound, "invalid_grant")
)

// Requests the cases expect.
var (
	deviceAuth      = epicoauth.NewGrant("device_auth", url.Values{"account_id": {"a"}, "device_id": {"d"}, "secret": {"s"}}, true)
	exchangeCode    = epicoauth.NewGrant("exchange_code", url.Values{"exchange_code": {"11111111111111111111111111111111"}}, false)
	clientCreds     = epicoauth.NewGrant("client_credentials", nil, true)
	runDeviceAuth   = request{"device_auth", url.Values{"account_id": {"a"}, "device_id": {"d"}, "secret": {"s"}}}
	runExchangeCode = request{"exchange_code", url.Values{"exchange_code": {"11111111111111111111111111111111"}}}
	runClientCreds  = request{"client_credentials", url.Values{}}
)

func refresh(rt string) request {
	return request{"refresh_token", url.Values{"refresh_token": {rt}}}
}

// step is one TokenContext call: how far the clock moves first, the requests
// it must send with their replies, and what it must return.
type step struct {
	advance    time.Duration
	requests   []request
	replies    []reply
	wantAccess string // empty: an error
	wantLogin  bool   // the error matches epicoauth.ErrLoginRequired
	wantCode   string // the error carries an *epicoauth.Error with this code
}

func TestSource(t *testing.T) {
	saved, _ := userToken("saved-access", "saved-refresh")(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	savedNoRefresh := &oauth2.Token{AccessToken: "saved-access", Expiry: time.Date(2025, 1, 1, 14, 0, 0, 0, time.UTC)}

	tests := []struct {
		name  string
		grant epicoauth.Grant
		saved *oauth2.Token
		steps []step
	}{
		{
			name: "grant first, then refresh with rotation", grant: exchangeCode,
			steps: []step{
				{requests: []request{runExchangeCode}, replies: []reply{userToken("at1", "rt1")}, wantAccess: "at1"},
				{advance: 2 * time.Hour, requests: []request{refresh("rt1")}, replies: []reply{userToken("at2", "rt2")}, wantAccess: "at2"},
				{advance: 2 * time.Hour, requests: []request{refresh("rt2")}, replies: []reply{userToken("at3", "rt3")}, wantAccess: "at3"},
			},
		},
		{
			name: "a refresh without a refresh token keeps the old one", grant: exchangeCode,
			steps: []step{
				{requests: []request{runExchangeCode}, replies: []reply{userToken("at1", "rt1")}, wantAccess: "at1"},
				{requests: []request{refresh("rt1")}, replies: []reply{accessOnly("at2")}, wantAccess: "at2"},
				{requests: []request{refresh("rt1")}, replies: []reply{accessOnly("at3")}, wantAccess: "at3"},
			},
		},
		{
			name: "client credentials run again, having no refresh token", grant: clientCreds,
			steps: []step{
				{requests: []request{runClientCreds}, replies: []reply{clientToken("c1")}, wantAccess: "c1"},
				{advance: 4 * time.Hour, requests: []request{runClientCreds}, replies: []reply{clientToken("c2")}, wantAccess: "c2"},
			},
		},
		{
			name: "expired refresh token: a repeatable grant runs again without trying it", grant: deviceAuth,
			steps: []step{
				{requests: []request{runDeviceAuth}, replies: []reply{userToken("at1", "rt1")}, wantAccess: "at1"},
				{advance: 8 * time.Hour, requests: []request{runDeviceAuth}, replies: []reply{userToken("at2", "rt2")}, wantAccess: "at2"},
			},
		},
		{
			name: "expired refresh token: a used exchange code means login", grant: exchangeCode,
			steps: []step{
				{requests: []request{runExchangeCode}, replies: []reply{userToken("at1", "rt1")}, wantAccess: "at1"},
				{advance: 8 * time.Hour, wantLogin: true},
			},
		},
		{
			name: "refresh token valid one second before its expiry", grant: exchangeCode,
			steps: []step{
				{requests: []request{runExchangeCode}, replies: []reply{userToken("at1", "rt1")}, wantAccess: "at1"},
				{advance: 8*time.Hour - time.Second, requests: []request{refresh("rt1")}, replies: []reply{userToken("at2", "rt2")}, wantAccess: "at2"},
			},
		},
		{
			name: "rejected refresh: a repeatable grant runs again", grant: deviceAuth,
			steps: []step{
				{requests: []request{runDeviceAuth}, replies: []reply{userToken("at1", "rt1")}, wantAccess: "at1"},
				{requests: []request{refresh("rt1"), runDeviceAuth}, replies: []reply{invalidRefresh, userToken("at2", "rt2")}, wantAccess: "at2"},
			},
		},
		{
			name: "rejected refresh: a used exchange code means login", grant: exchangeCode,
			steps: []step{
				{requests: []request{runExchangeCode}, replies: []reply{userToken("at1", "rt1")}, wantAccess: "at1"},
				{requests: []request{refresh("rt1")}, replies: []reply{invalidRefresh}, wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidRefreshToken},
			},
		},
		{
			name: "rejected refresh, then the device auth too", grant: deviceAuth,
			steps: []step{
				{requests: []request{runDeviceAuth}, replies: []reply{userToken("at1", "rt1")}, wantAccess: "at1"},
				{requests: []request{refresh("rt1"), runDeviceAuth}, replies: []reply{invalidRefresh, badCredentials}, wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidAccountCredentials},
			},
		},
		{
			name: "temporary refresh failure keeps the session", grant: exchangeCode,
			steps: []step{
				{requests: []request{runExchangeCode}, replies: []reply{userToken("at1", "rt1")}, wantAccess: "at1"},
				{requests: []request{refresh("rt1")}, replies: []reply{throttled}, wantCode: epicoauth.ErrorCodeThrottled},
				{requests: []request{refresh("rt1")}, replies: []reply{userToken("at2", "rt2")}, wantAccess: "at2"},
			},
		},
		{
			name: "first grant rejected, then no more requests", grant: exchangeCode,
			steps: []step{
				{requests: []request{runExchangeCode}, replies: []reply{usedCode}, wantLogin: true, wantCode: epicoauth.ErrorCodeExchangeCodeNotFound},
				// No request, and the error still says why.
				{wantLogin: true, wantCode: epicoauth.ErrorCodeExchangeCodeNotFound},
			},
		},
		{
			name: "first grant failing temporarily is tried again", grant: exchangeCode,
			steps: []step{
				{requests: []request{runExchangeCode}, replies: []reply{throttled}, wantCode: epicoauth.ErrorCodeThrottled},
				{requests: []request{runExchangeCode}, replies: []reply{userToken("at1", "rt1")}, wantAccess: "at1"},
			},
		},
		{
			name: "resumed: refresh with the saved token", saved: saved,
			steps: []step{
				{requests: []request{refresh("saved-refresh")}, replies: []reply{userToken("at1", "rt1")}, wantAccess: "at1"},
				{requests: []request{refresh("rt1")}, replies: []reply{invalidRefresh}, wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidRefreshToken},
			},
		},
		{
			name: "resumed: refresh rejected, fallback device auth", saved: saved, grant: deviceAuth,
			steps: []step{
				{requests: []request{refresh("saved-refresh"), runDeviceAuth}, replies: []reply{invalidRefresh, userToken("at1", "rt1")}, wantAccess: "at1"},
			},
		},
		{
			name: "resumed: fallback exchange code runs once", saved: saved, grant: exchangeCode,
			steps: []step{
				{requests: []request{refresh("saved-refresh"), runExchangeCode}, replies: []reply{invalidRefresh, accessOnly("at1")}, wantAccess: "at1"},
				{wantLogin: true},
			},
		},
		{
			name: "resumed without a refresh token or grant", saved: savedNoRefresh,
			steps: []step{{wantLogin: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}
			var got []request
			var replies []reply
			fetch := func(_ context.Context, grantType string, params url.Values) (*oauth2.Token, error) {
				got = append(got, request{grantType, params})
				require.NotEmpty(t, replies, "unexpected request %s %v", grantType, params)
				r := replies[0]
				replies = replies[1:]
				return r(clock.Now())
			}
			src := New(fetch, tt.grant, tt.saved, clock)
			for i, st := range tt.steps {
				clock.Advance(st.advance)
				got, replies = nil, st.replies
				tok, err := src.TokenContext(context.Background())
				assert.Equal(t, st.requests, got, "step %d requests", i)
				assert.Empty(t, replies, "step %d: replies left", i)
				if st.wantAccess != "" {
					require.NoError(t, err, "step %d", i)
					assert.Equal(t, st.wantAccess, tok.AccessToken, "step %d", i)
					continue
				}
				require.Error(t, err, "step %d", i)
				assert.Nil(t, tok)
				assert.Equal(t, st.wantLogin, errors.Is(err, epicoauth.ErrLoginRequired), "step %d: %v", i, err)
				var e *epicoauth.Error
				if st.wantCode == "" {
					assert.False(t, errors.As(err, &e), "step %d: %v", i, err)
				} else if assert.True(t, errors.As(err, &e), "step %d: %v", i, err) {
					assert.Equal(t, st.wantCode, e.ErrorCode, "step %d", i)
				}
			}
		})
	}
}

func TestSourceKeepsTheRefreshTokenAcrossAnAccessOnlyReply(t *testing.T) {
	clock := &fakeClock{now: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}
	first, _ := userToken("at1", "rt1")(clock.Now())
	src := New(func(context.Context, string, url.Values) (*oauth2.Token, error) {
		return accessOnly("at2")(clock.Now())
	}, nil, first, clock)
	tok, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at2", tok.AccessToken)
	assert.Equal(t, "rt1", tok.RefreshToken)
	assert.Equal(t, "at1", first.AccessToken, "the saved token is not modified")
}

// failingGrant cannot produce its fields, like an ExternalAuthFrom whose
// source fails.
type failingGrant struct{}

func (failingGrant) GrantType() string { return "external_auth" }
func (failingGrant) Repeatable() bool  { return true }
func (failingGrant) Params(context.Context) (url.Values, error) {
	return nil, errors.New("steam ticket unavailable")
}

func TestSourceGrantParamsError(t *testing.T) {
	src := New(func(context.Context, string, url.Values) (*oauth2.Token, error) {
		t.Fatal("no request may be sent")
		return nil, nil
	}, failingGrant{}, nil, nil)
	_, err := src.Token()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "external_auth grant: steam ticket unavailable")
	assert.False(t, errors.Is(err, epicoauth.ErrLoginRequired))
}

// The SessionRenewer steps a TokenSource with a shared store takes: a
// refresh from the token it chooses (never the grant), and a login that
// runs the grant only when it may run.
func TestSourceRenewerSteps(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	other, _ := userToken("other-access", "other-refresh")(now)
	expired, _ := userToken("old-access", "old-refresh")(now.Add(-9 * time.Hour))
	noRefresh := &oauth2.Token{AccessToken: "x", Expiry: now.Add(time.Hour)}
	cause := &epicoauth.Error{StatusCode: 400, ErrorCode: epicoauth.ErrorCodeInvalidRefreshToken}

	tests := []struct {
		name       string
		grant      epicoauth.Grant
		step       func(*Source) (*oauth2.Token, error)
		requests   []request
		replies    []reply
		wantAccess string
		wantCause  error // the error must match it (and ErrLoginRequired)
	}{
		{"refresh from another holder's token", deviceAuth,
			func(s *Source) (*oauth2.Token, error) { return s.RefreshFrom(context.Background(), other) },
			[]request{refresh("other-refresh")}, []reply{userToken("at1", "rt1")}, "at1", nil},
		{"a rejected refresh never runs the grant", deviceAuth,
			func(s *Source) (*oauth2.Token, error) { return s.RefreshFrom(context.Background(), other) },
			[]request{refresh("other-refresh")}, []reply{invalidRefresh}, "", epicoauth.ErrLoginRequired},
		{"an expired refresh token is not sent", deviceAuth,
			func(s *Source) (*oauth2.Token, error) { return s.RefreshFrom(context.Background(), expired) },
			nil, nil, "", epicoauth.ErrLoginRequired},
		{"no refresh token", deviceAuth,
			func(s *Source) (*oauth2.Token, error) { return s.RefreshFrom(context.Background(), noRefresh) },
			nil, nil, "", epicoauth.ErrLoginRequired},
		{"login runs a repeatable grant", deviceAuth,
			func(s *Source) (*oauth2.Token, error) { return s.Login(context.Background(), cause) },
			[]request{runDeviceAuth}, []reply{userToken("at1", "rt1")}, "at1", nil},
		{"login without a grant says why", nil,
			func(s *Source) (*oauth2.Token, error) { return s.Login(context.Background(), cause) },
			nil, nil, "", cause},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []request
			replies := tt.replies
			fetch := func(_ context.Context, grantType string, params url.Values) (*oauth2.Token, error) {
				got = append(got, request{grantType, params})
				require.NotEmpty(t, replies, "unexpected request %s", grantType)
				r := replies[0]
				replies = replies[1:]
				return r(now)
			}
			src := New(fetch, tt.grant, nil, &fakeClock{now: now})
			tok, err := tt.step(src)
			assert.Equal(t, tt.requests, got)
			if tt.wantAccess == "" {
				assert.ErrorIs(t, err, epicoauth.ErrLoginRequired)
				assert.ErrorIs(t, err, tt.wantCause)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantAccess, tok.AccessToken)

			// The next plain request continues from the new token.
			got, replies = nil, []reply{userToken("at2", "rt2")}
			_, err = src.Token()
			require.NoError(t, err)
			assert.Equal(t, []request{refresh("rt1")}, got)
		})
	}
}

package epic_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// The account-session flows against epictest, the fake of Epic's services:
// each flow end to end through the fake's state (codes, sessions, device
// auths, permissions) and its clock. The httptest tests beside these pin
// the exact bytes of each request; these check that the library and the
// fake agree on the protocol.

// fakeEpic is an epictest server with one account, alice, and a Config for
// its default client that shares the server's clock.
type fakeEpic struct {
	srv    *epictest.Server
	clock  *epictest.Clock
	client epictest.Client
	alice  epictest.Account
	cfg    *epic.Config
	ctx    context.Context
}

func newFakeEpic(t *testing.T) *fakeEpic {
	t.Helper()
	srv := epictest.NewServer(nil)
	t.Cleanup(srv.Close)
	f := &fakeEpic{srv: srv, clock: srv.Clock(), client: srv.DefaultClient(), ctx: context.Background()}
	f.alice = srv.AddAccount(epictest.Account{DisplayName: "alice"})
	f.cfg = srv.EpicConfig(f.client)
	return f
}

// login logs alice in with cfg and an exchange code the fake mints.
func (f *fakeEpic) login(t *testing.T, cfg *epic.Config) *oauth2.Token {
	t.Helper()
	tok, err := cfg.Token(f.ctx, epic.ExchangeCode(f.srv.NewExchangeCode(f.alice.ID, cfg.ClientID)))
	require.NoError(t, err)
	return tok
}

// alive reports whether the fake still accepts tok's access token.
func (f *fakeEpic) alive(t *testing.T, tok *oauth2.Token) bool {
	t.Helper()
	info, err := f.cfg.Introspect(f.ctx, tok)
	require.NoError(t, err)
	return info.Active
}

// polls returns the time (from start) and HTTP status of each device_code
// poll the fake received.
func (f *fakeEpic) polls(start time.Time) (times []time.Duration, statuses []int) {
	for _, r := range f.srv.Requests() {
		if r.GrantType == "device_code" {
			times = append(times, r.Time.Sub(start))
			statuses = append(statuses, r.Status)
		}
	}
	return times, statuses
}

// every returns n multiples of d: d, 2d ... nd.
func every(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * d
	}
	return out
}

func TestDeviceCodeLoginOnFake(t *testing.T) {
	const s = time.Second
	for _, tc := range []struct {
		name string
		// before runs before DeviceAuthorization; after runs once it
		// answered and returns the Config that polls (nil: f.cfg).
		before       func(f *fakeEpic)
		after        func(t *testing.T, f *fakeEpic, da *oauth2.DeviceAuthResponse) *epic.Config
		wantPolls    []time.Duration
		wantStatuses []int // nil: not checked
		wantCode     string
		wantErr      error
	}{
		{
			name:         "approved after two pending polls",
			before:       func(f *fakeEpic) { f.srv.AutoApproveDeviceCodes(f.alice.ID, 2) },
			wantPolls:    every(10*s, 3),
			wantStatuses: []int{400, 400, 200},
		},
		{
			// The program polls faster than the server's interval; the
			// answer's messageVars ("10") set the next wait.
			name:   "slow_down",
			before: func(f *fakeEpic) { f.srv.AutoApproveDeviceCodes(f.alice.ID, 2) },
			after: func(_ *testing.T, _ *fakeEpic, da *oauth2.DeviceAuthResponse) *epic.Config {
				da.Interval = 1
				return nil
			},
			wantPolls:    []time.Duration{1 * s, 2 * s, 12 * s, 22 * s},
			wantStatuses: []int{400, 400, 400, 200},
		},
		{
			name:      "expired after the 600 s lifetime, seen by the program",
			wantPolls: every(10*s, 59),
			wantErr:   epic.ErrDeviceCodeExpired,
		},
		{
			name: "expired after the 600 s lifetime, said by the server",
			after: func(_ *testing.T, _ *fakeEpic, da *oauth2.DeviceAuthResponse) *epic.Config {
				da.Expiry = time.Time{} // the program does not know when
				return nil
			},
			wantPolls: every(10*s, 60),
			wantCode:  epicoauth.ErrorCodeNotFound,
			wantErr:   epic.ErrDeviceCodeExpired,
		},
		{
			name: "cancelled on the server",
			after: func(t *testing.T, f *fakeEpic, da *oauth2.DeviceAuthResponse) *epic.Config {
				require.NoError(t, f.cfg.CancelDeviceAuthorization(f.ctx, da))
				assert.ErrorIs(t, f.srv.ApproveDeviceCode(da.UserCode, f.alice.ID), epictest.ErrNoDeviceCode)
				return nil
			},
			wantPolls:    []time.Duration{10 * s},
			wantStatuses: []int{400},
			wantCode:     epicoauth.ErrorCodeNotFound,
			wantErr:      epic.ErrDeviceCodeExpired,
		},
		{
			name: "polled by another client",
			after: func(_ *testing.T, f *fakeEpic, da *oauth2.DeviceAuthResponse) *epic.Config {
				require.NoError(t, f.srv.ApproveDeviceCode(da.UserCode, f.alice.ID))
				return f.srv.EpicConfig(f.srv.AddClient(epictest.Client{}))
			},
			wantPolls: []time.Duration{10 * s},
			wantCode:  epicoauth.ErrorCodeInvalidToken,
		},
		{
			name: "polled by a client not allowed the grant",
			after: func(_ *testing.T, f *fakeEpic, _ *oauth2.DeviceAuthResponse) *epic.Config {
				return f.srv.EpicConfig(f.srv.AddClient(epictest.Client{Grants: []string{"client_credentials", "refresh_token"}}))
			},
			wantPolls: []time.Duration{10 * s},
			wantCode:  epicoauth.ErrorCodeUnauthorizedClient,
		},
		{
			name: "corrective action",
			before: func(f *fakeEpic) {
				f.srv.AutoApproveDeviceCodes(f.alice.ID, 1)
				f.srv.SetCorrectiveAction(f.alice.ID, "DATE_OF_BIRTH")
			},
			wantPolls:    every(10*s, 2),
			wantStatuses: []int{400, 400},
			wantCode:     epicoauth.ErrorCodeCorrectiveActionRequired,
		},
		{
			name:   "throttled poll waits Retry-After",
			before: func(f *fakeEpic) { f.srv.AutoApproveDeviceCodes(f.alice.ID, 1) },
			after: func(_ *testing.T, f *fakeEpic, _ *oauth2.DeviceAuthResponse) *epic.Config {
				f.srv.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: 30 * s, Path: epictest.AccountTokenPath})
				return nil
			},
			wantPolls:    []time.Duration{10 * s, 40 * s, 50 * s},
			wantStatuses: []int{429, 400, 200},
		},
		{
			name: "server error is waited through",
			after: func(_ *testing.T, f *fakeEpic, da *oauth2.DeviceAuthResponse) *epic.Config {
				f.srv.Inject(epictest.Fault{Kind: epictest.ServerError, Status: 503, Path: epictest.AccountTokenPath})
				require.NoError(t, f.srv.ApproveDeviceCode(da.UserCode, f.alice.ID))
				return nil
			},
			wantPolls:    every(10*s, 2),
			wantStatuses: []int{503, 200},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEpic(t)
			if tc.before != nil {
				tc.before(f)
			}
			da, err := f.cfg.DeviceAuthorization(f.ctx)
			require.NoError(t, err)
			start := f.clock.Now()
			assert.Equal(t, start.Add(600*s), da.Expiry)
			assert.Equal(t, int64(10), da.Interval)
			assert.Equal(t, da.VerificationURI+"?userCode="+da.UserCode, da.VerificationURIComplete)
			poller := f.cfg
			if tc.after != nil {
				if c := tc.after(t, f, da); c != nil {
					poller = c
				}
			}

			tok, err := poller.DeviceAccessToken(f.ctx, da)

			times, statuses := f.polls(start)
			assert.Equal(t, tc.wantPolls, times)
			if tc.wantStatuses != nil {
				assert.Equal(t, tc.wantStatuses, statuses)
			}
			if tc.wantCode == "" && tc.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, f.alice.ID, epic.AccountID(tok))
				assert.Equal(t, "alice", epic.DisplayName(tok))
				return
			}
			require.Nil(t, tok)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
			} else {
				assert.NotErrorIs(t, err, epic.ErrDeviceCodeExpired)
			}
			var e *epicoauth.Error
			if tc.wantCode == "" {
				assert.False(t, errors.As(err, &e), "no answer of Epic to report: %v", err)
			} else {
				requireEpicError(t, err, 0, tc.wantCode)
			}
			requireNoSecret(t, err, da.DeviceCode, f.client.Secret)
		})
	}
}

func TestDeviceAccessTokenCorrectiveActionOnFake(t *testing.T) {
	f := newFakeEpic(t)
	f.srv.SetCorrectiveAction(f.alice.ID, "PRIVACY_POLICY_ACCEPTANCE")
	da, err := f.cfg.DeviceAuthorization(f.ctx)
	require.NoError(t, err)
	require.NoError(t, f.srv.ApproveDeviceCode(da.UserCode, f.alice.ID))

	_, err = f.cfg.DeviceAccessToken(f.ctx, da)

	e := requireEpicError(t, err, 400, epicoauth.ErrorCodeCorrectiveActionRequired)
	assert.Equal(t, "PRIVACY_POLICY_ACCEPTANCE", e.CorrectiveAction)
	assert.Equal(t, f.srv.URL+"/id/continue?continuation="+e.Continuation, e.ContinuationURL)
	assert.True(t, e.RequiresLogin())
	assert.Contains(t, err.Error(), "corrective action PRIVACY_POLICY_ACCEPTANCE at "+f.srv.URL)
}

func TestDeviceAuthorizationOnFake(t *testing.T) {
	for _, tc := range []struct {
		name string
		// client is registered for the test; its Config names no
		// DeviceAuthURL when noDeviceAuthURL is set.
		client          epictest.Client
		noDeviceAuthURL bool
		wantCode        string
	}{
		{name: "prompt sent as a form field"},
		{name: "address derived from the token URL", noDeviceAuthURL: true},
		{name: "client not allowed device_code", client: epictest.Client{Grants: []string{"client_credentials", "exchange_code"}},
			wantCode: epicoauth.ErrorCodeUnauthorizedClient},
		{name: "client not allowed client_credentials", client: epictest.Client{Grants: []string{"device_code"}},
			wantCode: epicoauth.ErrorCodeUnauthorizedClient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEpic(t)
			c := f.srv.AddClient(tc.client)
			cfg := f.srv.EpicConfig(c)
			if tc.noDeviceAuthURL {
				cfg.Endpoint.DeviceAuthURL = ""
			}

			da, err := cfg.DeviceAuthorization(f.ctx, epic.Prompt("register"))

			if tc.wantCode != "" {
				require.Nil(t, da)
				requireEpicError(t, err, 400, tc.wantCode)
				requireNoSecret(t, err, c.Secret)
				return
			}
			require.NoError(t, err)
			reqs := f.srv.Requests()
			last := reqs[len(reqs)-1]
			assert.Equal(t, epictest.DeviceAuthorizationPath, last.Path)
			assert.Equal(t, "register", last.Form.Get("prompt"))
			require.NoError(t, f.srv.ApproveDeviceCode(da.UserCode, f.alice.ID))
			tok, err := cfg.DeviceAccessToken(f.ctx, da)
			require.NoError(t, err)
			assert.Equal(t, f.alice.ID, epic.AccountID(tok))
		})
	}
}

// cancelAfter is a clock that cancels a context at its nth Sleep, as a
// person giving up while the program waits would.
type cancelAfter struct {
	*epictest.Clock
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Sleep(ctx context.Context, d time.Duration) error {
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return c.Clock.Sleep(ctx, d)
}

func TestDeviceAccessTokenCancelOnFake(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sleeps    int // the Sleep that cancels; 0: cancelled before the call
		wantPolls int
	}{
		{name: "before the first poll", sleeps: 0, wantPolls: 0},
		{name: "while waiting", sleeps: 4, wantPolls: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEpic(t)
			ctx, cancel := context.WithCancel(f.ctx)
			defer cancel()
			cfg := *f.cfg
			cfg.Clock = &cancelAfter{Clock: f.clock, n: tc.sleeps, cancel: cancel}
			da, err := cfg.DeviceAuthorization(ctx)
			require.NoError(t, err)
			if tc.sleeps == 0 {
				cancel()
			}

			tok, err := cfg.DeviceAccessToken(ctx, da)

			require.Nil(t, tok)
			require.ErrorIs(t, err, context.Canceled)
			times, _ := f.polls(time.Time{})
			assert.Len(t, times, tc.wantPolls)
		})
	}
}

func TestDeviceTokenSourceOnFake(t *testing.T) {
	f := newFakeEpic(t)
	f.srv.AutoApproveDeviceCodes(f.alice.ID, 1)
	da, err := f.cfg.DeviceAuthorization(f.ctx)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(f.ctx)

	ts, err := f.cfg.DeviceTokenSource(ctx, da)
	require.NoError(t, err)
	cancel() // the source keeps working without the wait's context

	first, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, f.alice.ID, epic.AccountID(first))
	for i := range 6 { // 12 hours: past the 8 h refresh lifetime, renewed at every refresh
		f.clock.Advance(2 * time.Hour)
		tok, err := ts.Token()
		require.NoError(t, err, "refresh %d", i+1)
		assert.NotEqual(t, first.AccessToken, tok.AccessToken)
	}
	assert.Equal(t, 6, f.srv.Count("refresh_token"))
	assert.Equal(t, 2, f.srv.Count("device_code"))

	// The session ends on the server; a device-code login cannot be
	// repeated, so the source asks for a new login.
	require.NoError(t, f.cfg.KillSession(f.ctx, ts.Peek()))
	f.clock.Advance(2 * time.Hour)
	_, err = ts.Token()
	require.ErrorIs(t, err, epicoauth.ErrLoginRequired)
	requireEpicError(t, err, 400, epicoauth.ErrorCodeInvalidRefreshToken)
}

package epic_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// How a TokenSource renews, against epictest: the fake keeps the sessions,
// rotates and rejects refresh tokens and checks device auths as Epic does,
// so each case reads as a story of token calls. The bytes of the renewal
// requests are pinned in tokensource_test.go.

// fakeStep is one Token call on a source served by epictest: what happens
// first, the token requests the call must send, and what it must return.
type fakeStep struct {
	advance time.Duration
	// event changes the server first (a killed session, a deleted device
	// auth, a fault); prev is the source's last token.
	event  func(f *fakeEpic, prev *oauth2.Token)
	grants []string // grant_type of each token request, in order
	// wantLogin: the call fails with epicoauth.ErrLoginRequired; wantCode:
	// it fails with Epic's error code. Neither: it returns a token, the
	// cached one when grants is empty and a new one otherwise.
	wantLogin bool
	wantCode  string
}

// killSession ends the session of the source's last token on the server.
func killSession(f *fakeEpic, prev *oauth2.Token) { f.srv.RevokeSession(prev.AccessToken) }

func runFakeSteps(t *testing.T, f *fakeEpic, ts oauth2.TokenSource, prev *oauth2.Token, steps []fakeStep) {
	t.Helper()
	for i, st := range steps {
		f.clock.Advance(st.advance)
		if st.event != nil {
			st.event(f, prev)
		}
		before := len(f.srv.Requests())
		tok, err := ts.Token()
		var grants []string
		for _, r := range f.srv.Requests()[before:] {
			grants = append(grants, r.GrantType)
		}
		assert.Equal(t, st.grants, grants, "step %d: token requests", i)
		if !st.wantLogin && st.wantCode == "" {
			require.NoError(t, err, "step %d", i)
			if len(st.grants) == 0 {
				assert.Equal(t, prev.AccessToken, tok.AccessToken, "step %d: cached", i)
			} else if prev != nil {
				assert.NotEqual(t, prev.AccessToken, tok.AccessToken, "step %d: renewed", i)
				if prev.RefreshToken != "" {
					assert.NotEqual(t, prev.RefreshToken, tok.RefreshToken, "step %d: rotated", i)
				}
			}
			assert.True(t, f.alive(t, tok), "step %d: the server knows the token", i)
			if len(st.grants) > 0 && tok.RefreshToken != "" {
				assert.Equal(t, f.alice.ID, epic.AccountID(tok), "step %d: a user token as Epic sent it", i)
			}
			prev = tok
			continue
		}
		assertFailure(t, i, tok, err, st.wantLogin, st.wantCode)
		// The fake echoes a rejected refresh token, as Epic does.
		if prev != nil {
			requireNoSecret(t, err, prev.RefreshToken, f.client.Secret)
		}
	}
}

// fakeConfigs are the Configs the fake-served tables run with: Epic's
// defaults, and every option (eg1 tokens, perms, a device id).
var fakeConfigs = []struct {
	name string
	tune func(*epic.Config)
}{
	{"defaults", func(*epic.Config) {}},
	{"options", func(c *epic.Config) {
		c.TokenType, c.IncludePerms, c.DeviceID = "eg1", true, "63e3b71af76e4fc48841b92c5eb3d69d"
	}},
}

func TestTokenSourceOnFake(t *testing.T) {
	exchangeCode := func(_ *testing.T, f *fakeEpic) epic.Grant {
		return epic.ExchangeCode(f.srv.NewExchangeCode(f.alice.ID, f.client.ID))
	}
	deviceAuth := func(_ *testing.T, f *fakeEpic) epic.Grant { return f.srv.NewDeviceAuth(f.alice.ID, f.client.ID) }
	tests := []struct {
		name  string
		grant func(t *testing.T, f *fakeEpic) epic.Grant
		steps []fakeStep
	}{
		{
			name: "client credentials: cached, then run again at expiry", grant: func(*testing.T, *fakeEpic) epic.Grant { return epic.ClientCredentials() },
			steps: []fakeStep{{grants: []string{"client_credentials"}}, {advance: time.Hour}, {advance: 3 * time.Hour, grants: []string{"client_credentials"}}},
		},
		{
			name: "exchange code: cached, then refreshed once its usable life ends, rotating", grant: exchangeCode,
			steps: []fakeStep{
				{grants: []string{"exchange_code"}},
				{advance: 2*time.Hour - 10*time.Second - 5*time.Minute - time.Second}, // before the early-refresh window
				{advance: 5*time.Minute + time.Second, grants: []string{"refresh_token"}},
				{advance: 2 * time.Hour, grants: []string{"refresh_token"}},
				{advance: 7 * time.Hour, grants: []string{"refresh_token"}},
			},
		},
		{
			name: "exchange code: refresh token expired means login, without a request", grant: exchangeCode,
			steps: []fakeStep{{grants: []string{"exchange_code"}}, {advance: 8 * time.Hour, wantLogin: true}},
		},
		{
			name: "exchange code: session killed, refresh rejected, means login", grant: exchangeCode,
			steps: []fakeStep{
				{grants: []string{"exchange_code"}},
				{advance: 2 * time.Hour, event: killSession, grants: []string{"refresh_token"}, wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidRefreshToken},
			},
		},
		{
			name: "used exchange code on the first call means login, and no request after",
			grant: func(t *testing.T, f *fakeEpic) epic.Grant {
				code := f.srv.NewExchangeCode(f.alice.ID, f.client.ID)
				_, err := f.cfg.Token(f.ctx, epic.ExchangeCode(code))
				require.NoError(t, err)
				return epic.ExchangeCode(code)
			},
			steps: []fakeStep{
				{grants: []string{"exchange_code"}, wantLogin: true, wantCode: epicoauth.ErrorCodeExchangeCodeNotFound},
				{advance: time.Hour, wantLogin: true, wantCode: epicoauth.ErrorCodeExchangeCodeNotFound},
			},
		},
		{
			name: "saved refresh token rejected on the first call means login",
			grant: func(*testing.T, *fakeEpic) epic.Grant {
				return epic.RefreshToken("eg1~saved-refresh-token-0123456789")
			},
			steps: []fakeStep{{grants: []string{"refresh_token"}, wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidRefreshToken}},
		},
		{
			name: "device auth: refresh token expired runs the device auth again", grant: deviceAuth,
			steps: []fakeStep{{grants: []string{"device_auth"}}, {advance: 8 * time.Hour, grants: []string{"device_auth"}}},
		},
		{
			name: "device auth: session killed, refresh rejected, runs the device auth again", grant: deviceAuth,
			steps: []fakeStep{
				{grants: []string{"device_auth"}},
				{advance: 2 * time.Hour, event: killSession, grants: []string{"refresh_token", "device_auth"}},
			},
		},
		{
			name: "device auth deleted: login",
			grant: func(t *testing.T, f *fakeEpic) epic.Grant {
				da := f.srv.NewDeviceAuth(f.alice.ID, f.client.ID)
				require.True(t, f.srv.DeleteDeviceAuth(da.AccountID, da.DeviceID))
				return da
			},
			steps: []fakeStep{{grants: []string{"device_auth"}, wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidAccountCredentials}},
		},
		{
			name: "throttled first call is not a login problem and is tried again", grant: exchangeCode,
			steps: []fakeStep{
				{
					event: func(f *fakeEpic, _ *oauth2.Token) {
						// Longer than the retry policy waits (60 s), so the source sees it.
						f.srv.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: 2 * time.Minute})
					},
					grants: []string{"exchange_code"}, wantCode: epicoauth.ErrorCodeThrottled,
				},
				{advance: 2*time.Minute - time.Second, wantCode: epicoauth.ErrorCodeThrottled}, // no request before Retry-After
				{advance: time.Second, grants: []string{"exchange_code"}},
			},
		},
	}
	for _, c := range fakeConfigs {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				f := newFakeEpic(t)
				c.tune(f.cfg)
				ts := f.cfg.TokenSource(f.ctx, tt.grant(t, f))
				runFakeSteps(t, f, ts, nil, tt.steps)
			})
		}
	}
}

func TestResumeTokenSourceOnFake(t *testing.T) {
	tests := []struct {
		name     string
		viaJSON  bool // the token was saved as JSON, losing its extras
		fallback bool // resume with a device auth as the fallback grant
		steps    []fakeStep
	}{
		{
			name:  "valid saved token is used without a request, then refreshed",
			steps: []fakeStep{{advance: time.Hour}, {advance: time.Hour, grants: []string{"refresh_token"}}},
		},
		{
			name: "a token saved as JSON (no extras) resumes too", viaJSON: true,
			steps: []fakeStep{{}, {advance: 2 * time.Hour, grants: []string{"refresh_token"}}},
		},
		{
			name:  "refresh token expired while saved: login",
			steps: []fakeStep{{advance: 9 * time.Hour, wantLogin: true}},
		},
		{
			name: "refresh rejected: login",
			steps: []fakeStep{{advance: 2 * time.Hour, event: killSession, grants: []string{"refresh_token"},
				wantLogin: true, wantCode: epicoauth.ErrorCodeInvalidRefreshToken}},
		},
		{
			name: "refresh rejected: the fallback device auth logs in", fallback: true,
			steps: []fakeStep{{advance: 2 * time.Hour, event: killSession, grants: []string{"refresh_token", "device_auth"}}},
		},
	}
	for _, c := range fakeConfigs {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				f := newFakeEpic(t)
				c.tune(f.cfg)
				saved := f.login(t, f.cfg) // as a program would before saving its token
				if tt.viaJSON {
					b, err := json.Marshal(saved)
					require.NoError(t, err)
					saved = new(oauth2.Token)
					require.NoError(t, json.Unmarshal(b, saved))
				}
				var fallback epic.Grant
				if tt.fallback {
					fallback = f.srv.NewDeviceAuth(f.alice.ID, f.client.ID)
				}
				ts := f.cfg.ResumeTokenSource(f.ctx, saved, fallback)
				runFakeSteps(t, f, ts, saved, tt.steps)
			})
		}
	}
}

package epic_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// The errors every account-session call shares, against epictest:
// throttling and missing permissions.

// sessionState is what a session call works on: alice's session of a
// client, a device auth of hers and a pending device code.
type sessionState struct {
	f      *fakeEpic
	cfg    *epic.Config
	tok    *oauth2.Token
	device epic.DeviceAuth
	da     *oauth2.DeviceAuthResponse
}

func newSessionState(t *testing.T, f *fakeEpic, c epictest.Client, tokenType string) *sessionState {
	t.Helper()
	cfg := f.srv.EpicConfig(c)
	cfg.TokenType = tokenType
	s := &sessionState{f: f, cfg: cfg, tok: f.login(t, cfg), device: f.srv.NewDeviceAuth(f.alice.ID, c.ID)}
	var err error
	s.da, err = s.cfg.DeviceAuthorization(f.ctx)
	require.NoError(t, err)
	return s
}

// sessionCall is one account-session call of the library.
type sessionCall struct {
	name string
	// path is the URL path the call requests.
	path func(s *sessionState) string
	call func(s *sessionState) error
	// perm is the permission the call needs, as Epic's missing_permission
	// names it in messageVars; nil for none.
	perm []string
}

const deviceAuthsPerm = "account:public:account:deviceAuths"

var sessionCalls = []sessionCall{
	{
		name: "DeviceAuthorization",
		path: func(*sessionState) string { return epictest.DeviceAuthorizationPath },
		call: func(s *sessionState) error { _, err := s.cfg.DeviceAuthorization(s.f.ctx); return err },
	},
	{
		name: "CancelDeviceAuthorization",
		path: func(s *sessionState) string { return epictest.DeviceAuthorizationPath + "/" + s.da.UserCode },
		call: func(s *sessionState) error { return s.cfg.CancelDeviceAuthorization(s.f.ctx, s.da) },
	},
	{
		name: "CreateExchangeCode",
		path: func(*sessionState) string { return "/account/api/oauth/exchange" },
		call: func(s *sessionState) error { _, err := s.cfg.CreateExchangeCode(s.f.ctx, s.tok, nil); return err },
		perm: []string{"account:oauth:exchangeTokenCode", "CREATE"},
	},
	{
		name: "CreateDeviceAuth",
		path: func(s *sessionState) string {
			return "/account/api/public/account/" + s.device.AccountID + "/deviceAuth"
		},
		call: func(s *sessionState) error { _, err := s.cfg.CreateDeviceAuth(s.f.ctx, s.tok); return err },
		perm: []string{deviceAuthsPerm, "CREATE"},
	},
	{
		name: "ListDeviceAuths",
		path: func(s *sessionState) string {
			return "/account/api/public/account/" + s.device.AccountID + "/deviceAuth"
		},
		call: func(s *sessionState) error { _, err := s.cfg.ListDeviceAuths(s.f.ctx, s.tok); return err },
		perm: []string{deviceAuthsPerm, "READ"},
	},
	{
		name: "GetDeviceAuth",
		path: func(s *sessionState) string {
			return "/account/api/public/account/" + s.device.AccountID + "/deviceAuth/" + s.device.DeviceID
		},
		call: func(s *sessionState) error {
			_, err := s.cfg.GetDeviceAuth(s.f.ctx, s.tok, s.device.DeviceID)
			return err
		},
		perm: []string{deviceAuthsPerm, "READ"},
	},
	{
		name: "DeleteDeviceAuth",
		path: func(s *sessionState) string {
			return "/account/api/public/account/" + s.device.AccountID + "/deviceAuth/" + s.device.DeviceID
		},
		call: func(s *sessionState) error { return s.cfg.DeleteDeviceAuth(s.f.ctx, s.tok, s.device.DeviceID) },
		perm: []string{deviceAuthsPerm, "DELETE"},
	},
	{
		name: "Verify",
		path: func(*sessionState) string { return "/account/api/oauth/verify" },
		call: func(s *sessionState) error { _, err := s.cfg.Verify(s.f.ctx, s.tok); return err },
	},
	{
		name: "Introspect",
		path: func(*sessionState) string { return "/account/api/epicid/v1/oauth/tokenInfo" },
		call: func(s *sessionState) error { _, err := s.cfg.Introspect(s.f.ctx, s.tok); return err },
	},
	{
		name: "KillSessions",
		path: func(*sessionState) string { return "/account/api/oauth/sessions/kill" },
		call: func(s *sessionState) error { return s.cfg.KillSessions(s.f.ctx, s.tok, epic.KillOthers) },
		perm: []string{"account:token:otherSessionsForAccount", "DELETE"},
	},
	{
		// Last: it ends the session the others use.
		name: "KillSession",
		path: func(s *sessionState) string { return "/account/api/oauth/sessions/kill/" + s.tok.AccessToken },
		call: func(s *sessionState) error { return s.cfg.KillSession(s.f.ctx, s.tok) },
	},
}

func TestSessionCallsThrottledOnFake(t *testing.T) {
	for _, tokenType := range []string{"", "eg1"} {
		for _, sc := range sessionCalls {
			t.Run(tokenType+"/"+sc.name, func(t *testing.T) {
				f := newFakeEpic(t)
				client := f.client
				s := newSessionState(t, f, client, tokenType)
				if tokenType == "eg1" {
					require.Contains(t, s.tok.AccessToken, "eg1~", "a JWT in the URL path of KillSession")
				}
				path := sc.path(s)
				f.srv.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: 120 * time.Second, Path: path})

				err := sc.call(s)

				e := requireEpicError(t, err, http.StatusTooManyRequests, epicoauth.ErrorCodeThrottled)
				assert.Equal(t, 120*time.Second, e.RetryAfter)
				assert.True(t, e.Temporary())
				assert.False(t, e.RequiresLogin())
				requireNoSecret(t, err, s.tok.AccessToken, s.device.Secret, s.da.DeviceCode, client.Secret)
				reqs := f.srv.Requests()
				last := reqs[len(reqs)-1]
				assert.Equal(t, path, last.Path)
				assert.Equal(t, epictest.Throttle, last.Fault)

				assert.NoError(t, sc.call(s), "the next call goes through")
			})
		}
	}
}

func TestSessionCallsMissingPermissionOnFake(t *testing.T) {
	for _, sc := range sessionCalls {
		if sc.perm == nil {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			f := newFakeEpic(t)
			bare := f.srv.AddClient(epictest.Client{Perms: []epic.Permission{}})
			s := newSessionState(t, f, bare, "")

			err := sc.call(s)

			e := requireEpicError(t, err, http.StatusForbidden, epicoauth.ErrorCodeMissingPermission)
			assert.Equal(t, sc.perm, e.MessageVars)
			assert.False(t, e.Temporary())
			requireNoSecret(t, err, s.tok.AccessToken, bare.Secret)
		})
	}
}

func TestClientTokenSessionCallsOnFake(t *testing.T) {
	f := newFakeEpic(t)
	tok, err := f.cfg.Token(f.ctx, epic.ClientCredentials())
	require.NoError(t, err)
	for _, tc := range []struct {
		name     string
		call     func() error
		wantPerm []string // the missing permission Epic names; nil: the library refuses before any request
		wantErr  string
	}{
		{name: "CreateExchangeCode", call: func() error { _, err := f.cfg.CreateExchangeCode(f.ctx, tok, nil); return err },
			wantPerm: []string{"account:oauth:exchangeTokenCode", "CREATE"}},
		{name: "KillSessions", call: func() error { return f.cfg.KillSessions(f.ctx, tok, epic.KillOthers) },
			wantPerm: []string{"account:token:otherSessionsForClient", "DELETE"}},
		{name: "CreateDeviceAuth", call: func() error { _, err := f.cfg.CreateDeviceAuth(f.ctx, tok); return err }, wantErr: "no account_id"},
		{name: "ListDeviceAuths", call: func() error { _, err := f.cfg.ListDeviceAuths(f.ctx, tok); return err }, wantErr: "no account_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.srv.Requests())

			err := tc.call()

			if tc.wantPerm == nil {
				assert.ErrorContains(t, err, tc.wantErr)
				assert.Len(t, f.srv.Requests(), before, "no request")
				return
			}
			e := requireEpicError(t, err, http.StatusForbidden, epicoauth.ErrorCodeMissingPermission)
			assert.Equal(t, tc.wantPerm, e.MessageVars)
		})
	}
}

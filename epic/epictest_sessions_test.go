package epic_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// Exchange codes, device auths, verify, introspection and kills against
// epictest (see epictest_test.go).

func TestExchangeCodeOnFake(t *testing.T) {
	verifier := oauth2.GenerateVerifier()
	for _, tc := range []struct {
		name string
		// opts builds the options; launcher is the client meant to redeem.
		opts      func(launcher epictest.Client) *epic.ExchangeCodeOptions
		redeemer  string // "launcher" (default) or "third"
		grantOpts []epic.GrantOption
		// between runs after the code is created, before it is redeemed.
		between  func(t *testing.T, f *fakeEpic, tok *oauth2.Token)
		wantCode string
	}{
		{name: "any client"},
		{
			name: "for one client with PKCE",
			opts: func(l epictest.Client) *epic.ExchangeCodeOptions {
				return &epic.ExchangeCodeOptions{ConsumingClientID: l.ID, CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier)}
			},
			grantOpts: []epic.GrantOption{epic.CodeVerifier(verifier)},
		},
		{
			name: "plain challenge",
			opts: func(epictest.Client) *epic.ExchangeCodeOptions {
				return &epic.ExchangeCodeOptions{CodeChallenge: verifier, CodeChallengeMethod: "plain"}
			},
			grantOpts: []epic.GrantOption{epic.CodeVerifier(verifier)},
		},
		{
			name: "for one client, redeemed by another",
			opts: func(l epictest.Client) *epic.ExchangeCodeOptions {
				return &epic.ExchangeCodeOptions{ConsumingClientID: l.ID}
			},
			redeemer: "third",
			wantCode: epicoauth.ErrorCodeExchangeCodeClientMismatch,
		},
		{
			name: "PKCE without the verifier",
			opts: func(epictest.Client) *epic.ExchangeCodeOptions {
				return &epic.ExchangeCodeOptions{CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier)}
			},
			wantCode: "errors.com.epicgames.account.oauth.single_use_code_verifier_required",
		},
		{
			name: "PKCE with another verifier",
			opts: func(epictest.Client) *epic.ExchangeCodeOptions {
				return &epic.ExchangeCodeOptions{CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier)}
			},
			grantOpts: []epic.GrantOption{epic.CodeVerifier(oauth2.GenerateVerifier())},
			wantCode:  "errors.com.epicgames.account.oauth.single_use_code_verifier_invalid",
		},
		{
			name:     "expired after 300 s",
			between:  func(_ *testing.T, f *fakeEpic, _ *oauth2.Token) { f.clock.Advance(300 * time.Second) },
			wantCode: epicoauth.ErrorCodeExchangeCodeNotFound,
		},
		{
			name: "creating session killed",
			between: func(t *testing.T, f *fakeEpic, tok *oauth2.Token) {
				require.NoError(t, f.cfg.KillSession(f.ctx, tok))
			},
			wantCode: epicoauth.ErrorCodeExpiredExchangeCodeSession,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEpic(t)
			launcher := f.srv.AddClient(epictest.Client{Service: "launcher"})
			redeemer := launcher
			if tc.redeemer == "third" {
				redeemer = f.srv.AddClient(epictest.Client{})
			}
			tok := f.login(t, f.cfg)
			var opts *epic.ExchangeCodeOptions
			if tc.opts != nil {
				opts = tc.opts(launcher)
			}

			x, err := f.cfg.CreateExchangeCode(f.ctx, tok, opts)
			require.NoError(t, err)
			assert.Len(t, x.Code, 32)
			assert.Equal(t, f.clock.Now().Add(300*time.Second), x.Expiry)
			assert.Equal(t, f.client.ID, x.CreatingClientID)
			if opts != nil {
				assert.Equal(t, opts.ConsumingClientID, x.ConsumingClientID)
			}
			if tc.between != nil {
				tc.between(t, f, tok)
			}
			cfg := f.srv.EpicConfig(redeemer)
			got, err := cfg.Token(f.ctx, x.Grant(tc.grantOpts...))

			if tc.wantCode != "" {
				e := requireEpicError(t, err, 400, tc.wantCode)
				assert.True(t, e.RequiresLogin())
				requireNoSecret(t, err, x.Code, verifier, redeemer.Secret)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, f.alice.ID, epic.AccountID(got))
			assert.Equal(t, redeemer.ID, epic.ClientID(got))
			assert.Equal(t, "launcher", epic.App(got))
			_, err = cfg.Token(f.ctx, x.Grant(tc.grantOpts...))
			requireEpicError(t, err, 400, epicoauth.ErrorCodeExchangeCodeNotFound)
		})
	}
}

func TestDeviceAuthOnFake(t *testing.T) {
	f := newFakeEpic(t)
	tok := f.login(t, f.cfg)
	created, err := f.cfg.CreateDeviceAuth(f.ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, f.alice.ID, created.AccountID)
	assert.Regexp(t, `^[0-9a-f]{32}$`, created.DeviceID)
	assert.Regexp(t, `^[0-9a-f]{32}$`, created.Secret)
	assert.Equal(t, epicoauth.DefaultUserAgent, created.UserAgent)
	assert.Equal(t, "127.0.0.1", created.Created.IPAddress)
	assert.Equal(t, f.clock.Now(), created.Created.DateTime)
	createdAt := f.clock.Now()

	list, err := f.cfg.ListDeviceAuths(f.ctx, tok)
	require.NoError(t, err)
	want := epic.DeviceAuthInfo{DeviceID: created.DeviceID, AccountID: f.alice.ID, UserAgent: created.UserAgent, Created: created.Created}
	assert.Equal(t, []epic.DeviceAuthInfo{want}, list, "no secret, no lastAccess before use")

	// The created value is the device_auth grant of its client, through
	// many refreshes.
	f.clock.Advance(time.Minute)
	ts := f.cfg.TokenSource(f.ctx, created)
	first, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, f.alice.ID, epic.AccountID(first))
	v, err := f.cfg.Verify(f.ctx, first)
	require.NoError(t, err)
	assert.Equal(t, "device_auth", v.AuthMethod)
	assert.Equal(t, created.DeviceID, v.DeviceID)
	info, err := f.cfg.GetDeviceAuth(f.ctx, tok, created.DeviceID)
	require.NoError(t, err)
	require.NotNil(t, info.LastAccess)
	assert.Equal(t, createdAt.Add(time.Minute), info.LastAccess.DateTime)
	for range 4 {
		f.clock.Advance(2 * time.Hour)
		tok, err = ts.Token() // the first login's token has expired
		require.NoError(t, err)
	}
	assert.Equal(t, 1, f.srv.Count("device_auth"))
	assert.Equal(t, 4, f.srv.Count("refresh_token"))

	// Another client cannot use it.
	_, err = f.srv.EpicConfig(f.srv.AddClient(epictest.Client{})).Token(f.ctx, created)
	e := requireEpicError(t, err, 400, epicoauth.ErrorCodeInvalidAccountCredentials)
	assert.True(t, e.RequiresLogin())
	requireNoSecret(t, err, created.Secret)

	require.NoError(t, f.cfg.DeleteDeviceAuth(f.ctx, tok, created.DeviceID))
	_, err = f.cfg.GetDeviceAuth(f.ctx, tok, created.DeviceID)
	requireEpicError(t, err, 404, epicoauth.ErrorCodeDeviceAuthNotFound)
	err = f.cfg.DeleteDeviceAuth(f.ctx, tok, created.DeviceID)
	requireEpicError(t, err, 404, epicoauth.ErrorCodeDeviceAuthNotFound)
	list, err = f.cfg.ListDeviceAuths(f.ctx, tok)
	require.NoError(t, err)
	assert.Empty(t, list)

	// The source's session outlives the device auth, until its refresh
	// token runs out; logging in again then fails for good.
	f.clock.Advance(2 * time.Hour)
	_, err = ts.Token()
	require.NoError(t, err)
	f.clock.Advance(9 * time.Hour)
	_, err = ts.Token()
	require.ErrorIs(t, err, epicoauth.ErrLoginRequired)
	requireEpicError(t, err, 400, epicoauth.ErrorCodeInvalidAccountCredentials)
	requireNoSecret(t, err, created.Secret)
	assert.Equal(t, 3, f.srv.Count("device_auth"), "the first login, the other client's, the last")
}

func TestVerifyOnFake(t *testing.T) {
	for _, tc := range []struct {
		name         string
		client       bool // a client_credentials token instead of alice's
		includePerms bool
		wantPerms    []epic.Permission
	}{
		{name: "user token"},
		{name: "user token with perms", includePerms: true, wantPerms: epictest.DefaultPerms()},
		{name: "client token with perms", client: true, includePerms: true, wantPerms: []epic.Permission{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEpic(t)
			cfg := *f.cfg
			cfg.IncludePerms = tc.includePerms
			var tok *oauth2.Token
			want := &epic.Verification{TokenType: "bearer", ClientID: f.client.ID, ClientService: "prod-fn", InternalClient: true, Perms: tc.wantPerms}
			if tc.client {
				var err error
				tok, err = cfg.Token(f.ctx, epic.ClientCredentials())
				require.NoError(t, err)
				want.AuthMethod = "client_credentials"
			} else {
				tok = f.login(t, &cfg)
				want.AccountID, want.DisplayName, want.AuthMethod = f.alice.ID, "alice", "exchange_code"
				want.App, want.InAppID = "prod-fn", f.alice.ID
			}
			if tc.includePerms {
				assert.Equal(t, tc.wantPerms, epic.Perms(tok), "includePerms on the token request too")
			}
			want.Expiry = tok.Expiry
			f.clock.Advance(time.Hour)

			v, err := cfg.Verify(f.ctx, tok)

			require.NoError(t, err)
			assert.Regexp(t, `^[0-9a-f]{32}$`, v.SessionID)
			want.SessionID = v.SessionID
			assert.Equal(t, want, v)
		})
	}
}

func TestIntrospectOnFake(t *testing.T) {
	for _, tc := range []struct {
		name       string
		client     bool
		kill       bool
		advance    time.Duration
		wantActive bool
	}{
		{name: "user token", wantActive: true},
		{name: "client token", client: true, wantActive: true},
		{name: "killed", kill: true},
		{name: "expired", advance: 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEpic(t)
			tok := f.login(t, f.cfg)
			if tc.client {
				var err error
				tok, err = f.cfg.Token(f.ctx, epic.ClientCredentials())
				require.NoError(t, err)
			}
			if tc.kill {
				require.NoError(t, f.cfg.KillSession(f.ctx, tok))
			}
			f.clock.Advance(tc.advance)

			info, err := f.cfg.Introspect(f.ctx, tok)

			require.NoError(t, err)
			if !tc.wantActive {
				assert.Equal(t, &epic.TokenInfo{}, info)
				return
			}
			assert.Equal(t, &epic.TokenInfo{Active: true, TokenType: "bearer", Expiry: tok.Expiry, ClientID: f.client.ID,
				ApplicationID: f.client.ApplicationID}, info)
		})
	}
}

func TestKillSessionOnFake(t *testing.T) {
	f := newFakeEpic(t)
	tok := f.login(t, f.cfg)
	other := f.login(t, f.cfg)

	require.NoError(t, f.cfg.KillSession(f.ctx, tok))

	assert.False(t, f.alive(t, tok))
	assert.True(t, f.alive(t, other), "only the session of the token ends")
	_, err := f.cfg.Verify(f.ctx, tok)
	requireEpicError(t, err, 401, epicoauth.ErrorCodeTokenVerificationFailed)
	_, err = f.cfg.Token(f.ctx, epic.RefreshToken(tok.RefreshToken))
	requireEpicError(t, err, 400, epicoauth.ErrorCodeInvalidRefreshToken)
	err = f.cfg.KillSession(f.ctx, tok)
	requireEpicError(t, err, 401, epicoauth.ErrorCodeTokenVerificationFailed)
	requireNoSecret(t, err, tok.AccessToken)
	assert.NoError(t, f.cfg.Revoke(f.ctx, tok), "Revoke counts a dead session as ended")
	assert.NoError(t, f.cfg.Revoke(f.ctx, other))
	assert.False(t, f.alive(t, other))
}

func TestKillSessionsOnFake(t *testing.T) {
	for _, tc := range []struct {
		kind epic.KillType
		// Which sessions of alice survive besides the asking one: another
		// of the same client, and one of another client of the same
		// service.
		wantSelf, wantSibling, wantElsewhere bool
	}{
		{kind: epic.KillOthersAccountClient, wantSelf: true, wantElsewhere: true},
		{kind: epic.KillOthersAccountClientService, wantSelf: true},
		{kind: epic.KillOthers, wantSelf: true},
		{kind: epic.KillAllAccountClient, wantElsewhere: true},
		{kind: epic.KillAll},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			f := newFakeEpic(t)
			me, sibling := f.login(t, f.cfg), f.login(t, f.cfg)
			elsewhere := f.login(t, f.srv.EpicConfig(f.srv.AddClient(epictest.Client{})))
			bob := f.srv.AddAccount(epictest.Account{})
			bobs, err := f.cfg.Token(f.ctx, epic.ExchangeCode(f.srv.NewExchangeCode(bob.ID, f.client.ID)))
			require.NoError(t, err)

			require.NoError(t, f.cfg.KillSessions(f.ctx, me, tc.kind))

			assert.Equal(t, tc.wantSelf, f.alive(t, me), "self")
			assert.Equal(t, tc.wantSibling, f.alive(t, sibling), "same client")
			assert.Equal(t, tc.wantElsewhere, f.alive(t, elsewhere), "other client")
			assert.True(t, f.alive(t, bobs), "another account's session")
		})
	}
}

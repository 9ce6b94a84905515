package idtoken_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epictest"
	"github.com/epicoauth/epicoauth/idtoken"
)

// fakeFx is epictest's fake with a player, and verifiers of both kinds
// pointed at it.
type fakeFx struct {
	t                *testing.T
	ctx              context.Context
	srv              *epictest.Server
	client           epictest.Client
	alice            epictest.Account
	connect, account *idtoken.Verifier
}

func newFakeFx(t *testing.T) *fakeFx {
	srv := epictest.NewServer(nil)
	t.Cleanup(srv.Close)
	f := &fakeFx{t: t, ctx: context.Background(), srv: srv, client: srv.DefaultClient(),
		alice: srv.AddAccount(epictest.Account{DisplayName: "alice"})}
	opts := func(dep string) *idtoken.Options {
		return &idtoken.Options{ClientID: f.client.ID, DeploymentID: dep, BaseURL: srv.URL, Clock: srv.Clock()}
	}
	f.connect = idtoken.NewVerifier(srv.Context(f.ctx), idtoken.Connect, opts(srv.DefaultDeployment().ID))
	f.account = idtoken.NewVerifier(srv.Context(f.ctx), idtoken.Account, opts(srv.DefaultDeployment().ID))
	return f
}

// connectLogin logs alice in to EOS Connect.
func (f *fakeFx) connectLogin() (idToken, puid string) {
	f.t.Helper()
	account := f.srv.EpicConfig(f.client).TokenSource(f.ctx, f.srv.NewDeviceAuth(f.alice.ID, f.client.ID))
	tok, err := f.srv.EOSConfig(f.client, f.srv.DefaultDeployment().ID).Token(f.ctx, eos.ExternalAuthFrom(eos.EpicGamesAccessToken, account))
	require.NoError(f.t, err)
	return eos.IDToken(tok), eos.ProductUserID(tok)
}

// accountLogin signs alice in to Epic Account Services with openid, the
// way a website does: the login page with PKCE, then the code exchanged.
func (f *fakeFx) accountLogin() string {
	f.t.Helper()
	cfg := f.srv.EOSAuthConfig(f.client, f.srv.DefaultDeployment().ID)
	cfg.RedirectURL, cfg.Scopes = "https://game.example/callback", []string{"basic_profile", "openid"}
	verifier := oauth2.GenerateVerifier()
	back, err := f.srv.Authorize(cfg.AuthCodeURL("state", oauth2.S256ChallengeOption(verifier)), f.alice.ID)
	require.NoError(f.t, err)
	u, err := url.Parse(back)
	require.NoError(f.t, err)
	tok, err := cfg.Exchange(f.ctx, u.Query().Get("code"), oauth2.VerifierOption(verifier))
	require.NoError(f.t, err)
	require.NotEmpty(f.t, eos.IDToken(tok))
	return eos.IDToken(tok)
}

func TestEpictestTokensVerify(t *testing.T) {
	f := newFakeFx(t)
	connectTok, puid := f.connectLogin()
	c, err := f.connect.Verify(f.ctx, connectTok)
	require.NoError(t, err)
	assert.Equal(t, puid, c.Subject)
	assert.Equal(t, f.srv.DefaultDeployment().ID, c.DeploymentID)
	assert.Equal(t, "epicgames", c.ExternalAccountType)
	assert.Equal(t, f.alice.ID, c.ExternalAccountID)

	a, err := f.account.Verify(f.ctx, f.accountLogin())
	require.NoError(t, err)
	assert.Equal(t, f.alice.ID, a.Subject)
	assert.Equal(t, "alice", a.DisplayName)
	assert.Equal(t, f.client.ApplicationID, a.ApplicationID)
	assert.Equal(t, f.srv.DefaultDeployment().ID, a.DeploymentID, "the login named the deployment")

	assert.Equal(t, 1, f.srv.Count(epictest.EOSConnectJWKSPath))
	assert.Equal(t, 1, f.srv.Count(epictest.EOSAuthJWKSPath))

	_, err = f.account.Verify(f.ctx, connectTok)
	require.ErrorIs(t, err, idtoken.ErrUnknownKey, "a Connect token given to an Account verifier")

	f.srv.Clock().Advance(time.Hour + idtoken.AllowedClockSkew)
	_, err = f.connect.Verify(f.ctx, connectTok)
	require.ErrorIs(t, err, idtoken.ErrExpired)
}

func TestEpictestRotateKeys(t *testing.T) {
	f := newFakeFx(t)
	before, _ := f.connectLogin()
	_, err := f.connect.Verify(f.ctx, before)
	require.NoError(t, err)

	f.srv.RotateKeys()
	f.srv.Clock().Advance(idtoken.RefetchCooldown)
	after, _ := f.connectLogin()
	_, err = f.connect.Verify(f.ctx, after)
	require.NoError(t, err, "the new kid makes the verifier fetch the new set")
	_, err = f.connect.Verify(f.ctx, before)
	require.ErrorIs(t, err, idtoken.ErrUnknownKey, "signed by a rotated-out key")
	assert.Equal(t, 2, f.srv.Count(epictest.EOSConnectJWKSPath))
}

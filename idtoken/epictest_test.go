package idtoken_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epic"
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
	f.account = idtoken.NewVerifier(srv.Context(f.ctx), idtoken.Account, opts(""))
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

// accountLogin logs alice in to Epic Account Services with openid.
func (f *fakeFx) accountLogin() string {
	f.t.Helper()
	cfg := &epic.Config{ClientID: f.client.ID, ClientSecret: f.client.Secret, Endpoint: f.srv.EOSAuthEndpoint(), Clock: f.srv.Clock()}
	tok, err := cfg.Token(f.ctx, epic.ExchangeCode(f.srv.NewExchangeCode(f.alice.ID, f.client.ID), epic.SetGrantParam("scope", "basic_profile openid")))
	require.NoError(f.t, err)
	id, _ := tok.Extra("id_token").(string)
	require.NotEmpty(f.t, id)
	return id
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

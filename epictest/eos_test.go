package epictest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

func TestEOSConnectClientCredentials(t *testing.T) {
	f := newFx(t)
	dep := f.srv.DefaultDeployment()
	ts := f.srv.EOSConfig(f.client, dep.ID).TokenSource(f.ctx, eos.ClientCredentials())
	tok, err := ts.Token() // the library checks the echoed nonce
	require.NoError(t, err)
	assert.Equal(t, dep.ID, eos.DeploymentID(tok))
	assert.Equal(t, dep.Features, eos.Features(tok))
	assert.Equal(t, dep.ProductID, eos.ProductID(tok))
	assert.Empty(t, eos.ProductUserID(tok))
	assert.Equal(t, f.srv.Clock().Now().Add(3599*time.Second), tok.Expiry)
	sent := f.srv.Requests()[0].Form
	assert.Len(t, sent.Get("nonce"), 32)
	assert.Equal(t, sent.Get("nonce"), eos.Nonce(tok))

	f.srv.Clock().Advance(time.Hour)
	_, err = ts.Token()
	require.NoError(t, err)
	assert.Equal(t, 2, f.srv.Count("client_credentials"), "no refresh token: the grant runs again")
}

func TestEOSConnectExternalAuth(t *testing.T) {
	f := newFx(t)
	dep := f.srv.DefaultDeployment()
	account := f.srv.EpicConfig(f.client).TokenSource(f.ctx, f.srv.NewDeviceAuth(f.alice.ID, f.client.ID))
	ts := f.srv.EOSConfig(f.client, dep.ID).TokenSource(f.ctx, eos.ExternalAuthFrom(eos.EpicGamesAccessToken, account))
	first, err := ts.Token()
	require.NoError(t, err)
	puid := eos.ProductUserID(first)
	assert.True(t, strings.HasPrefix(puid, "0002"), puid)
	assert.True(t, eos.ProductUserIDCreated(first))
	assert.NotEmpty(t, eos.IDToken(first))
	assert.NotEmpty(t, eos.OrganizationUserID(first))

	f.srv.Clock().Advance(3 * time.Hour) // both the EOS and the account token expire
	again, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, puid, eos.ProductUserID(again), "same account, same product user")
	assert.False(t, eos.ProductUserIDCreated(again))
	assert.Equal(t, 1, f.srv.Count("refresh_token"), "the account session was refreshed for it")
	assert.Equal(t, 2, f.srv.Count("external_auth"))
}

func TestEOSConnectValidation(t *testing.T) {
	dep := func(f *fx) string { return f.srv.DefaultDeployment().ID }
	tests := []struct {
		name   string
		header func(f *fx) http.Header
		form   func(f *fx) url.Values
		code   string
	}{
		{"no deployment", nil, func(*fx) url.Values { return url.Values{"grant_type": {"client_credentials"}} }, epicoauth.ErrorCodeInvalidRequest},
		{"unknown deployment", nil, func(*fx) url.Values {
			return url.Values{"grant_type": {"client_credentials"}, "deployment_id": {"nope"}}
		}, "errors.com.epicgames.oauth.invalid_deployment"},
		{"account grant", nil, func(f *fx) url.Values {
			return url.Values{"grant_type": {"device_auth"}, "deployment_id": {dep(f)}}
		}, epicoauth.ErrorCodeUnsupportedGrantType},
		{"unknown external type", nil, func(f *fx) url.Values {
			return url.Values{"grant_type": {"external_auth"}, "deployment_id": {dep(f)}, "external_auth_type": {"myspace"}, "external_auth_token": {"x"}}
		}, "errors.com.epicgames.account.ext_auth.unknown_external_auth_type"},
		{"dead Epic token", nil, func(f *fx) url.Values {
			return url.Values{"grant_type": {"external_auth"}, "deployment_id": {dep(f)}, "external_auth_type": {"epicgames_access_token"}, "external_auth_token": {"0123"}}
		}, "errors.com.epicgames.account.ext_auth.invalid_external_auth_token"},
		{"client token is not a user", nil, func(f *fx) url.Values {
			return url.Values{"grant_type": {"external_auth"}, "deployment_id": {dep(f)}, "external_auth_type": {"epicgames_access_token"}, "external_auth_token": {f.clientToken()}}
		}, "errors.com.epicgames.account.ext_auth.invalid_external_auth_token"},
		{"no credentials", func(*fx) http.Header { return nil }, func(f *fx) url.Values {
			return url.Values{"grant_type": {"client_credentials"}, "deployment_id": {dep(f)}}
		}, epicoauth.ErrorCodeInvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFx(t)
			h := headerOr(f, tt.header)
			r := f.do("POST", epictest.EOSConnectTokenPath, h, tt.form(f))
			assert.Equal(t, http.StatusBadRequest, r.status)
			assert.Equal(t, tt.code, errorCode(t, r))
			assert.Equal(t, "com.epicgames.eos.auth", r.json(t)["originatingService"])
		})
	}
	t.Run("credentials in the form, nonce echoed, steam identity stable", func(t *testing.T) {
		f := newFx(t)
		form := url.Values{"grant_type": {"external_auth"}, "deployment_id": {dep(f)}, "external_auth_type": {"steam_session_ticket"},
			"external_auth_token": {"ticket"}, "client_id": {f.client.ID}, "client_secret": {f.client.Secret}, "nonce": {"n-1"}}
		one := f.do("POST", epictest.EOSConnectTokenPath, nil, form).json(t)
		assert.Equal(t, "n-1", one["nonce"])
		two := f.do("POST", epictest.EOSConnectTokenPath, nil, form).json(t)
		assert.Equal(t, one["product_user_id"], two["product_user_id"])
	})
	t.Run("library refuses a missing deployment before sending", func(t *testing.T) {
		f := newFx(t)
		_, err := f.srv.EOSConfig(f.client, "").Token(f.ctx, eos.ClientCredentials())
		require.ErrorIs(t, err, eos.ErrNoDeploymentID)
		assert.Empty(t, f.srv.Requests())
	})
}

func TestEOSAuth(t *testing.T) {
	f := newFx(t)
	cfg := &epic.Config{ClientID: f.client.ID, ClientSecret: f.client.Secret, Endpoint: f.srv.EOSAuthEndpoint(),
		Clock: f.srv.Clock(), DeploymentID: f.srv.DefaultDeployment().ID}
	ts := cfg.TokenSource(f.ctx, epic.ExchangeCode(f.srv.NewExchangeCode(f.alice.ID, f.client.ID), epic.SetGrantParam("scope", "basic_profile openid")))
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, f.alice.ID, epic.AccountID(tok))
	assert.Equal(t, "basic_profile openid", tok.Extra("scope"))
	assert.Equal(t, []string{"basic_profile", "openid"}, epic.Scope(tok))
	assert.NotEmpty(t, tok.Extra("id_token"))
	assert.Equal(t, f.srv.Clock().Now().Add(8*time.Hour), epic.RefreshExpiry(tok))

	f.srv.Clock().Advance(2 * time.Hour)
	tok2, err := ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, tok.RefreshToken, tok2.RefreshToken)
	assert.Equal(t, 1, f.srv.Count("refresh_token"))

	info := f.do("POST", "/epic/oauth/v2/tokenInfo", nil, url.Values{"token": {tok2.AccessToken}}).json(t)
	assert.Equal(t, true, info["active"])
	assert.Equal(t, "basic_profile openid", info["scope"])

	// An account-service token is not an EOS Auth token, and back.
	acct := f.userToken(nil)
	assert.Equal(t, map[string]any{"active": false}, f.do("POST", "/epic/oauth/v2/tokenInfo", nil, url.Values{"token": {acct["access_token"].(string)}}).json(t))
	_, err = cfg.Token(f.ctx, epic.RefreshToken(acct["refresh_token"].(string)))
	assert.Equal(t, epicoauth.ErrorCodeInvalidRefreshToken, epicErr(t, err).ErrorCode)
	assert.Equal(t, http.StatusUnauthorized, f.do("GET", "/account/api/oauth/verify", bearer(tok2.AccessToken), nil).status)

	r := f.do("POST", "/epic/oauth/v2/revoke", basic(f.client), url.Values{"token": {tok2.AccessToken}})
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Equal(t, false, f.do("POST", "/epic/oauth/v2/tokenInfo", nil, url.Values{"token": {tok2.AccessToken}}).json(t)["active"])
	_, err = cfg.Token(f.ctx, epic.RefreshToken(tok2.RefreshToken))
	assert.Equal(t, epicoauth.ErrorCodeInvalidRefreshToken, epicErr(t, err).ErrorCode, "revoking ends the session")
}

func TestEOSAuthFormatsAndGrants(t *testing.T) {
	f := newFx(t)
	post := func(form url.Values) reply { return f.do("POST", epictest.EOSAuthTokenPath, basic(f.client), form) }
	r := post(url.Values{"grant_type": {"exchange_code"}, "exchange_code": {f.srv.NewExchangeCode(f.alice.ID, f.client.ID)}, "token_type": {"epic_id"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	at := r.json(t)["access_token"].(string)
	assert.Len(t, strings.Split(at, "."), 3, "a JWT without prefix")

	r = post(url.Values{"grant_type": {"client_credentials"}, "deployment_id": {"nope"}})
	assert.Equal(t, "errors.com.epicgames.oauth.invalid_deployment", errorCode(t, r))
	r = post(url.Values{"grant_type": {"device_auth"}})
	assert.Equal(t, epicoauth.ErrorCodeUnsupportedGrantType, errorCode(t, r))
	r = post(url.Values{"grant_type": {"password"}})
	assert.Equal(t, epicoauth.ErrorCodeUnauthorizedClient, errorCode(t, r))
	cc := post(url.Values{"grant_type": {"client_credentials"}}).json(t)
	assert.NotContains(t, cc, "refresh_token")
	assert.Equal(t, "basic_profile", cc["scope"])
}

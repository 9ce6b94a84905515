package epictest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// epicErr returns err as an *epicoauth.Error or fails the test.
func epicErr(t *testing.T, err error) *epicoauth.Error {
	t.Helper()
	var e *epicoauth.Error
	require.ErrorAs(t, err, &e)
	return e
}

func TestClientCredentials(t *testing.T) {
	f := newFx(t)
	start := f.srv.Clock().Now()
	tok, err := f.srv.EpicConfig(f.client).Token(f.ctx, epic.ClientCredentials())
	require.NoError(t, err)

	assert.Equal(t, "bearer", tok.TokenType)
	assert.Len(t, tok.AccessToken, 32)
	assert.Empty(t, tok.RefreshToken)
	assert.Empty(t, epic.AccountID(tok))
	assert.Equal(t, f.client.ID, epic.ClientID(tok))
	assert.Equal(t, start.Add(14400*time.Second), tok.Expiry)
	assert.Equal(t, "2025-01-01T16:00:00.000Z", tok.Extra("expires_at"))

	reqs := f.srv.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, epictest.AccountTokenPath, r.Path)
	assert.Equal(t, url.Values{"grant_type": {"client_credentials"}}, r.Form)
	id, secret, ok := (&http.Request{Header: r.Header}).BasicAuth()
	require.True(t, ok)
	assert.Equal(t, f.client.ID, id)
	assert.Equal(t, f.client.Secret, secret)
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, 1, f.srv.Count("client_credentials"))
}

func TestExchangeCodeIsSingleUse(t *testing.T) {
	f := newFx(t)
	cfg := f.srv.EpicConfig(f.client)
	code := f.srv.NewExchangeCode(f.alice.ID, f.client.ID)
	tok, err := cfg.Token(f.ctx, epic.ExchangeCode(code))
	require.NoError(t, err)
	assert.Equal(t, f.alice.ID, epic.AccountID(tok))
	assert.Equal(t, "alice", epic.DisplayName(tok))
	assert.Equal(t, f.srv.Clock().Now().Add(2*time.Hour), tok.Expiry)
	assert.Equal(t, f.srv.Clock().Now().Add(8*time.Hour), epic.RefreshExpiry(tok))

	_, err = cfg.Token(f.ctx, epic.ExchangeCode(code))
	e := epicErr(t, err)
	assert.Equal(t, epicoauth.ErrorCodeExchangeCodeNotFound, e.ErrorCode)
	assert.Equal(t, "invalid_grant", e.OAuthError)
	assert.True(t, e.RequiresLogin())
}

func TestCodeRules(t *testing.T) {
	verifier := "verifier-verifier-verifier-verifier-verifier"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	tests := []struct {
		name  string
		setup func(f *fx) (epic.Grant, *epictest.Client)
		code  string
	}{
		{"expired exchange code", func(f *fx) (epic.Grant, *epictest.Client) {
			code := f.srv.NewExchangeCode(f.alice.ID, f.client.ID)
			f.srv.Clock().Advance(300 * time.Second)
			return epic.ExchangeCode(code), nil
		}, epicoauth.ErrorCodeExchangeCodeNotFound},
		{"consumingClientId of another client", func(f *fx) (epic.Grant, *epictest.Client) {
			other := f.srv.AddClient(epictest.Client{})
			code := f.exchange(f.userToken(nil)["access_token"].(string), "?consumingClientId="+other.ID)
			return epic.ExchangeCode(code), nil
		}, epicoauth.ErrorCodeExchangeCodeClientMismatch},
		{"originating session killed", func(f *fx) (epic.Grant, *epictest.Client) {
			at := f.userToken(nil)["access_token"].(string)
			code := f.exchange(at, "")
			require.True(t, f.srv.RevokeSession(at))
			return epic.ExchangeCode(code), nil
		}, epicoauth.ErrorCodeExpiredExchangeCodeSession},
		{"PKCE verifier missing", func(f *fx) (epic.Grant, *epictest.Client) {
			code := f.exchange(f.userToken(nil)["access_token"].(string), "?codeChallengeMethod=S256&codeChallenge="+challenge)
			return epic.ExchangeCode(code), nil
		}, "errors.com.epicgames.account.oauth.single_use_code_verifier_required"},
		{"PKCE verifier wrong", func(f *fx) (epic.Grant, *epictest.Client) {
			code := f.exchange(f.userToken(nil)["access_token"].(string), "?codeChallengeMethod=S256&codeChallenge="+challenge)
			return epic.ExchangeCode(code, epic.CodeVerifier("nope")), nil
		}, "errors.com.epicgames.account.oauth.single_use_code_verifier_invalid"},
		{"PKCE verifier right", func(f *fx) (epic.Grant, *epictest.Client) {
			code := f.exchange(f.userToken(nil)["access_token"].(string), "?codeChallengeMethod=S256&codeChallenge="+challenge)
			return epic.ExchangeCode(code, epic.CodeVerifier(verifier)), nil
		}, ""},
		{"exchange code redeemed by another client", func(f *fx) (epic.Grant, *epictest.Client) {
			other := f.srv.AddClient(epictest.Client{})
			return epic.ExchangeCode(f.srv.NewExchangeCode(f.alice.ID, f.client.ID)), &other
		}, ""},
		{"authorization code of another client", func(f *fx) (epic.Grant, *epictest.Client) {
			other := f.srv.AddClient(epictest.Client{})
			return epic.AuthorizationCode(f.srv.NewAuthorizationCode(f.alice.ID, other.ID)), nil
		}, "errors.com.epicgames.account.oauth.authorization_code_not_for_your_client"},
		{"authorization code", func(f *fx) (epic.Grant, *epictest.Client) {
			return epic.AuthorizationCode(f.srv.NewAuthorizationCode(f.alice.ID, f.client.ID)), nil
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFx(t)
			grant, as := tt.setup(f)
			if as == nil {
				as = &f.client
			}
			tok, err := f.srv.EpicConfig(*as).Token(f.ctx, grant)
			if tt.code == "" {
				require.NoError(t, err)
				assert.Equal(t, f.alice.ID, epic.AccountID(tok))
				return
			}
			assert.Equal(t, tt.code, epicErr(t, err).ErrorCode)
		})
	}
}

// exchange creates an exchange code with a user token.
func (f *fx) exchange(accessToken, query string) string {
	f.t.Helper()
	r := f.do("GET", "/account/api/oauth/exchange"+query, bearer(accessToken), nil)
	require.Equal(f.t, 200, r.status, "%s", r.body)
	return r.json(f.t)["code"].(string)
}

func TestRefreshRotatesThroughManyExpiries(t *testing.T) {
	f := newFx(t)
	ts := f.srv.EpicConfig(f.client).TokenSource(f.ctx, epic.ExchangeCode(f.srv.NewExchangeCode(f.alice.ID, f.client.ID)))
	first, err := ts.Token()
	require.NoError(t, err)
	seen := map[string]bool{first.RefreshToken: true}
	prev := first
	for i := 1; i <= 6; i++ { // twelve hours: longer than one refresh token lasts
		f.srv.Clock().Advance(2 * time.Hour)
		tok, err := ts.Token()
		require.NoError(t, err, "refresh %d", i)
		assert.NotEqual(t, prev.AccessToken, tok.AccessToken)
		assert.False(t, seen[tok.RefreshToken], "refresh token reused")
		seen[tok.RefreshToken] = true
		assert.Equal(t, f.alice.ID, epic.AccountID(tok))
		assert.Equal(t, i, f.srv.Count("refresh_token"))
		prev = tok
	}
	assert.Equal(t, 1, f.srv.Count("exchange_code"))

	// A used refresh token is rejected with Epic's error, echoing it.
	r := f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}})
	require.Equal(t, http.StatusBadRequest, r.status)
	body := r.json(t)
	assert.Equal(t, epicoauth.ErrorCodeInvalidRefreshToken, body["errorCode"])
	assert.Equal(t, "Sorry the refresh token '"+first.RefreshToken+"' is invalid", body["errorMessage"])
	assert.Equal(t, []any{first.RefreshToken}, body["messageVars"])
}

func TestLostSessionNeedsLogin(t *testing.T) {
	tests := []struct {
		name     string
		lose     func(f *fx, tok string, refresh string)
		requests int // refresh requests the source makes
	}{
		{"refresh token revoked", func(f *fx, _, rt string) { require.True(t, f.srv.RevokeRefreshToken(rt)) }, 1},
		{"session revoked", func(f *fx, at, _ string) { require.True(t, f.srv.RevokeSession(at)) }, 1},
		{"account sessions revoked", func(f *fx, _, _ string) { require.Equal(t, 1, f.srv.RevokeAccountSessions(f.alice.ID)) }, 1},
		{"refresh token expired", func(f *fx, _, _ string) { f.srv.Clock().Advance(6 * time.Hour) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFx(t)
			ts := f.srv.EpicConfig(f.client).TokenSource(f.ctx, epic.ExchangeCode(f.srv.NewExchangeCode(f.alice.ID, f.client.ID)))
			tok, err := ts.Token()
			require.NoError(t, err)
			tt.lose(f, tok.AccessToken, tok.RefreshToken)
			f.srv.Clock().Advance(2*time.Hour + time.Second)
			_, err = ts.Token()
			require.ErrorIs(t, err, epicoauth.ErrLoginRequired)
			if tt.requests > 0 {
				assert.Equal(t, epicoauth.ErrorCodeInvalidRefreshToken, epicErr(t, err).ErrorCode)
				assert.NotContains(t, err.Error(), tok.RefreshToken)
			}
			assert.Equal(t, tt.requests, f.srv.Count("refresh_token"))
		})
	}
}

func TestRefreshWithAnotherClient(t *testing.T) {
	f := newFx(t)
	rt := f.userToken(nil)["refresh_token"].(string)
	other := f.srv.AddClient(epictest.Client{})
	_, err := f.srv.EpicConfig(other).Token(f.ctx, epic.RefreshToken(rt))
	e := epicErr(t, err)
	assert.Equal(t, epicoauth.ErrorCodeInvalidClient, e.ErrorCode)
	assert.Equal(t, "invalid_client", e.OAuthError)
	// The refresh token still works for its own client.
	_, err = f.srv.EpicConfig(f.client).Token(f.ctx, epic.RefreshToken(rt))
	require.NoError(t, err)
}

func TestTokenRequestValidation(t *testing.T) {
	limited := epictest.Client{Grants: []string{"client_credentials"}}
	tests := []struct {
		name   string
		header func(f *fx) http.Header
		form   url.Values
		code   string
		oauth  string
	}{
		{"no Authorization", func(*fx) http.Header { return nil }, url.Values{"grant_type": {"client_credentials"}},
			epicoauth.ErrorCodeInvalidClient, "invalid_client"},
		{"bearer instead of Basic", func(*fx) http.Header { return bearer("x") }, url.Values{"grant_type": {"client_credentials"}},
			epicoauth.ErrorCodeInvalidClient, "invalid_client"},
		{"Basic not base64", func(*fx) http.Header { return http.Header{"Authorization": {"Basic %%%"}} },
			url.Values{"grant_type": {"client_credentials"}}, epicoauth.ErrorCodeInvalidClient, "invalid_client"},
		{"wrong secret", func(f *fx) http.Header { c := f.client; c.Secret = "nope"; return basic(c) },
			url.Values{"grant_type": {"client_credentials"}}, epicoauth.ErrorCodeInvalidClientCredentials, "invalid_client"},
		{"unknown client", func(*fx) http.Header { return basic(epictest.Client{ID: "nobody", Secret: "x"}) },
			url.Values{"grant_type": {"client_credentials"}}, epicoauth.ErrorCodeInvalidClientCredentials, "invalid_client"},
		{"no grant type", nil, url.Values{}, epicoauth.ErrorCodeUnsupportedGrantType, "unsupported_grant_type"},
		{"unknown grant type", nil, url.Values{"grant_type": {"magic"}}, epicoauth.ErrorCodeUnsupportedGrantType, "unsupported_grant_type"},
		{"grant not allowed", func(f *fx) http.Header { return basic(f.srv.AddClient(limited)) },
			url.Values{"grant_type": {"device_auth"}, "account_id": {"a"}, "device_id": {"d"}, "secret": {"s"}},
			epicoauth.ErrorCodeUnauthorizedClient, "unauthorized_client"},
		{"exchange code missing", nil, url.Values{"grant_type": {"exchange_code"}}, epicoauth.ErrorCodeInvalidRequest, "invalid_request"},
		{"code missing", nil, url.Values{"grant_type": {"authorization_code"}}, epicoauth.ErrorCodeInvalidRequest, "invalid_request"},
		{"refresh token missing", nil, url.Values{"grant_type": {"refresh_token"}}, epicoauth.ErrorCodeInvalidRequest, "invalid_request"},
		{"device auth secret missing", nil, url.Values{"grant_type": {"device_auth"}, "account_id": {"a"}, "device_id": {"d"}},
			epicoauth.ErrorCodeInvalidRequest, "invalid_request"},
		{"device code missing", nil, url.Values{"grant_type": {"device_code"}}, epicoauth.ErrorCodeInvalidRequest, "invalid_request"},
		{"external auth token missing", nil, url.Values{"grant_type": {"external_auth"}, "external_auth_type": {"xbl"}},
			epicoauth.ErrorCodeInvalidRequest, "invalid_request"},
		{"unlinked external token", nil, url.Values{"grant_type": {"external_auth"}, "external_auth_type": {"xbl"}, "external_auth_token": {"t"}},
			"errors.com.epicgames.account.ext_auth.invalid_external_auth_token", "invalid_grant"},
		{"token type not for this endpoint", nil, url.Values{"grant_type": {"client_credentials"}, "token_type": {"ep1"}},
			epicoauth.ErrorCodeInvalidRequest, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFx(t)
			h := headerOr(f, tt.header)
			r := f.do("POST", epictest.AccountTokenPath, h, tt.form)
			assert.Equal(t, http.StatusBadRequest, r.status)
			body := r.json(t)
			assert.Equal(t, tt.code, body["errorCode"])
			assert.Equal(t, tt.oauth, body["error"])
			assert.Equal(t, body["errorMessage"], body["error_description"])
		})
	}
}

func TestLifetimesAndSessions(t *testing.T) {
	f := newFx(t)
	f.srv.SetLifetimes(f.client.ID, epictest.Lifetimes{Access: time.Minute, Refresh: time.Hour})
	tok := f.userToken(url.Values{"includePerms": {"true"}})
	assert.Equal(t, float64(60), tok["expires_in"])
	assert.Equal(t, float64(3600), tok["refresh_expires"])
	assert.NotEmpty(t, tok["perms"])
	cc := f.token(url.Values{"grant_type": {"client_credentials"}}, nil)
	assert.Equal(t, float64(14400), cc["expires_in"], "unchanged lifetimes keep their value")

	sessions := f.srv.Sessions(f.alice.ID)
	require.Len(t, sessions, 1)
	assert.Equal(t, "exchange_code", sessions[0].GrantType)
	assert.Equal(t, f.srv.Clock().Now().Add(time.Hour), sessions[0].RefreshExpiry)
	assert.Len(t, f.srv.Sessions(""), 1, "the client_credentials session")
	f.srv.Clock().Advance(time.Hour)
	assert.Empty(t, f.srv.Sessions(f.alice.ID))
}

func TestHelpersPanicOnUnknownIDs(t *testing.T) {
	f := newFx(t)
	assert.Panics(t, func() { f.srv.NewExchangeCode("nobody", f.client.ID) })
	assert.Panics(t, func() { f.srv.NewDeviceAuth(f.alice.ID, "no-client") })
	assert.Panics(t, func() { f.srv.SetLifetimes("no-client", epictest.Lifetimes{}) })
	assert.Panics(t, func() { f.srv.AddAccount(f.alice) })
	assert.Panics(t, func() { f.srv.AddClient(f.client) })
}

func TestExternalAuthSessionShowsInVerify(t *testing.T) {
	f := newFx(t)
	f.srv.AddExternalAuth(f.alice.ID, epictest.ExternalAuth{Type: "steam_session_ticket", Token: "ticket", ExternalID: "7656", DisplayName: "al"})
	tok, err := f.srv.EpicConfig(f.client).Token(f.ctx, epic.ExternalAuth("steam_session_ticket", "ticket"))
	require.NoError(t, err)
	v := f.do("GET", "/account/api/oauth/verify", bearer(tok.AccessToken), nil).json(t)
	assert.Equal(t, "7656", v["ext_auth_id"])
	assert.Equal(t, "steam_session_ticket", v["ext_auth_method"])
	assert.Equal(t, "al", v["ext_auth_display_name"])
	assert.Equal(t, "external_auth", v["auth_method"])
	assert.False(t, errors.Is(err, epicoauth.ErrLoginRequired))
}

func TestCorrectiveActionBlocksLogins(t *testing.T) {
	f := newFx(t)
	rt := f.userToken(nil)["refresh_token"].(string)
	da := f.srv.NewDeviceAuth(f.alice.ID, f.client.ID)
	f.srv.SetCorrectiveAction(f.alice.ID, "PRIVACY_POLICY_ACCEPTANCE")
	logins := map[string]url.Values{
		"exchange_code": {"exchange_code": {f.srv.NewExchangeCode(f.alice.ID, f.client.ID)}},
		"refresh_token": {"refresh_token": {rt}},
		"device_auth":   {"account_id": {da.AccountID}, "device_id": {da.DeviceID}, "secret": {da.Secret}},
	}
	for grant, form := range logins {
		t.Run(grant, func(t *testing.T) {
			form.Set("grant_type", grant)
			r := f.do("POST", epictest.AccountTokenPath, basic(f.client), form)
			require.Equal(t, http.StatusBadRequest, r.status)
			body := r.json(t)
			assert.Equal(t, epicoauth.ErrorCodeCorrectiveActionRequired, body["errorCode"])
			assert.Equal(t, float64(18206), body["numericErrorCode"])
			assert.Equal(t, "PRIVACY_POLICY_ACCEPTANCE", body["correctiveAction"])
			assert.Regexp(t, `^[0-9a-f]{32}$`, body["continuation"])
			assert.Equal(t, f.srv.URL+"/id/continue?continuation="+body["continuation"].(string), body["continuationUrl"])
		})
	}
	assert.Equal(t, http.StatusOK, f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"client_credentials"}}).status,
		"client logins are not the account's")

	f.srv.SetCorrectiveAction(f.alice.ID, "")
	tok, err := f.srv.EpicConfig(f.client).Token(f.ctx, da)
	require.NoError(t, err, "the person acted")
	assert.Equal(t, f.alice.ID, epic.AccountID(tok))
}

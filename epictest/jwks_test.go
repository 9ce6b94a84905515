package epictest_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// The signatures themselves are checked in the idtoken module, with
// go-oidc; here, the shape of what the fake publishes and signs.

// connectIDToken logs alice in to EOS Connect and returns the id_token.
func (f *fx) connectIDToken() string {
	f.t.Helper()
	account := f.srv.EpicConfig(f.client).TokenSource(f.ctx, f.srv.NewDeviceAuth(f.alice.ID, f.client.ID))
	tok, err := f.srv.EOSConfig(f.client, f.srv.DefaultDeployment().ID).Token(f.ctx, eos.ExternalAuthFrom(eos.EpicGamesAccessToken, account))
	require.NoError(f.t, err)
	return eos.IDToken(tok)
}

// easIDToken logs alice in to EOS Auth with the openid scope and returns
// the id_token.
func (f *fx) easIDToken() string {
	f.t.Helper()
	cfg := &epic.Config{ClientID: f.client.ID, ClientSecret: f.client.Secret, Endpoint: f.srv.EOSAuthEndpoint(), Clock: f.srv.Clock()}
	tok, err := cfg.Token(f.ctx, epic.ExchangeCode(f.srv.NewExchangeCode(f.alice.ID, f.client.ID), epic.SetGrantParam("scope", "openid")))
	require.NoError(f.t, err)
	id, _ := tok.Extra("id_token").(string)
	return id
}

// jwtHeader decodes a JWT's header.
func jwtHeader(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	var h map[string]any
	require.NoError(t, json.Unmarshal(b, &h))
	return h
}

// jwks fetches a key set and returns its keys.
func (f *fx) jwks(path string) []map[string]any {
	f.t.Helper()
	r := f.do("GET", path, nil, nil)
	require.Equal(f.t, 200, r.status, "%s", r.body)
	assert.Equal(f.t, "application/json", r.header.Get("Content-Type"))
	var set struct{ Keys []map[string]any }
	require.NoError(f.t, json.Unmarshal(r.body, &set))
	return set.Keys
}

func TestIDTokensSignedAndPublished(t *testing.T) {
	f := newFx(t)
	connect, eas := f.connectIDToken(), f.easIDToken()
	connectKeys, easKeys := f.jwks(epictest.EOSConnectJWKSPath), f.jwks(epictest.EOSAuthJWKSPath)

	for name, c := range map[string]struct {
		token string
		keys  []map[string]any
	}{"connect": {connect, connectKeys}, "eos auth": {eas, easKeys}} {
		t.Run(name, func(t *testing.T) {
			h := jwtHeader(t, c.token)
			assert.Equal(t, "RS256", h["alg"])
			require.Len(t, c.keys, 1)
			k := c.keys[0]
			assert.Equal(t, h["kid"], k["kid"], "the token names the published key")
			assert.Len(t, k["kid"], 43, "an RFC 7638 thumbprint, the form of Epic's kids")
			for field, want := range map[string]any{"kty": "RSA", "e": "AQAB", "use": "sig", "alg": "RS256"} {
				assert.Equal(t, want, k[field], field)
			}
			n, err := base64.RawURLEncoding.DecodeString(k["n"].(string))
			require.NoError(t, err)
			assert.Len(t, n, 256, "a 2048-bit modulus")
			assert.NotEmpty(t, strings.Split(c.token, ".")[2], "a signature")
		})
	}
	assert.NotEqual(t, connectKeys[0]["kid"], easKeys[0]["kid"], "Connect and EOS Auth sign with different keys")
}

func TestRotateKeys(t *testing.T) {
	f := newFx(t)
	before := jwtHeader(t, f.connectIDToken())["kid"]
	easBefore := f.jwks(epictest.EOSAuthJWKSPath)[0]["kid"]

	f.srv.RotateKeys()

	after := f.connectIDToken()
	connectKeys := f.jwks(epictest.EOSConnectJWKSPath)
	require.Len(t, connectKeys, 1, "the old key is no longer published")
	assert.NotEqual(t, before, connectKeys[0]["kid"])
	assert.Equal(t, connectKeys[0]["kid"], jwtHeader(t, after)["kid"], "new tokens use the new key")
	assert.NotEqual(t, easBefore, f.jwks(epictest.EOSAuthJWKSPath)[0]["kid"], "EOS Auth's key rotated too")
}

func TestAdminRotateKeys(t *testing.T) {
	f := newFx(t)
	before := f.jwks(epictest.EOSConnectJWKSPath)[0]["kid"]
	f.admin("POST", "/keys/rotate", "", 200)
	assert.NotEqual(t, before, f.jwks(epictest.EOSConnectJWKSPath)[0]["kid"])
}

func TestJWKSIsGetOnly(t *testing.T) {
	f := newFx(t)
	r := f.do("POST", epictest.EOSConnectJWKSPath, nil, nil)
	assert.Equal(t, 405, r.status)
}

// TestConnectIDTokenClaims: the Connect ID token carries the claims of the
// fact sheet (7.1), act.eat and act.pltfm with Epic's values, the same
// mapping as the EAS ID token's eat and pltfm.
func TestConnectIDTokenClaims(t *testing.T) {
	f := newFx(t)
	dep := f.srv.DefaultDeployment()
	c := jwtClaims(t, f.connectIDToken())
	now := f.srv.Clock().Now()
	assert.Equal(t, f.client.ID, c["aud"])
	assert.Equal(t, f.srv.URL+"/auth/v1/oauth", c["iss"])
	assert.Equal(t, float64(now.Unix()), c["iat"])
	assert.Equal(t, []any{dep.ID, dep.ProductID, dep.SandboxID}, []any{c["pfdid"], c["pfpid"], c["pfsid"]})
	assert.Equal(t, map[string]any{"eat": "epicgames", "eaid": f.alice.ID, "pltfm": "other"}, c["act"])

	for _, p := range platformLogins {
		t.Run(string(p.typ), func(t *testing.T) {
			tok, err := f.srv.EOSConfig(f.client, dep.ID).Token(f.ctx, eos.ExternalAuth(p.typ, "ticket-"+p.eat))
			require.NoError(t, err)
			act, _ := jwtClaims(t, eos.IDToken(tok))["act"].(map[string]any)
			assert.Equal(t, p.eat, act["eat"])
			assert.Equal(t, p.platform, act["pltfm"])
		})
	}
}

// platformLogins are external_auth types with the eat and pltfm claims
// (fact sheet 7.1, 7.2) that the ID tokens of a login with them carry.
var platformLogins = []struct {
	typ           eos.ExternalCredentialType
	eat, platform string
}{
	{eos.SteamSessionTicket, "steam", "steam"},
	{eos.PSNIDToken, "psn", "playstation"},
	{eos.XBLXSTSToken, "xbl", "xbox"},
	{eos.NintendoIDToken, "nintendo_id", "switch"},
	{eos.NintendoNSAIDToken, "nintendo_nsa_id", "switch"},
	{eos.DiscordAccessToken, "discord", "other"},
	{eos.GOGEncryptedSessionTicket, "gog", "other"},
}

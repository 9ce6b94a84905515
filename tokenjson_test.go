package epicoauth_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/wire"
)

// received is when the fixture responses "arrived": a fixed UTC instant.
var received = time.Date(2023, 8, 30, 16, 29, 11, 0, time.UTC)

// fixtureToken parses a recorded Epic token response the way the library
// does for every real response.
func fixtureToken(t *testing.T, name string) *oauth2.Token {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	tok, problem, _ := wire.ParseToken(body, received)
	require.Empty(t, problem)
	return tok
}

func TestMarshalTokenRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		tok  func(t *testing.T) *oauth2.Token
	}{
		{"exchange code session (refresh expiry)", func(t *testing.T) *oauth2.Token {
			return fixtureToken(t, "account-token-exchange_code.json")
		}},
		{"authorization code session (scope array)", func(t *testing.T) *oauth2.Token {
			return fixtureToken(t, "account-token-authorization_code.json")
		}},
		{"client credentials", func(t *testing.T) *oauth2.Token {
			return fixtureToken(t, "account-token-client_credentials.json")
		}},
		{"EOS Connect (arrays, booleans)", func(t *testing.T) *oauth2.Token {
			return fixtureToken(t, "eos-connect-token-external_auth.json")
		}},
		{"form-encoded extras", func(*testing.T) *oauth2.Token {
			tok := &oauth2.Token{AccessToken: "a", TokenType: "bearer", Expiry: received}
			return tok.WithExtra(url.Values{"scope": {"a b"}, "multi": {"1", "2"}, "n": {"42"}})
		}},
		{"no extras", func(*testing.T) *oauth2.Token {
			return &oauth2.Token{AccessToken: "a", RefreshToken: "r", Expiry: received, ExpiresIn: 60}
		}},
		{"empty extras", func(*testing.T) *oauth2.Token {
			return (&oauth2.Token{AccessToken: "a"}).WithExtra(map[string]any{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.tok(t)
			data, err := epicoauth.MarshalToken(tok)
			require.NoError(t, err)
			got, err := epicoauth.UnmarshalToken(data)
			require.NoError(t, err)
			assert.Equal(t, tok, got, "extras included")
			assert.Equal(t, wire.RefreshExpiry(tok), wire.RefreshExpiry(got))
		})
	}
}

func TestMarshalTokenKeepsEpicFields(t *testing.T) {
	tok := fixtureToken(t, "account-token-exchange_code.json")
	data, err := epicoauth.MarshalToken(tok)
	require.NoError(t, err)
	got, err := epicoauth.UnmarshalToken(data)
	require.NoError(t, err)

	assert.Equal(t, received.Add(8*time.Hour), wire.RefreshExpiry(got), "refresh_expires counted from arrival")
	assert.Equal(t, "94b1569506b04f9f8557af611e8c5e47", got.Extra("account_id"))
	assert.Equal(t, "lele stw moment", got.Extra("displayName"))
	assert.Equal(t, true, got.Extra("internal_client"))
	assert.Equal(t, float64(28800), got.Extra("refresh_expires"))
}

func TestMarshalTokenRealClock(t *testing.T) {
	// A token stamped by the real clock has a monotonic reading and a local
	// zone; it comes back as the same instant.
	now := time.Now()
	tok := (&oauth2.Token{AccessToken: "a", ExpiresIn: 7200, Expiry: now.Add(2 * time.Hour)}).
		WithExtra(map[string]any{"account_id": "x"})
	data, err := epicoauth.MarshalToken(tok)
	require.NoError(t, err)
	got, err := epicoauth.UnmarshalToken(data)
	require.NoError(t, err)
	assert.True(t, tok.Expiry.Equal(got.Expiry))
	assert.Equal(t, tok.ExpiresIn, got.ExpiresIn)
	assert.Equal(t, "x", got.Extra("account_id"))
}

func TestMarshalTokenCompatibleWithOAuth2JSON(t *testing.T) {
	tok := fixtureToken(t, "account-token-exchange_code.json")

	// Our form read by plain encoding/json into an oauth2.Token.
	data, err := epicoauth.MarshalToken(tok)
	require.NoError(t, err)
	var plain oauth2.Token
	require.NoError(t, json.Unmarshal(data, &plain))
	assert.Equal(t, tok.AccessToken, plain.AccessToken)
	assert.Equal(t, tok.RefreshToken, plain.RefreshToken)
	assert.Equal(t, tok.ExpiresIn, plain.ExpiresIn)
	assert.True(t, tok.Expiry.Equal(plain.Expiry))

	// json.Marshal of an oauth2.Token read by UnmarshalToken.
	data, err = json.Marshal(tok)
	require.NoError(t, err)
	got, err := epicoauth.UnmarshalToken(data)
	require.NoError(t, err)
	assert.Equal(t, tok.RefreshToken, got.RefreshToken)
	assert.True(t, tok.Expiry.Equal(got.Expiry))
	assert.Nil(t, got.Extra("account_id"), "x/oauth2's form has no extras")
}

func TestUnmarshalTokenBadInput(t *testing.T) {
	const secret = "cccccccccccccccccccccccccccccccc"
	tests := []struct {
		name string
		data string
	}{
		{"not JSON", `refresh_token=` + secret},
		{"truncated", `{"access_token":"` + secret},
		{"empty object", `{}`},
		{"wrong type", `{"access_token":"` + secret + `","expires_in":"soon"}`},
		{"extra not an object", `{"access_token":"` + secret + `","extra":["` + secret + `"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := epicoauth.UnmarshalToken([]byte(tt.data))
			require.ErrorIs(t, err, epicoauth.ErrInvalidToken)
			assert.Nil(t, tok)
			assert.NotContains(t, err.Error(), secret)
		})
	}
	_, err := epicoauth.MarshalToken(nil)
	assert.Error(t, err)
}

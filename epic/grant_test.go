package epic_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth/epic"
)

func TestGrants(t *testing.T) {
	tests := []struct {
		name       string
		grant      epic.Grant
		grantType  string
		params     url.Values
		repeatable bool
	}{
		{"client credentials", epic.ClientCredentials(), "client_credentials", url.Values{}, true},
		{"authorization code", epic.AuthorizationCode("dddddddddddddddddddddddddddddddd"), "authorization_code", url.Values{"code": {"dddddddddddddddddddddddddddddddd"}}, false},
		{"authorization code with PKCE", epic.AuthorizationCode("dddddddddddddddddddddddddddddddd", epic.CodeVerifier("verifier-0123456789")), "authorization_code",
			url.Values{"code": {"dddddddddddddddddddddddddddddddd"}, "code_verifier": {"verifier-0123456789"}}, false},
		{"exchange code with an extra field", epic.ExchangeCode("11111111111111111111111111111111", epic.SetGrantParam("scope", "basic_profile")), "exchange_code",
			url.Values{"exchange_code": {"11111111111111111111111111111111"}, "scope": {"basic_profile"}}, false},
		{"refresh token", epic.RefreshToken("cccccccccccccccccccccccccccccccc"), "refresh_token", url.Values{"refresh_token": {"cccccccccccccccccccccccccccccccc"}}, false},
		{"device code", epic.DeviceCode("UFBQUFBQ"), "device_code", url.Values{"device_code": {"UFBQUFBQ"}}, false},
		{"external auth", epic.ExternalAuth("xbl_xtoken", "XBL3.0 x=1;abc"), "external_auth", url.Values{"external_auth_type": {"xbl_xtoken"}, "external_auth_token": {"XBL3.0 x=1;abc"}}, false},
		{"token to token", epic.TokenToToken("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), "token_to_token", url.Values{"access_token": {"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}}, false},
		{"continuation token", epic.ContinuationToken("33333333333333333333333333333333"), "continuation_token", url.Values{"continuation_token": {"33333333333333333333333333333333"}}, false},
		{"device auth", epic.DeviceAuth{AccountID: "a1", DeviceID: "d1", Secret: "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}, "device_auth",
			url.Values{"account_id": {"a1"}, "device_id": {"d1"}, "secret": {"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.grantType, tt.grant.GrantType())
			assert.Equal(t, tt.repeatable, tt.grant.Repeatable())
			params, err := tt.grant.Params(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.params, params)
		})
	}
}

func TestDeviceAuthDecodesEpicsResponse(t *testing.T) {
	var d epic.DeviceAuth
	require.NoError(t, json.Unmarshal(fixture(t, "account-deviceAuth-create.json"), &d))
	assert.Equal(t, epic.DeviceAuth{
		AccountID: "94b1569506b04f9f8557af611e8c5e47",
		DeviceID:  "435b52ece6d347479531c5132e209e53",
		Secret:    "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
	}, d)
}

func TestGrantsNeverShowSecrets(t *testing.T) {
	const secret = "S3cr3tValue0123456789abcdef"
	device := epic.DeviceAuth{AccountID: "94b1569506b04f9f8557af611e8c5e47", DeviceID: "435b52ece6d347479531c5132e209e53", Secret: secret}
	grants := map[string]any{
		"device auth":         device,
		"device auth pointer": &device,
		"authorization code":  epic.AuthorizationCode(secret, epic.CodeVerifier(secret+"v")),
		"exchange code":       epic.ExchangeCode(secret),
		"refresh token":       epic.RefreshToken(secret),
		"device code":         epic.DeviceCode(secret),
		"external auth":       epic.ExternalAuth("steam_session_ticket", secret),
		"token to token":      epic.TokenToToken(secret),
		"continuation token":  epic.ContinuationToken(secret),
	}
	for name, g := range grants {
		t.Run(name, func(t *testing.T) {
			var text, js bytes.Buffer
			slog.New(slog.NewTextHandler(&text, nil)).Info("login", "grant", g)
			slog.New(slog.NewJSONHandler(&js, nil)).Info("login", "grant", g)
			for _, out := range []string{
				fmt.Sprintf("%v", g), fmt.Sprintf("%+v", g), fmt.Sprintf("%#v", g), fmt.Sprintf("%s", g),
				text.String(), js.String(),
			} {
				assert.NotContains(t, out, secret)
				assert.Contains(t, out, "[REDACTED]")
			}
		})
	}
	t.Run("device auth shows its ids", func(t *testing.T) {
		assert.Equal(t, "DeviceAuth{AccountID: 94b1569506b04f9f8557af611e8c5e47, DeviceID: 435b52ece6d347479531c5132e209e53, Secret: [REDACTED]}", fmt.Sprintf("%+v", device))
	})
}

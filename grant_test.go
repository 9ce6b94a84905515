package epicoauth_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
)

func TestNewGrant(t *testing.T) {
	params := url.Values{"otp": {"123456"}, "challenge": {"abcdefabcdefabcdefabcdefabcdefab"}}
	g := epicoauth.NewGrant("otp", params, false)
	assert.Equal(t, "otp", g.GrantType())
	assert.False(t, g.Repeatable())
	assert.True(t, epicoauth.NewGrant("custom", nil, true).Repeatable())

	got, err := g.Params(context.Background())
	require.NoError(t, err)
	assert.Equal(t, params, got)

	// The grant keeps its own copy: neither the caller's map nor a
	// returned one can change what it sends.
	params.Set("otp", "000000")
	got.Set("challenge", "changed")
	got.Add("extra", "x")
	again, err := g.Params(context.Background())
	require.NoError(t, err)
	assert.Equal(t, url.Values{"otp": {"123456"}, "challenge": {"abcdefabcdefabcdefabcdefabcdefab"}}, again)

	empty, err := epicoauth.NewGrant("client_credentials", nil, true).Params(context.Background())
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestNewGrantNeverShowsValues(t *testing.T) {
	const secret = "eg1~eyJhbGciOiJSUzI1NiJ9.secret-refresh-token"
	g := epicoauth.NewGrant("refresh_token", url.Values{"refresh_token": {secret}, "scope": {"basic_profile"}}, false)
	const want = "Grant(refresh_token refresh_token=[REDACTED] scope=[REDACTED])"

	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("login", "grant", g)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("login", "grant", g)
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", g), "%+v": fmt.Sprintf("%+v", g), "%#v": fmt.Sprintf("%#v", g), "%s": fmt.Sprintf("%s", g),
		"slog text": text.String(), "slog JSON": js.String(),
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			assert.NotContains(t, out, secret)
			assert.NotContains(t, out, "basic_profile")
			assert.Contains(t, out, want)
		})
	}
}

package eos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/eos"
)

func TestGrants(t *testing.T) {
	tests := []struct {
		name      string
		grant     eos.Grant
		grantType string
		params    url.Values
	}{
		{"client credentials", eos.ClientCredentials(), "client_credentials", url.Values{}},
		{"external auth", eos.ExternalAuth(eos.XBLXSTSToken, "XBL3.0 x=1;abc"), "external_auth",
			url.Values{"external_auth_type": {"xbl_xsts_token"}, "external_auth_token": {"XBL3.0 x=1;abc"}}},
		{"external auth from a source", eos.ExternalAuthFrom(eos.EpicGamesIDToken, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "eyJhbGciOiJSUzI1NiJ9.id"})), "external_auth",
			url.Values{"external_auth_type": {"epicgames_id_token"}, "external_auth_token": {"eyJhbGciOiJSUzI1NiJ9.id"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.grantType, tt.grant.GrantType())
			// EOS Connect does not consume the credential: every grant
			// can be run again when the hour-long token expires.
			assert.True(t, tt.grant.Repeatable())
			params, err := tt.grant.Params(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.params, params)
		})
	}
}

// ctxSource records the context it was asked under.
type ctxSource struct{ got context.Context }

func (s *ctxSource) Token() (*oauth2.Token, error) { return s.TokenContext(context.Background()) }
func (s *ctxSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	s.got = ctx
	return &oauth2.Token{AccessToken: "eg1~account-token"}, nil
}

type ctxKey struct{}

func TestExternalAuthFromPassesTheContext(t *testing.T) {
	src := &ctxSource{}
	ctx := context.WithValue(context.Background(), ctxKey{}, "request")
	_, err := eos.ExternalAuthFrom(eos.EpicGamesAccessToken, src).Params(ctx)
	require.NoError(t, err)
	require.NotNil(t, src.got)
	assert.Equal(t, "request", src.got.Value(ctxKey{}))
}

// failing is a token source that cannot produce a token.
type failing struct{ err error }

func (f failing) Token() (*oauth2.Token, error) { return nil, f.err }

func TestExternalAuthFromReportsItsSourceError(t *testing.T) {
	cause := errors.New("account session expired")
	_, err := eos.ExternalAuthFrom(eos.EpicGamesAccessToken, failing{cause}).Params(context.Background())
	require.ErrorIs(t, err, cause)
	assert.Contains(t, err.Error(), "external credential")
}

func TestGrantsNeverShowTokens(t *testing.T) {
	const secret = "eg1~eyJhbGciOiJSUzI1NiJ9.secret-account-token"
	grants := map[string]eos.Grant{
		"external auth":      eos.ExternalAuth(eos.EpicGamesAccessToken, secret),
		"external auth from": eos.ExternalAuthFrom(eos.EpicGamesAccessToken, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: secret})),
	}
	for name, g := range grants {
		t.Run(name, func(t *testing.T) {
			var text, js bytes.Buffer
			slog.New(slog.NewTextHandler(&text, nil)).Info("login", "grant", g)
			slog.New(slog.NewJSONHandler(&js, nil)).Info("login", "grant", g)
			for _, out := range []string{fmt.Sprintf("%v", g), fmt.Sprintf("%+v", g), fmt.Sprintf("%#v", g), text.String(), js.String()} {
				assert.NotContains(t, out, secret)
			}
			assert.Contains(t, fmt.Sprintf("%v", g), "external_auth")
		})
	}
}

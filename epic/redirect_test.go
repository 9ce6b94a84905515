package epic_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// Every call of a Config that talks to Epic refuses a redirect to another
// origin (here the same host on another port): the target sees nothing,
// neither the form, the client secret nor the bearer token.
func TestConfigCallsRefuseRedirectsOutOfOrigin(t *testing.T) {
	var reached atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Add(1) }))
	defer target.Close()
	var asked atomic.Int32
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer endpoint.Close()
	cfg := &epic.Config{ClientID: "ec684b8c687f479fadea3cb2ad83f5c6", ClientSecret: "cs0SECRET0client0000000000000001",
		Endpoint: oauth2.Endpoint{TokenURL: endpoint.URL + "/account/api/oauth/token"}, Retry: epicoauth.NoRetry()}
	tok := (&oauth2.Token{AccessToken: "at0SECRET0access0000000000000004"}).WithExtra(map[string]any{"account_id": "94b1569506b04f9f8557af611e8c5e47"})
	ctx := context.Background()
	calls := map[string]func() error{
		"Token": func() error {
			_, err := cfg.Token(ctx, epic.RefreshToken("rt0SECRET0refresh000000000000002"))
			return err
		},
		"Verify":             func() error { _, err := cfg.Verify(ctx, tok); return err },
		"Introspect":         func() error { _, err := cfg.Introspect(ctx, tok); return err },
		"KillSession":        func() error { return cfg.KillSession(ctx, tok) },
		"CreateExchangeCode": func() error { _, err := cfg.CreateExchangeCode(ctx, tok, nil); return err },
		"CreateDeviceAuth":   func() error { _, err := cfg.CreateDeviceAuth(ctx, tok); return err },
		"DeviceAuthorization": func() error {
			_, err := cfg.DeviceAuthorization(ctx)
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			before := asked.Load()
			err := call()
			var re *epicoauth.RedirectError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, http.StatusTemporaryRedirect, re.StatusCode)
			assert.Equal(t, before+1, asked.Load())
			assert.NotContains(t, err.Error(), "SECRET")
		})
	}
	assert.Zero(t, reached.Load(), "nothing reached the other origin")
}

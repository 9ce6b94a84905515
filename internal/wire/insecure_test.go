package wire

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url     string
		refused bool
	}{
		{"https://account-public-service-prod.ol.epicgames.com/account/api/oauth/token", false},
		{"http://127.0.0.1:8080/account/api/oauth/token", false},
		{"http://127.8.9.10/token", false},
		{"http://[::1]:9000/token", false},
		{"http://[::ffff:127.0.0.1]/token", false},
		{"http://localhost:9000/token", false},
		{"http://LocalHost./token", false},
		{"HTTP://localhost/token", false},
		{"http://account-public-service-prod.ol.epicgames.com/account/api/oauth/token", true},
		{"http://10.0.0.1/token", true},
		{"http://192.168.1.20:8080/token", true},
		{"http://[::2]/token", true},
		{"http://0.0.0.0/token", true},
		{"http://127.0.0.1.nip.io/token", true},
		{"http://localhost.example.com/token", true},
		{"http://example.com@127.0.0.1/token", false}, // userinfo, host is loopback
		{"http://127.0.0.1@example.com/token", true},
		{"http:///token", true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			require.NoError(t, err)
			err = checkURL(u, false)
			if tt.refused {
				require.ErrorIs(t, err, epicoauth.ErrInsecureHTTP)
				assert.NoError(t, checkURL(u, true), "AllowInsecureHTTP lets it through")
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

// A refused request never reaches the transport, so not even the Basic
// header leaves the machine.
func TestDoRefusesPlainHTTP(t *testing.T) {
	var calls atomic.Int32
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return cannedResponse(r, 200, nil, string(fixture(t, "account-token-client_credentials.json"))), nil
	})}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
	req := &Request{URL: "http://account-public-service-prod.ol.epicgames.com" + tokenPath, ClientID: testClientID, ClientSecret: testClientSecret, Form: clientCredentials}

	_, err := RetrieveToken(ctx, req)
	require.ErrorIs(t, err, epicoauth.ErrInsecureHTTP)
	assert.Contains(t, err.Error(), `host "account-public-service-prod.ol.epicgames.com"`)
	assert.Zero(t, calls.Load(), "refused before sending, and not retried")

	req.AllowInsecureHTTP = true
	tok, err := RetrieveToken(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", tok.AccessToken)
	assert.Equal(t, int32(1), calls.Load())
}

// An https endpoint (here a loopback one) that redirects to plain http must
// not carry the request there.
func TestDoRefusesRedirectToPlainHTTP(t *testing.T) {
	tests := []struct {
		name     string
		location string
		allow    bool
		refused  bool
	}{
		{"to a remote http host", "http://evil.example" + tokenPath, false, true},
		{"to a remote http host when allowed", "http://evil.example" + tokenPath, true, false},
		{"to loopback", "http://127.0.0.1:1" + tokenPath, false, false},
		{"to https", "https://evil.example" + tokenPath, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hops []string
			client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				hops = append(hops, r.URL.String())
				if len(hops) == 1 {
					return cannedResponse(r, http.StatusTemporaryRedirect, http.Header{"Location": {tt.location}}, ""), nil
				}
				return cannedResponse(r, 200, nil, string(fixture(t, "account-token-client_credentials.json"))), nil
			})}
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
			req := &Request{URL: "http://127.0.0.1:1" + tokenPath, ClientID: testClientID, ClientSecret: testClientSecret, Form: clientCredentials, AllowInsecureHTTP: tt.allow, Retry: epicoauth.NoRetry()}
			_, err := RetrieveToken(ctx, req)
			if tt.refused {
				require.ErrorIs(t, err, epicoauth.ErrInsecureHTTP)
				assert.Len(t, hops, 1, "the redirect is not followed")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []string{"http://127.0.0.1:1" + tokenPath, tt.location}, hops)
		})
	}
}

// Our redirect guard keeps the limit and CheckRedirect of the caller's
// client.
func TestGuardRedirectsKeepsClientPolicy(t *testing.T) {
	var asked int
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { asked++; return http.ErrUseLastResponse }}
	g := guardRedirects(c, false)
	r, _ := http.NewRequest(http.MethodGet, "https://example.com/", nil)
	assert.ErrorIs(t, g.CheckRedirect(r, nil), http.ErrUseLastResponse)
	assert.Equal(t, 1, asked)
	assert.NotNil(t, c.CheckRedirect, "the caller's client is not changed")

	g = guardRedirects(&http.Client{}, false)
	assert.Error(t, g.CheckRedirect(r, make([]*http.Request, maxRedirects)))
	assert.NoError(t, g.CheckRedirect(r, make([]*http.Request, maxRedirects-1)))
}

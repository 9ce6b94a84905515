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

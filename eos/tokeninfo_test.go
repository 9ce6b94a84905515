package eos_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epictest"
)

const accessToken = "eyJraWQiOiJ0b2tlbiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl"

// assertTokenPost checks a tokenInfo or revoke request: a POST of the token
// alone, without any Authorization header.
func assertTokenPost(t *testing.T, r seen, path string) {
	t.Helper()
	assert.Equal(t, http.MethodPost, r.method)
	assert.Equal(t, path, r.path)
	assert.Equal(t, "application/x-www-form-urlencoded", r.header.Get("Content-Type"))
	assert.Empty(t, r.header.Values("Authorization"), "the token is the credential")
	assert.Equal(t, url.Values{"token": {accessToken}}, r.form)
}

func TestTokenInfo(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want *eos.TokenInfo
	}{
		{"active (recorded answer)", fixture(t, "eos-epic-oauth-v2-tokenInfo.json"), &eos.TokenInfo{
			Active: true, Scope: []string{"basic_profile", "friends_list", "country", "openid", "presence"}, TokenType: "bearer",
			Expiry: start.Add(7199 * time.Second), AccountID: "REDACTED", ClientID: "12c4279862ab4460a25c2e9fa535fb7e",
			ApplicationID: "fghi4567rNJHv9pNoyczQXo6DDJ6RDeq",
		}},
		{"inactive", []byte(`{"active": false}`), &eos.TokenInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEASServer(t, func(seen) (int, []byte) { return http.StatusOK, tt.body })
			info, err := srv.config(epictest.NewClock(start)).TokenInfo(context.Background(), accessToken)
			require.NoError(t, err)
			assert.Equal(t, tt.want, info)
			reqs := srv.requests()
			require.Len(t, reqs, 1)
			assertTokenPost(t, reqs[0], "/epic/oauth/v2/tokenInfo")
		})
	}
}

func TestRevoke(t *testing.T) {
	srv := newEASServer(t, func(seen) (int, []byte) { return http.StatusNoContent, nil })
	require.NoError(t, srv.config(nil).Revoke(context.Background(), accessToken))
	reqs := srv.requests()
	require.Len(t, reqs, 1)
	assertTokenPost(t, reqs[0], "/epic/oauth/v2/revoke")
}

func TestUserInfo(t *testing.T) {
	body := []byte(`{"sub":"` + accountID + `","preferred_username":"alice","preferred_language":"en"}`)
	srv := newEASServer(t, func(seen) (int, []byte) { return http.StatusOK, body })
	u, err := srv.config(nil).UserInfo(context.Background(), &oauth2.Token{AccessToken: accessToken})
	require.NoError(t, err)
	assert.Equal(t, accountID, u.Subject)
	assert.Equal(t, "alice", u.PreferredUsername)
	var more struct {
		Language string `json:"preferred_language"`
	}
	require.NoError(t, u.Claims(&more))
	assert.Equal(t, "en", more.Language)

	r := srv.requests()[0]
	assert.Equal(t, http.MethodGet, r.method)
	assert.Equal(t, "/epic/oauth/v2/userInfo", r.path)
	assert.Equal(t, "bearer "+accessToken, r.header.Get("Authorization"))
	assert.Empty(t, r.form)
	assert.Error(t, (&eos.UserInfo{}).Claims(&more), "a UserInfo not from UserInfo has no claims")
}

func TestTokenEndpointErrors(t *testing.T) {
	denied := fixture(t, "error-token_verification_failed.json")
	srv := newEASServer(t, func(r seen) (int, []byte) {
		if r.path == "/epic/oauth/v2/userInfo" {
			return http.StatusUnauthorized, denied
		}
		return http.StatusBadRequest, []byte(`{"errorCode":"errors.com.epicgames.common.oauth.invalid_request","errorMessage":"token ` + accessToken + ` is malformed","numericErrorCode":1013,"error":"invalid_request"}`)
	})
	cfg := srv.config(nil)
	ctx := context.Background()
	_, infoErr := cfg.TokenInfo(ctx, accessToken)
	revokeErr := cfg.Revoke(ctx, accessToken)
	_, userErr := cfg.UserInfo(ctx, &oauth2.Token{AccessToken: accessToken})
	for name, tt := range map[string]struct {
		err    error
		code   string
		status int
		prefix string
	}{
		"tokenInfo": {infoErr, epicoauth.ErrorCodeInvalidRequest, http.StatusBadRequest, "eos: introspecting token: "},
		"revoke":    {revokeErr, epicoauth.ErrorCodeInvalidRequest, http.StatusBadRequest, "eos: revoking token: "},
		"userInfo":  {userErr, epicoauth.ErrorCodeTokenVerificationFailed, http.StatusUnauthorized, "eos: reading userinfo: "},
	} {
		t.Run(name, func(t *testing.T) {
			var e *epicoauth.Error
			require.ErrorAs(t, tt.err, &e)
			assert.Equal(t, tt.code, e.ErrorCode)
			assert.Equal(t, tt.status, e.StatusCode)
			assert.Contains(t, tt.err.Error(), tt.prefix)
			assert.NotContains(t, tt.err.Error(), accessToken)
			assert.NotContains(t, string(e.Body), accessToken)
			assert.NotContains(t, tt.err.Error(), easClientSecret)
		})
	}
}

func TestTokenEndpointsRefuseBeforeSending(t *testing.T) {
	srv := newEASServer(t, func(seen) (int, []byte) { return http.StatusOK, []byte(`{}`) })
	cfg := srv.config(nil)
	ctx := context.Background()
	_, err := cfg.TokenInfo(ctx, "")
	assert.Error(t, err)
	assert.Error(t, cfg.Revoke(ctx, ""))
	_, err = cfg.UserInfo(ctx, nil)
	assert.Error(t, err)
	_, err = cfg.UserInfo(ctx, &oauth2.Token{})
	assert.Error(t, err)

	odd := &eos.AuthConfig{ClientID: easClientID, Endpoint: oauth2.Endpoint{TokenURL: srv.URL + "/oauth/issue"}}
	_, err = odd.TokenInfo(ctx, accessToken)
	assert.ErrorContains(t, err, "does not end in /token")
	assert.Empty(t, srv.requests())
}

func TestTokenEndpointsFollowTheEndpoint(t *testing.T) {
	tests := []struct{ tokenURL, wantToken, wantRevoke string }{
		{"", "https://api.epicgames.dev/epic/oauth/v2/token", "https://api.epicgames.dev/epic/oauth/v2/revoke"},
		{"https://eas.example/prefix/epic/oauth/v2/token", "https://eas.example/prefix/epic/oauth/v2/token", "https://eas.example/prefix/epic/oauth/v2/revoke"},
		{"https://eas.example/token?x=1", "https://eas.example/token?x=1", "https://eas.example/revoke?x=1"},
	}
	for _, tt := range tests {
		t.Run(tt.tokenURL, func(t *testing.T) {
			var got []string
			client := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
				got = append(got, r.URL.String())
				if strings.HasSuffix(r.URL.Path, "/revoke") {
					return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
				}
				return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(easToken(1, nil))),
					Header: http.Header{"Content-Type": {"application/json"}}, Request: r}, nil
			})}
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
			cfg := &eos.AuthConfig{Endpoint: oauth2.Endpoint{TokenURL: tt.tokenURL}}
			_, err := cfg.Token(ctx, eos.ClientCredentials())
			require.NoError(t, err)
			require.NoError(t, cfg.Revoke(ctx, accessToken))
			assert.Equal(t, []string{tt.wantToken, tt.wantRevoke}, got)
		})
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestAuthConfigOptionsReachEveryRequest: the AuthConfig's UserAgent goes
// with the token request and with the three requests next to it, and its
// Retry governs token requests as in the other Configs.
func TestAuthConfigOptionsReachEveryRequest(t *testing.T) {
	t.Run("UserAgent", func(t *testing.T) {
		for _, ua := range []string{"", "MyGame/1.2 (EOS)"} {
			srv := newEASServer(t, func(r seen) (int, []byte) {
				switch r.path {
				case "/epic/oauth/v2/revoke":
					return http.StatusNoContent, nil
				case "/epic/oauth/v2/tokenInfo":
					return http.StatusOK, []byte(`{"active":false}`)
				case "/epic/oauth/v2/userInfo":
					return http.StatusOK, []byte(`{"sub":"` + accountID + `"}`)
				}
				return http.StatusOK, easToken(1, nil)
			})
			cfg := srv.config(nil)
			cfg.UserAgent = ua
			ctx := context.Background()
			tok, err := cfg.Token(ctx, eos.ClientCredentials())
			require.NoError(t, err)
			_, err = cfg.TokenInfo(ctx, accessToken)
			require.NoError(t, err)
			_, err = cfg.UserInfo(ctx, tok)
			require.NoError(t, err)
			require.NoError(t, cfg.Revoke(ctx, accessToken))

			want := ua
			if want == "" {
				want = epicoauth.DefaultUserAgent
			}
			reqs := srv.requests()
			require.Len(t, reqs, 4)
			for _, r := range reqs {
				assert.Equal(t, want, r.header.Get("User-Agent"), r.path)
			}
		}
	})
	t.Run("Retry", func(t *testing.T) {
		throttled := []byte(`{"errorCode":"errors.com.epicgames.common.throttled","errorMessage":"Operation access is limited by throttling policy, please try again in 1 second(s).","messageVars":["1"],"numericErrorCode":1041}`)
		for _, tt := range []struct {
			name     string
			retry    *epicoauth.RetryPolicy
			requests int
		}{
			{"default: three attempts", nil, 3},
			{"NoRetry: one", epicoauth.NoRetry(), 1},
		} {
			t.Run(tt.name, func(t *testing.T) {
				srv := newEASServer(t, func(seen) (int, []byte) { return http.StatusTooManyRequests, throttled })
				cfg := srv.config(epictest.NewClock(start)) // the fake clock's Sleep returns at once
				cfg.Retry = tt.retry
				_, err := cfg.Token(context.Background(), eos.ClientCredentials())
				var e *epicoauth.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, http.StatusTooManyRequests, e.StatusCode)
				assert.Len(t, srv.requests(), tt.requests)
			})
		}
	})
}

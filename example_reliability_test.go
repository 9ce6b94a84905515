package epicoauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// A throttled request whose wait is longer than MaxRetryAfter comes back at
// once, typed, with the wait Epic asked for.
func ExampleRetryPolicy() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"errorCode":"errors.com.epicgames.common.throttled","errorMessage":"Operation access is limited by throttling policy, please try again in 5588 second(s).","messageVars":["5588"],"numericErrorCode":1041,"originatingService":"com.epicgames.account.public","intent":"prod"}`)
	}))
	defer srv.Close()

	cfg := &epic.Config{
		ClientID:     "ec684b8c687f479fadea3cb2ad83f5c6",
		ClientSecret: "e1f31c211f28413186262d37a13fc84d",
		Endpoint:     oauth2.Endpoint{TokenURL: srv.URL + "/account/api/oauth/token"},
		Retry:        &epicoauth.RetryPolicy{MaxAttempts: 5, MaxRetryAfter: 2 * time.Minute},
	}
	_, err := cfg.Token(context.Background(), epic.ClientCredentials())
	var e *epicoauth.Error
	if errors.As(err, &e) && e.ErrorCode == epicoauth.ErrorCodeThrottled {
		fmt.Println("throttled; try again in", e.RetryAfter)
	}
	// Output: throttled; try again in 1h33m8s
}

// Credentials never go to a remote host over plain http unless the Config
// says so.
func ExampleErrInsecureHTTP() {
	cfg := &epic.Config{
		ClientID:     "ec684b8c687f479fadea3cb2ad83f5c6",
		ClientSecret: "e1f31c211f28413186262d37a13fc84d",
		Endpoint:     oauth2.Endpoint{TokenURL: "http://account-public-service-prod.ol.epicgames.com/account/api/oauth/token"},
	}
	_, err := cfg.Token(context.Background(), epic.ClientCredentials())
	fmt.Println(errors.Is(err, epicoauth.ErrInsecureHTTP))
	// Output: true
}

// A token endpoint that answers with a redirect gets a typed error: the
// form, the refresh token and the client secret are not sent again, to
// that host or any other.
func ExampleRedirectError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example/token?code=abc", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()

	cfg := &epic.Config{
		ClientID:     "ec684b8c687f479fadea3cb2ad83f5c6",
		ClientSecret: "e1f31c211f28413186262d37a13fc84d",
		Endpoint:     oauth2.Endpoint{TokenURL: srv.URL + "/account/api/oauth/token"},
	}
	_, err := cfg.Token(context.Background(), epic.RefreshToken("a-refresh-token"))
	var re *epicoauth.RedirectError
	if errors.As(err, &re) {
		fmt.Println(re.StatusCode, re.Target)
	}
	// Output: 307 https://elsewhere.example/token?[REDACTED]
}

// NewClient puts the bearer token only on requests to the origin of the
// request you made. When an API redirects to a host you trust with the
// token, name it.
func ExampleBearerRedirectHosts() {
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("cdn got a token:", r.Header.Get("Authorization") != "")
	}))
	defer cdn.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Another port of the same machine: another origin.
		http.Redirect(w, r, cdn.URL+"/file", http.StatusFound)
	}))
	defer api.Close()

	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "an-access-token"})
	for _, client := range []*http.Client{
		epicoauth.NewClient(context.Background(), src),
		epicoauth.NewClient(context.Background(), src, epicoauth.BearerRedirectHosts("127.0.0.1")),
	} {
		resp, err := client.Get(api.URL + "/download")
		if err == nil {
			resp.Body.Close()
		}
	}
	// Output:
	// cdn got a token: false
	// cdn got a token: true
}

// A token answer whose tokens are well formed is kept even when an
// optional field is not: Epic has already rotated the refresh token. The
// field counts as absent and OnError hears about it.
func ExampleMalformedFieldError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","expires_in":1e309,"expires_at":"2999-01-01T00:00:00.000Z","token_type":"bearer","refresh_token":"cccccccccccccccccccccccccccccccc","refresh_expires":28800}`)
	}))
	defer srv.Close()

	cfg := &epic.Config{
		ClientID:     "ec684b8c687f479fadea3cb2ad83f5c6",
		ClientSecret: "e1f31c211f28413186262d37a13fc84d",
		Endpoint:     oauth2.Endpoint{TokenURL: srv.URL + "/account/api/oauth/token"},
	}
	ts, err := cfg.StoredTokenSource(context.Background(), epic.RefreshToken("a-refresh-token"), &epicoauth.TokenSourceOptions{
		OnError: func(err error) {
			var m *epicoauth.MalformedFieldError
			if errors.As(err, &m) {
				fmt.Println("kept the token without", m.Field)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	defer ts.Close()
	tok, err := ts.Token()
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.RefreshToken)
	// Output:
	// kept the token without expires_in
	// cccccccccccccccccccccccccccccccc
}

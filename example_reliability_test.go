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

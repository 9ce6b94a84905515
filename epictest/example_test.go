package epictest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// A user's test: a bot logs in with a device auth and keeps its session
// for a day of fake time; the fake counts the refreshes.
func Example() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	alice := srv.AddAccount(epictest.Account{DisplayName: "alice"})
	client := srv.DefaultClient()
	deviceAuth := srv.NewDeviceAuth(alice.ID, client.ID)

	ts := srv.EpicConfig(client).TokenSource(context.Background(), deviceAuth)
	tok, err := ts.Token()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("logged in as", epic.DisplayName(tok), "until", tok.Expiry.Format(time.Kitchen))

	for range 12 {
		srv.Clock().Advance(2 * time.Hour)
		if _, err := ts.Token(); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println("refreshes:", srv.Count("refresh_token"), "device_auth logins:", srv.Count("device_auth"))

	// Output:
	// logged in as alice until 2:00PM
	// refreshes: 12 device_auth logins: 1
}

// Make Epic throttle token requests and see what the caller gets: a short
// wait is absorbed by the library's retry policy, a long one is reported.
func ExampleServer_Inject() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	cfg := srv.EpicConfig(srv.DefaultClient())
	ctx := context.Background()

	srv.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: 30 * time.Second, Path: epictest.AccountTokenPath})
	_, err := cfg.Token(ctx, epic.ClientCredentials())
	fmt.Println("30s throttle:", err, "after", srv.Count("client_credentials"), "requests")

	srv.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: time.Hour, Path: epictest.AccountTokenPath})
	_, err = cfg.Token(ctx, epic.ClientCredentials())
	var e *epicoauth.Error
	if errors.As(err, &e) {
		fmt.Println("1h throttle:", e.StatusCode, e.ErrorCode, e.RetryAfter, e.Temporary())
	}
	// Output:
	// 30s throttle: <nil> after 2 requests
	// 1h throttle: 429 errors.com.epicgames.common.throttled 1h0m0s true
}

// An EOS Connect session for an Epic account, renewed from the account's
// own token source.
func ExampleServer_EOSConfig() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	alice := srv.AddAccount(epictest.Account{DisplayName: "alice"})
	client := srv.DefaultClient()
	ctx := context.Background()

	account := srv.EpicConfig(client).TokenSource(ctx, srv.NewDeviceAuth(alice.ID, client.ID))
	eosCfg := srv.EOSConfig(client, srv.DefaultDeployment().ID)
	tok, err := eosCfg.TokenSource(ctx, eos.ExternalAuthFrom(eos.EpicGamesAccessToken, account)).Token()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("new product user:", eos.ProductUserIDCreated(tok), "features:", eos.Features(tok))
	// Output:
	// new product user: true features: [Connect Ecom]
}

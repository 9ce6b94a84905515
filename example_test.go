package epicoauth_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// These examples run against epictest, the library's in-process fake of
// Epic's services, so they work offline. In a real program leave Endpoint
// and Clock out of the Config: the zero values mean Epic's servers and the
// machine's clock.

// A client-credentials token: a token for the client itself, re-run by the
// token source whenever it expires.
func Example_clientCredentials() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	client := srv.DefaultClient()

	cfg := &epic.Config{
		ClientID:     client.ID,
		ClientSecret: client.Secret,
		Endpoint:     srv.AccountEndpoint(), // omit for Epic's real service
		Clock:        srv.Clock(),           // omit for the real clock
	}
	ts := cfg.TokenSource(context.Background(), epic.ClientCredentials())
	tok, err := ts.Token()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("client token for", epic.ClientID(tok) == client.ID, "lasts", time.Duration(tok.ExpiresIn)*time.Second)

	srv.Clock().Advance(4 * time.Hour) // the token has expired
	if _, err := ts.Token(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("client_credentials requests:", srv.Count("client_credentials"))
	// Output:
	// client token for true lasts 4h0m0s
	// client_credentials requests: 2
}

// A device auth is the long-lived credential of a bot or service: the
// client built on it refreshes (rotating the refresh token) and logs in
// again by itself, forever.
func Example_deviceAuth() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	client := srv.DefaultClient()
	bot := srv.AddAccount(epictest.Account{DisplayName: "FriendlyBot"})
	saved := srv.NewDeviceAuth(bot.ID, client.ID) // normally epic.LoadDeviceAuth(path)

	cfg := &epic.Config{
		ClientID: client.ID, ClientSecret: client.Secret, TokenType: "eg1",
		Endpoint: srv.AccountEndpoint(), Clock: srv.Clock(),
	}
	ctx := context.Background()
	ts := cfg.TokenSource(ctx, epic.DeviceAuth{AccountID: saved.AccountID, DeviceID: saved.DeviceID, Secret: saved.Secret})
	for range 3 {
		tok, err := ts.Token()
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(epic.DisplayName(tok), tok.AccessToken[:4], "valid until", tok.Expiry.Format(time.Kitchen))
		srv.Clock().Advance(2 * time.Hour)
	}
	fmt.Println("logins:", srv.Count("device_auth"), "refreshes:", srv.Count("refresh_token"))
	// Output:
	// FriendlyBot eg1~ valid until 2:00PM
	// FriendlyBot eg1~ valid until 4:00PM
	// FriendlyBot eg1~ valid until 6:00PM
	// logins: 1 refreshes: 2
}

// An exchange code, passed to a game by the Epic Games Launcher
// (-AUTH_PASSWORD=<code>), becomes a session. Codes work once: when the
// session can no longer be refreshed, errors match ErrLoginRequired.
func Example_exchangeCode() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	client := srv.DefaultClient()
	player := srv.AddAccount(epictest.Account{DisplayName: "player1"})
	code := srv.NewExchangeCode(player.ID, client.ID) // from the launcher

	cfg := srv.EpicConfig(client)
	ts := cfg.TokenSource(context.Background(), epic.ExchangeCode(code))
	tok, err := ts.Token()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("playing as", epic.DisplayName(tok), "; refresh token good for", epic.RefreshExpiry(tok).Sub(tok.Expiry))

	srv.Clock().Advance(9 * time.Hour) // past the refresh token's 8 hours
	_, err = ts.Token()
	fmt.Println("login required:", errors.Is(err, epicoauth.ErrLoginRequired))
	// Output:
	// playing as player1 ; refresh token good for 6h0m0s
	// login required: true
}

// An EOS Connect client token for a trusted game server. Every request
// carries the deployment id and a fresh nonce, which the response must echo.
func Example_eosClientToken() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	client := srv.DefaultClient()
	deployment := srv.DefaultDeployment()

	cfg := &eos.Config{
		ClientID:     client.ID,
		ClientSecret: client.Secret,
		DeploymentID: deployment.ID,
		Endpoint:     srv.EOSConnectEndpoint(), // omit for api.epicgames.dev
		Clock:        srv.Clock(),
	}
	tok, err := cfg.Token(context.Background(), eos.ClientCredentials())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("deployment matches:", eos.DeploymentID(tok) == deployment.ID)
	fmt.Println("nonce echoed:", eos.Nonce(tok) != "")
	fmt.Println("lasts:", time.Duration(tok.ExpiresIn)*time.Second)
	// Output:
	// deployment matches: true
	// nonce echoed: true
	// lasts: 59m59s
}

// Epic's extra fields stay on the *oauth2.Token: typed readers in packages
// epic and eos, or tok.Extra under Epic's own names.
func Example_extras() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	client := srv.DefaultClient()
	alice := srv.AddAccount(epictest.Account{ID: "94b1569506b04f9f8557af611e8c5e47", DisplayName: "alice"})

	tok, err := srv.EpicConfig(client).Token(context.Background(), srv.NewDeviceAuth(alice.ID, client.ID))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("account:", epic.AccountID(tok))
	fmt.Println("name:", epic.DisplayName(tok))
	fmt.Println("expires:", tok.Expiry.Format(time.RFC3339))
	fmt.Println("refresh expires:", epic.RefreshExpiry(tok).Format(time.RFC3339))
	fmt.Println("raw refresh_expires:", tok.Extra("refresh_expires"))
	// Output:
	// account: 94b1569506b04f9f8557af611e8c5e47
	// name: alice
	// expires: 2025-01-01T14:00:00Z
	// refresh expires: 2025-01-01T20:00:00Z
	// raw refresh_expires: 28800
}

// Every failed request is an *epicoauth.Error with Epic's fields; it also
// unwraps to *oauth2.RetrieveError for code written for plain x/oauth2, and
// it never contains the secrets the request carried.
func ExampleError() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	client := srv.DefaultClient()
	cfg := srv.EpicConfig(client)

	_, err := cfg.Token(context.Background(), epic.RefreshToken("a-refresh-token-epic-no-longer-knows"))

	var e *epicoauth.Error
	if errors.As(err, &e) {
		fmt.Println("status:", e.StatusCode)
		fmt.Println("code:", e.ErrorCode)
		fmt.Println("needs a new login:", e.RequiresLogin())
		fmt.Println("try again later:", e.Temporary())
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		fmt.Println("oauth2 error code:", re.ErrorCode)
	}
	fmt.Println(err)
	// Output:
	// status: 400
	// code: errors.com.epicgames.account.auth_token.invalid_refresh_token
	// needs a new login: true
	// try again later: false
	// oauth2 error code: invalid_grant
	// epicoauth: 400 Bad Request: errors.com.epicgames.account.auth_token.invalid_refresh_token (invalid_grant): Sorry the refresh token '[REDACTED]' is invalid
}

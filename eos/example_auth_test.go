package eos_test

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epictest"
)

// "Sign in with Epic Games" on a website, with PKCE, against the fake:
// AuthCodeURL and Exchange work as in oauth2.Config.
func ExampleAuthConfig_Exchange() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	alice := srv.AddAccount(epictest.Account{DisplayName: "alice"})
	cfg := srv.EOSAuthConfig(srv.DefaultClient(), srv.DefaultDeployment().ID)
	cfg.RedirectURL = "https://game.example/callback"
	cfg.Scopes = []string{"basic_profile", "openid"}
	ctx := context.Background()

	// The login handler sends the browser to Epic with a PKCE challenge
	// and a state tied to the browser's session.
	verifier, state := oauth2.GenerateVerifier(), "af0ifjsldkj"
	loginPage := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))

	// The person logs in and Epic sends the browser back (the fake plays
	// the person).
	back, err := srv.Authorize(loginPage, alice.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	callback, _ := url.Parse(back)

	// The callback handler checks the state and redeems the code.
	if callback.Query().Get("state") != state {
		fmt.Println("state mismatch")
		return
	}
	tok, err := cfg.Exchange(ctx, callback.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		fmt.Println(err)
		return
	}
	who, err := cfg.UserInfo(ctx, tok)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed in:", who.PreferredUsername, eos.Scope(tok), "ID token:", eos.IDToken(tok) != "")

	// Keep the session: refreshed with its refresh token when it expires.
	ts := cfg.ResumeTokenSource(ctx, tok, nil)
	srv.Clock().Advance(3 * time.Hour)
	if _, err := ts.Token(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("refreshes:", srv.Count("refresh_token"))
	// Output:
	// signed in: alice [basic_profile openid] ID token: true
	// refreshes: 1
}

// An account-service session (a bot's device auth) turned into an EAS
// session for a deployment, as fnbr.js does: an exchange code from the
// account session, redeemed with token_type=epic_id. The EAS session
// refreshes itself, and takes a new code from the account session whenever
// it needs to log in again.
func ExampleExchangeCodeFrom() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	alice := srv.AddAccount(epictest.Account{DisplayName: "alice"})
	client := srv.DefaultClient()
	ctx := context.Background()

	epicCfg := srv.EpicConfig(client)
	account := epicCfg.TokenSource(ctx, srv.NewDeviceAuth(alice.ID, client.ID))

	easCfg := srv.EOSAuthConfig(client, srv.DefaultDeployment().ID)
	easCfg.TokenType = "epic_id"
	eas := easCfg.TokenSource(ctx, eos.ExchangeCodeFrom(epicCfg.ExchangeCodeFunc(account, nil)))

	for range 12 { // a day
		if _, err := eas.Token(); err != nil {
			fmt.Println(err)
			return
		}
		srv.Clock().Advance(2 * time.Hour)
	}
	tok, err := eas.Token()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same account:", eos.AccountID(tok) == alice.ID)
	fmt.Println("exchange codes redeemed:", srv.Count("exchange_code"), "EAS refreshes:", srv.Count("refresh_token"))
	// Output:
	// same account: true
	// exchange codes redeemed: 1 EAS refreshes: 12
}

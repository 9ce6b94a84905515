package idtoken_test

import (
	"context"
	"fmt"
	"log"

	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epictest"
	"github.com/epicoauth/epicoauth/idtoken"
)

// A game server verifies the EOS Connect ID token a player sends before it
// trusts the player's product user id. Here the player logs in to
// epictest's fake; against Epic, leave Options.BaseURL and Clock empty.
func ExampleVerifier_Verify() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	client, deployment := srv.DefaultClient(), srv.DefaultDeployment()
	ctx := context.Background()

	// The player's game: an Epic account login, then EOS Connect.
	alice := srv.AddAccount(epictest.Account{DisplayName: "alice"})
	account := srv.EpicConfig(client).TokenSource(ctx, srv.NewDeviceAuth(alice.ID, client.ID))
	tok, err := srv.EOSConfig(client, deployment.ID).Token(ctx, eos.ExternalAuthFrom(eos.EpicGamesAccessToken, account))
	if err != nil {
		log.Fatal(err)
	}
	idToken := eos.IDToken(tok) // sent to the game server

	// The game server: one Verifier for its lifetime.
	verifier := idtoken.NewVerifier(ctx, idtoken.Connect, &idtoken.Options{
		ClientID:     client.ID,
		DeploymentID: deployment.ID,
		BaseURL:      srv.URL,
		Clock:        srv.Clock(),
	})
	claims, err := verifier.Verify(ctx, idToken)
	if err != nil {
		log.Fatal("refusing the player: ", err)
	}
	fmt.Println("player is", claims.Subject == eos.ProductUserID(tok))
	fmt.Println("logged in with", claims.ExternalAccountType, "on", claims.Platform)
	fmt.Println("Epic account", claims.ExternalAccountID == alice.ID)

	_, err = verifier.Verify(ctx, idToken[:len(idToken)-4]+"AAAA")
	fmt.Println(err != nil)
	// Output:
	// player is true
	// logged in with epicgames on other
	// Epic account true
	// true
}

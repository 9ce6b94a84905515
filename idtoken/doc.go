// Package idtoken verifies the ID tokens Epic issues to players, for game
// servers and backends that must know who a player is before trusting them.
//
// A game client logs in to EOS Connect (or to Epic Account Services with the
// openid scope) and sends its id_token to the server; the server verifies it
// with a Verifier and trusts Claims.Subject, the player's product user id
// (Connect) or Epic account id (Account):
//
//	verifier := idtoken.NewVerifier(ctx, idtoken.Connect, &idtoken.Options{ClientID: clientID})
//	claims, err := verifier.Verify(ctx, idTokenFromPlayer)
//	if err != nil {
//		// refuse the player; errors.Is(err, idtoken.ErrExpired) and so on say why
//	}
//	puid := claims.Subject
//
// Verification follows Epic's documented steps: an RS256 signature by a key
// of the kind's own key set (the Connect and Account sets differ), the
// issuer, the audience (your client id), the expiry and issue time, and the
// deployment if you name one. Keys come from Epic's JWKS endpoints through
// github.com/coreos/go-oidc, which caches them; a token signed by an unknown
// key makes the Verifier fetch the set again, at most once per
// RefetchCooldown, so that made-up key ids cannot turn your server against
// Epic.
//
// Tests can verify the tokens of github.com/epicoauth/epicoauth/epictest,
// whose fake signs both kinds with keys of its own (Options.BaseURL).
//
// This package is a module of its own: go-oidc needs a newer Go than the
// core library, whose users need not build it.
package idtoken

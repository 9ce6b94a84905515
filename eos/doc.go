// Package eos gets tokens from the two token services of Epic Online
// Services at api.epicgames.dev: EOS Connect (Config, config.go), whose
// tokens stand for a product user, and EOS Auth, also called Epic Account
// Services (AuthConfig, auth*.go), whose tokens stand for an Epic account
// within a product. Their tokens are not interchangeable.
//
// # EOS Connect
//
// A Config holds an EOS client's credentials and its deployment id; every
// request sends deployment_id and a fresh random nonce, and a response that
// does not echo the nonce is rejected (ErrNonceMismatch). Two grants exist:
// ClientCredentials, for a trusted game server, and ExternalAuth, which turns
// an identity provider's token (an Epic account token, a Steam ticket ...)
// into a user token for the product user (PUID). ExternalAuthFrom takes that
// token from another token source, so an EOS session can be renewed for as
// long as, say, an epic.Config TokenSource lasts.
//
// EOS Connect tokens last about an hour and have no refresh token; a
// TokenSource runs the grant again when the token expires.
//
// # EOS Auth
//
// An AuthConfig signs people in with their Epic account ("Sign in with Epic
// Games"): AuthCodeURL and Exchange work as in oauth2.Config, PKCE through
// oauth2.S256ChallengeOption and oauth2.VerifierOption. Its grants are
// AuthorizationCode, ExchangeCode (the launcher's -AUTH_PASSWORD),
// RefreshToken, ClientCredentials and ExternalAuth; ExchangeCodeFrom turns
// an account-service session into an EAS session. Its tokens have refresh
// tokens, and every refresh sends the same deployment_id, scope and
// token_type. TokenInfo, Revoke and UserInfo are the endpoints that take a
// token; AccountID, Scope, MergedAccounts, IDToken and RefreshExpiry read a
// token's extras.
package eos

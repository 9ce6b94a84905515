// Package epic gets and keeps tokens from Epic's account service
// (account-public-service), the OAuth server behind Epic Games accounts, the
// Epic Games Launcher and Fortnite.
//
// A Config holds a client's credentials and the options Epic takes on every
// token request (token_type=eg1, includePerms, deployment_id, the
// X-Epic-Device-ID header). A Grant says how to get the first token:
//
//	ClientCredentials()          a token for the client itself
//	DeviceAuth{...}              a saved long-lived credential of an account
//	ExchangeCode(code)           a code handed over by another session
//	AuthorizationCode(code)      a code from Epic's login page
//	RefreshToken(token)          a saved refresh token
//	DeviceCode(code)             an approved device-code login
//	ExternalAuth(typ, token)     a linked platform's token
//	TokenToToken, ContinuationToken
//
// Config.TokenSource and Config.Client turn a grant into a token source that
// caches, refreshes (rotating the refresh token) and re-runs repeatable
// grants, so an *http.Client built on it never sends an expired token. When a
// person must log in again, errors match epicoauth.ErrLoginRequired.
//
// The fields Epic adds to a token (account_id, displayName, refresh_expires
// ...) stay on the *oauth2.Token; AccountID, DisplayName, RefreshExpiry and
// the other readers in this package return them typed.
package epic

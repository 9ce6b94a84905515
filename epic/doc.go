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
// Config.StoredTokenSource also keeps the session in a TokenStore (such as
// epicoauth.FileStore) across restarts, resuming only a saved token of its
// client and account.
//
// The fields Epic adds to a token (account_id, displayName, refresh_expires
// ...) stay on the *oauth2.Token; AccountID, DisplayName, RefreshExpiry and
// the other readers in this package return them typed.
//
// # Logging in once and staying logged in
//
// Beyond tokens, a Config manages the sessions of an account:
//
//	DeviceAuthorization, DeviceAccessToken        device-code login: a person approves a code
//	CreateDeviceAuth, List/Get/DeleteDeviceAuth   long-lived credentials of an account
//	CreateExchangeCode                            hand a session to another client
//	Verify, Introspect                            is this token alive, and what is it
//	KillSession, KillSessions, Revoke             end sessions on the server
//	AuthCodeURL, LoginURL, RedirectURL            browser logins ending in a code
//
// A program logs a person in once with a device code, creates a device auth
// from that token, saves it, and from then on uses the device auth as its
// grant. Each call takes a context and returns Epic's errors as
// *epicoauth.Error, with every token, code and secret redacted. The
// addresses of these endpoints derive from Endpoint.TokenURL, so pointing
// the Endpoint at a fake service moves them all.
//
// # When Epic needs the person to act
//
// Epic sometimes refuses a login until the person accepts a new EULA or
// privacy policy or confirms a date of birth. The error is then an
// *epicoauth.Error with ErrorCode epicoauth.ErrorCodeCorrectiveActionRequired
// and CorrectiveAction naming what is needed; its Error text says so too.
// Show the person ContinuationURL when Epic sent one, and otherwise ask them
// to log in at https://www.epicgames.com in a browser, where the website
// walks them through it; then start the login again. Such errors also match
// epicoauth.ErrLoginRequired when they come from a TokenSource, but unlike
// other login errors they do not stop it: a source on a DeviceAuth (or a
// refresh token) retries by itself after 5 minutes, then 10, 20, 40 and
// every hour, since the same credentials work once the person has acted.
// Call the source's Retry method to try again at once, for example when the
// person says they are done.
package epic

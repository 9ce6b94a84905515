// Package epicoauth makes Epic Games authentication a drop-in part of the
// golang.org/x/oauth2 ecosystem.
//
// The library is layered; this root package holds the vocabulary the others
// share:
//
//   - AccountEndpoint, EOSConnectEndpoint and EOSAuthEndpoint, the
//     oauth2.Endpoint values of Epic's token services;
//   - Grant, the interface every grant implements, and NewGrant for grants
//     this library does not know;
//   - Error, the typed, redacted error of every failed Epic request, and
//     ErrLoginRequired, which says a person must log in again;
//   - TokenSource, the cache that hands out tokens without a lock and
//     renews them in the background before they run out, with at most one
//     request in flight; TokenStore and FileStore, which keep its token
//     across restarts (MarshalToken saves a token with its extras);
//   - RetryPolicy, how token requests are retried; RedirectError and
//     BearerRedirectHosts, which keep credentials in their origin;
//     MalformedFieldError, reported when a token is kept without a broken
//     optional field (SECURITY.md states each promise and its tests);
//   - DeviceIDHeader and NewDeviceID for Epic's X-Epic-Device-ID.
//
// Package epic talks to the account service (client credentials, device
// auths, exchange codes, refresh tokens ...). Package eos talks to EOS
// Connect (client and product-user tokens) and EOS Auth (Epic Account
// Services). Both return token sources that
// any oauth2-aware code can use:
//
//	cfg := &epic.Config{ClientID: id, ClientSecret: secret}
//	client := cfg.Client(ctx, epic.DeviceAuth{AccountID: a, DeviceID: d, Secret: s})
//	resp, err := client.Get("https://.../api/...") // always a valid token
package epicoauth

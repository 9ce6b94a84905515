// Package epictest is an in-process fake of Epic's token services, for
// testing code that uses packages epic and eos without Epic's servers, the
// way net/http/httptest fakes an HTTP server.
//
// A Server listens on loopback and speaks, under their real paths, the
// account service (token endpoint with every grant the library sends,
// deviceAuthorization, exchange codes, device auths, verify, session kill,
// tokenInfo, account lookups by id, in bulk and by display name), EOS Connect (client_credentials and external_auth, nonce
// echoed) and EOS Auth (/epic/oauth/v2/token with PKCE-bound codes from
// Authorize or the login page, tokenInfo, revoke, userInfo). The ID tokens
// of EOS Connect and EOS Auth are signed with RS256, each service with its
// own key, published at the real JWKS paths (EOSConnectJWKSPath,
// EOSAuthJWKSPath); RotateKeys rotates them. It answers
// with the field names, JSON types, error bodies and HTTP statuses of Epic's
// recorded payloads (testdata/fixtures; a conformance test keeps the two in
// step), and validates requests as Epic does: Basic auth, grant types a
// client may use, required fields, single-use codes, rotating refresh
// tokens, device auths bound to their client, device-code polling speed.
//
// Time is a fake Clock shared by the server and the code under test: its
// Sleep advances the clock at once, so a ten-minute device-code login or a
// day of token refreshes runs in microseconds. The request log (Requests,
// Count) lets a test assert what was sent, and Inject adds throttling,
// server errors, HTML pages, delays, dropped connections, huge or broken
// bodies, redirects and broken optional fields on demand (see FaultKind);
// SetCorrectiveAction blocks an account's logins until a person would act.
//
// Programs in other languages can use it too: 'epictoken fake' serves it
// on a port, over HTTPS with a certificate for Epic's host names
// (NewHostsTLS) if asked, seeded from JSON (Seed), with a running clock
// (NewRunningClock), and steered over HTTP through the admin API under
// AdminPath. The pages a person would open (/id/authorize, /activate, a
// corrective action's continuationUrl) answer HTML instead of 404.
//
// How to use it in a test:
//
//	srv := epictest.NewServer(nil)
//	defer srv.Close()
//	alice := srv.AddAccount(epictest.Account{DisplayName: "alice"})
//	client := srv.DefaultClient()
//	cfg := srv.EpicConfig(client) // *epic.Config on the fake and its clock
//	da := srv.NewDeviceAuth(alice.ID, client.ID)
//	ts := cfg.TokenSource(ctx, da)
//	tok, err := ts.Token()         // a device_auth login
//	srv.Clock().Advance(3 * time.Hour)
//	tok, err = ts.Token()          // renewed; srv.Count("refresh_token") == 1
//
// Helpers that take ids of clients or accounts the test registered panic
// when an id is unknown, since that is a mistake in the test; helpers whose
// outcome depends on what the code under test did report it (a bool or an
// error).
package epictest

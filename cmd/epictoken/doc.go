// Epictoken gets Epic Games tokens for shell scripts, logs an account in
// once with a code on a phone, and manages the account's device auths and
// sessions. It is a small command on the epicoauth library, in the spirit of
// Google's oauth2l.
//
// # Synopsis
//
//	epictoken demo
//	epictoken token --grant GRANT --client NAME|ID:SECRET [--code CODE] [--device-auth FILE] [--store FILE] [--eg1] [--output bare|header|json]
//	epictoken header --grant GRANT [token flags]
//	epictoken curl --grant GRANT [token flags] URL [curl arguments]
//	epictoken info [--store FILE] [--perms] < TOKEN
//	epictoken login [--client NAME|ID:SECRET] [--out FILE] [--no-qr]
//	epictoken device-auth list|delete [DEVICE_ID]
//	epictoken exchange-code [--consumer CLIENT]
//	epictoken verify [--perms]
//	epictoken kill [--type TYPE]
//	epictoken reset --store FILE [--account ACCOUNT_ID]
//	epictoken fake [--addr HOST:PORT] [--tls [--ca-out FILE]] [--seed FILE] [--state-out FILE]
//	epictoken COMMAND --help
//
// Every command but demo and fake also takes --client, --credentials,
// --fake and --fake-url (with --ca).
//
// # Description
//
// demo starts epictest, the library's in-process fake of Epic's services,
// and walks through the main flows in a transcript: a client-credentials
// token, a device-code login, a device auth made from it, an http.Client on
// a device_auth token source through several expiries and refresh-token
// rotations, EOS Connect client and product-user tokens, an Epic Account
// Services session made from the account session (with a signed ID token),
// a throttled request, and a fleet of three replicas sharing one FileStore
// (one token request per expiry and one Epic session, against three of each
// with a file per replica). It needs no network and no credentials; the
// fake's clock jumps ahead instead of sleeping, so it takes well under a
// second.
//
// token prints an access token for a grant on stdout. GRANT is client_credentials, device_auth (the
// saved device auth), exchange_code or authorization_code (--code), or
// refresh_token (--code, or the token in --store). Each run leaves a session
// on Epic; with --store FILE the token is kept in FILE and printed again
// while it is valid, refreshed when it is not, and GRANT runs only when the
// saved session cannot be renewed. Scripts that ask often should use
// --store: Epic locks an account out for hours when sessions pile up. Runs
// at the same moment may share one FILE: they take turns renewing it (an
// OS lock on FILE.lock), so they send one refresh between them and keep one
// session.
// --output header prints "Authorization: bearer TOKEN" instead, and
// --output json (or --json) the whole token with Epic's extra fields
// (account_id, displayName, refresh_expires ...) and its refresh token, in
// the format of epicoauth.MarshalToken. With --grant refresh_token and
// --store, --client defaults to the client the saved token was issued to.
//
// header is token --output header, for curl -H "$(epictoken header ...)".
// curl gets a token the same way and runs curl URL with its Authorization
// header and the arguments after URL; curl reads the header from a pipe, so
// the token is never on a command line, and a failing curl's exit status is
// the command's. info asks Epic to verify any access token, read from stdin
// (bare, as an Authorization line, or as token --output json prints it) or
// from --store, and prints what Epic knows of it. reset forgets the session
// saved in one --store file: it ends the session on Epic and removes the
// file, and with --account only if the file holds that account's session.
//
// login logs an account in with Epic's device-code flow: it prints a URL, a
// code and a QR code of the URL on stderr, polls Epic at the interval Epic
// asks for while the person approves the login in a browser, creates a
// device auth for the account, saves it with permission 0600 and prints the
// file's path on stdout. It then ends the login's session. The client must
// allow the device_code grant; the default, fortniteNewSwitchGameClient,
// does. Interrupting it withdraws the code.
//
// device-auth list prints the account's device auths; device-auth delete
// deletes one on Epic, by default the saved one together with its file.
// exchange-code prints an exchange code that another program redeems once,
// within 300 s, with the exchange_code grant (only by the client --consumer
// names, if given). verify prints what Epic knows of a session made with
// the saved device auth; exit status 3 means a person must log in again,
// and 4 a temporary failure that a login would not cure, so a script that
// keeps a machine logged in runs
//
//	epictoken verify >/dev/null; [ $? -eq 3 ] && epictoken login
//
// kill ends sessions of the account by Epic's kill type (default
// OTHERS_ACCOUNT_CLIENT: the other sessions of this client). These commands
// log in with the saved device auth and end that session before they exit,
// except exchange-code, whose code dies with its session. A device auth
// works only with the client that created it.
//
// # Clients
//
// --client takes the name of one of the public clients of Epic's games
// that community libraries have published (launcherAppClient2,
// fortnitePCGameClient, fortniteIOSGameClient, fortniteAndroidGameClient,
// fortniteNewSwitchGameClient) or ID:SECRET. --credentials FILE reads
// {"client_id": ..., "client_secret": ...} from a file instead. Without
// either flag the client comes from $EPICTOKEN_CLIENT or
// $EPICTOKEN_CREDENTIALS, and the commands that use a device auth fall
// back to fortniteNewSwitchGameClient. Epic may disable any public client.
//
// # Offline
//
// --fake runs a command against an embedded fake of Epic's account service
// instead of Epic: it knows the public clients (with the grants Epic allows
// each), one account, "epictoken-demo", and approves device codes by
// itself. Its state lasts one run, except that it accepts the device auth in
// the file the command reads, so 'epictoken login --fake' followed by
// 'epictoken verify --fake' works. With --fake the default device-auth file
// is deviceauth-fake.json, so a fake login never replaces a real one.
//
// 'epictoken fake' serves the same fake until SIGINT or SIGTERM, over HTTP
// or, with --tls, HTTPS with a certificate for Epic's host names, for
// programs in any language; its clock follows real time. It prints (and
// with --state-out writes) its URL, clients, accounts, device auths and an
// exchange code as JSON, and takes requests on an admin API under
// /_epictest (see 'epictoken fake --help'). --fake-url URL (with --ca FILE
// for HTTPS) runs any other command against it, so that runs share one
// fake: 'epictoken exchange-code --fake-url URL' in one run, 'epictoken
// token --grant exchange_code --fake-url URL' in the next. --fake-url uses
// deviceauth-fake.json too.
//
// # Files
//
// The device auth is saved by default to epictoken/deviceauth.json in the
// user's configuration directory (os.UserConfigDir: $XDG_CONFIG_HOME or
// ~/.config on Linux, ~/Library/Application Support on macOS, %AppData% on
// Windows), in the format of epic.SaveDeviceAuth:
//
//	{"accountId": "…", "deviceId": "…", "secret": "…"}
//
// # Environment
//
//	EPICTOKEN_CLIENT        the client, NAME or ID:SECRET, when --client is not given
//	EPICTOKEN_CREDENTIALS   a credentials file, when --credentials is not given
//	EPICTOKEN_DEVICE_AUTH   the device-auth file, when --device-auth (or login's --out) is not given
//	EPICTOKEN_CODE          the code or refresh token of token --grant, when --code is not given
//	EPICTOKEN_CURL          the curl program of the curl command, when it is not curl on $PATH
//
// Secrets (client secrets, device-auth secrets, refresh tokens) are never
// printed, except what a command is asked to print: the token of token,
// the code of exchange-code.
//
// # Exit status
//
//	0    success
//	1    error, a local file error or an untrusted server certificate included
//	     (retrying will not help)
//	2    bad command line: unknown command or flag, bad --client, missing --grant or --code
//	3    a person must log in (again): the device auth is missing, deleted or refused,
//	     a code or refresh token is spent, the device code expired, or Epic asks for a
//	     corrective action (the message gives its URL)
//	4    temporary: Epic throttled the request (the message says how long to wait),
//	     answered 5xx, or could not be reached
//	130  interrupted
//
// curl exits with curl's own exit status when curl runs and fails.
//
// # Examples
//
// Try the library offline:
//
//	go run ./cmd/epictoken demo
//
// Log in once, then get tokens in a script without a person:
//
//	epictoken login
//	TOKEN=$(epictoken token --grant device_auth --store ~/.cache/epictoken-token.json)
//	curl -H "Authorization: Bearer $TOKEN" https://account-public-service-prod.ol.epicgames.com/...
//
// Keep a machine logged in:
//
//	epictoken verify >/dev/null; [ $? -eq 3 ] && epictoken login
//
// Hand the login to the launcher client:
//
//	CODE=$(epictoken exchange-code --consumer launcherAppClient2)
//	EPICTOKEN_CODE=$CODE epictoken token --grant exchange_code --client launcherAppClient2
package main

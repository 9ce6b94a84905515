package main

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// envCode holds --code when the flag is not given, so that a refresh token
// need not appear on a command line.
const envCode = "EPICTOKEN_CODE"

var tokenCommand = &command{
	name:    "token",
	summary: "print an access token (or the whole token as JSON) for a grant",
	usage: `Usage: epictoken token --grant GRANT --client NAME|ID:SECRET [flags]

Prints an access token for GRANT on stdout. --output header prints the line
"Authorization: bearer TOKEN" (for curl -H; see also 'epictoken header' and
'epictoken curl'), and --output json (or --json) the whole token with Epic's
extra fields (account_id, displayName, refresh_expires ...) and its refresh
token, as epicoauth.MarshalToken writes it.

GRANT is one of:
  client_credentials   a token for the client itself
  device_auth          the saved device auth (--device-auth FILE; see 'epictoken login');
                       --client defaults to login's, fortniteNewSwitchGameClient
  exchange_code        --code CODE, from the launcher or 'epictoken exchange-code'
  authorization_code   --code CODE from Epic's login page (--code-verifier V for PKCE)
  refresh_token        --code REFRESH_TOKEN, or the token saved in --store FILE
                       (then --client defaults to the client the saved token was issued to)

Each run logs in anew and leaves a session on Epic, unless --store FILE keeps
the token between runs: the saved token is printed while it is valid, then
refreshed (the new one saved before it is printed), and GRANT runs only when
the saved session cannot be renewed. Use --store when a script asks often.
Runs at the same moment may share FILE: they take turns renewing it (a lock
on FILE.lock), send one refresh between them and keep one session.
Secrets are read from flags, $EPICTOKEN_CLIENT, $EPICTOKEN_CREDENTIALS and
$EPICTOKEN_CODE and never printed, except the token asked for.
`,
	run: (*cli).token,
}

// Output forms of a token, for --output.
const (
	outputBare   = "bare"   // the access token alone
	outputHeader = "header" // "Authorization: bearer TOKEN", for curl -H
	outputJSON   = "json"   // the whole token, as epicoauth.MarshalToken writes it
)

// tokenFlags are the flags that say which token to get: those of token,
// header and curl.
type tokenFlags struct {
	cf               clientFlags
	grantType, code  *string
	verifier, daPath *string
	store            *string
	eg1              *bool
}

func (f *tokenFlags) register(fs *flagSet) {
	f.cf.register(fs, "")
	f.grantType = fs.String("grant", "", "the `GRANT` to run (see 'epictoken token --help')")
	f.code = fs.String("code", "", "the exchange code, authorization code or refresh token (default $"+envCode+")")
	f.verifier = fs.String("code-verifier", "", "the PKCE code verifier of --code")
	f.daPath = fs.String("device-auth", "", "the device-auth `FILE` for --grant device_auth "+defaultDeviceAuthHelp)
	f.store = fs.String("store", "", "keep the token in `FILE` (0600) and reuse it while it lasts")
	f.eg1 = fs.Bool("eg1", false, "ask for an eg1 token (a signed JWT) instead of an opaque one")
}

func (r *cli) token(ctx context.Context, fs *flagSet, args []string) error {
	var tf tokenFlags
	tf.register(fs)
	output := fs.String("output", outputBare, "print the token as `FORM`: bare (the access token), header (Authorization: bearer ...) or json (the whole token)")
	asJSON := fs.Bool("json", false, "print the whole token as JSON (--output json)")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if *asJSON {
		if *output != outputBare && *output != outputJSON {
			return usagef("--json and --output %s disagree", argName(*output))
		}
		*output = outputJSON
	}
	if *output != outputBare && *output != outputHeader && *output != outputJSON {
		return usagef("unknown --output %s: want bare, header or json", argName(*output))
	}
	tok, err := r.tokenFor(ctx, &tf)
	if err != nil {
		return err
	}
	return r.printToken(tok, *output)
}

// printToken writes tok to stdout in the form output names.
func (r *cli) printToken(tok *oauth2.Token, output string) error {
	switch output {
	case outputHeader:
		_, err := fmt.Fprintln(r.stdout, authorizationHeader(tok))
		return err
	case outputJSON:
		data, err := epicoauth.MarshalToken(tok)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(r.stdout, "%s\n", data)
		return err
	}
	_, err := fmt.Fprintln(r.stdout, tok.AccessToken)
	return err
}

// authorizationHeader is the header line that authorizes a request with
// tok, as Epic's services expect it.
func authorizationHeader(tok *oauth2.Token) string {
	return "Authorization: bearer " + tok.AccessToken
}

var headerCommand = &command{
	name:    "header",
	summary: "print an Authorization header line for a grant, for curl -H",
	usage: `Usage: epictoken header --grant GRANT [flags]

Prints "Authorization: bearer TOKEN" for GRANT on stdout, as
'epictoken token --output header' does; the flags are those of
'epictoken token' (see 'epictoken token --help'). For example:

  curl -H "$(epictoken header --grant device_auth --store token.json)" URL
`,
	run: (*cli).header,
}

func (r *cli) header(ctx context.Context, fs *flagSet, args []string) error {
	var tf tokenFlags
	tf.register(fs)
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	tok, err := r.tokenFor(ctx, &tf)
	if err != nil {
		return err
	}
	return r.printToken(tok, outputHeader)
}

// tokenFor gets the token that f describes: it checks the grant's flags,
// connects to Epic or the fake and runs the grant, or resumes --store.
func (r *cli) tokenFor(ctx context.Context, f *tokenFlags) (*oauth2.Token, error) {
	grantType, code := *f.grantType, *f.code
	storedID := "" // the client of the token in --store, for refresh_token
	switch {
	case grantType == "device_auth":
		f.cf.fallback = defaultLoginClient // the client 'epictoken login' uses
	case grantType == "refresh_token" && *f.store != "":
		// The saved token says which client it belongs to: a refresh
		// needs no --client when that is a well-known one.
		tok, err := (&epicoauth.FileStore{Path: *f.store}).Load(ctx)
		if err != nil {
			return nil, err
		}
		storedID = epic.ClientID(tok)
		f.cf.fallback = wellKnownClientName(storedID)
	}
	c, err := f.cf.resolve(r.getenv)
	var usage *usageError
	if errors.As(err, &usage) && storedID != "" && f.cf.fallback == "" {
		// A client id is public; its secret is what --client adds.
		return nil, usagef("%s holds a token of client %s, which is not a well-known one: %v", *f.store, storedID, err)
	}
	if err != nil {
		return nil, err
	}
	if code == "" {
		code = r.getenv(envCode)
	}
	var opts []epic.GrantOption
	if *f.verifier != "" {
		opts = append(opts, epic.CodeVerifier(*f.verifier))
	}
	needCode := func() error {
		if code == "" {
			return usagef("--grant %s needs --code (or $%s)", grantType, envCode)
		}
		return nil
	}

	var grant epic.Grant
	var seed *epic.DeviceAuth
	switch grantType {
	case "client_credentials":
		grant = epic.ClientCredentials()
	case "device_auth":
		path, err := r.deviceAuthPath(*f.daPath, f.cf.offline())
		if err != nil {
			return nil, err
		}
		d, err := loadDeviceAuth(path)
		if err != nil {
			return nil, err
		}
		grant, seed = d, &d
	case "exchange_code":
		err = needCode()
		grant = epic.ExchangeCode(code, opts...)
	case "authorization_code":
		err = needCode()
		grant = epic.AuthorizationCode(code, opts...)
	case "refresh_token":
		switch {
		case code != "":
			grant = epic.RefreshToken(code)
		case *f.store == "":
			err = usagef("--grant refresh_token needs --code (or $%s), or --store FILE with a saved token", envCode)
		}
	case "":
		err = usagef("--grant is required: client_credentials, device_auth, exchange_code, authorization_code or refresh_token")
	default:
		err = usagef("unknown --grant %s: want client_credentials, device_auth, exchange_code, authorization_code or refresh_token", argName(grantType))
	}
	if err != nil {
		return nil, err
	}

	ctx, cn, err := r.connect(ctx, f.cf, c, seed)
	if err != nil {
		return nil, err
	}
	defer cn.stop()
	if *f.eg1 {
		cn.cfg.TokenType = "eg1"
	}
	return r.fetchToken(ctx, cn.cfg, grant, *f.store)
}

// fetchToken runs grant once, or with a store resumes the stored session
// and falls back to grant (which may then be nil).
func (r *cli) fetchToken(ctx context.Context, cfg *epic.Config, grant epic.Grant, store string) (*oauth2.Token, error) {
	if store == "" {
		return cfg.Token(ctx, grant)
	}
	ts, err := cfg.StoredTokenSource(ctx, grant, &epicoauth.TokenSourceOptions{Store: &epicoauth.FileStore{Path: store}})
	if err != nil {
		return nil, err
	}
	tok, err := ts.TokenContext(ctx)
	// Close waits for an early refresh that Token may have started, so
	// that its token is saved before the command exits.
	ts.Close()
	if err != nil {
		return nil, err
	}
	if serr := ts.Err(); serr != nil {
		r.warn("%v", serr) // the token is good; the next run may need to log in again
	}
	return tok, nil
}

package main

import (
	"context"
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

Prints an access token for GRANT on stdout, or with --json the whole token
with Epic's extra fields (account_id, displayName, refresh_expires ...) and
its refresh token, as epicoauth.MarshalToken writes it.

GRANT is one of:
  client_credentials   a token for the client itself
  device_auth          the saved device auth (--device-auth FILE; see 'epictoken login');
                       --client defaults to login's, fortniteNewSwitchGameClient
  exchange_code        --code CODE, from the launcher or 'epictoken exchange-code'
  authorization_code   --code CODE from Epic's login page (--code-verifier V for PKCE)
  refresh_token        --code REFRESH_TOKEN, or the token saved in --store FILE

Each run logs in anew and leaves a session on Epic, unless --store FILE keeps
the token between runs: the saved token is printed while it is valid, then
refreshed (the new one saved before it is printed), and GRANT runs only when
the saved session cannot be renewed. Use --store when a script asks often.
Secrets are read from flags, $EPICTOKEN_CLIENT, $EPICTOKEN_CREDENTIALS and
$EPICTOKEN_CODE and never printed, except the token asked for.
`,
	run: (*cli).token,
}

func (r *cli) token(ctx context.Context, fs *flagSet, args []string) error {
	var cf clientFlags
	cf.register(fs, "")
	grantType := fs.String("grant", "", "the `GRANT` to run (see above)")
	code := fs.String("code", "", "the exchange code, authorization code or refresh token (default $"+envCode+")")
	verifier := fs.String("code-verifier", "", "the PKCE code verifier of --code")
	daPath := fs.String("device-auth", "", "the device-auth `FILE` for --grant device_auth "+defaultDeviceAuthHelp)
	store := fs.String("store", "", "keep the token in `FILE` (0600) and reuse it while it lasts")
	eg1 := fs.Bool("eg1", false, "ask for an eg1 token (a signed JWT) instead of an opaque one")
	asJSON := fs.Bool("json", false, "print the whole token as JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	if err := fs.noArgs(); err != nil {
		return err
	}
	if *grantType == "device_auth" {
		cf.fallback = defaultLoginClient // the client 'epictoken login' uses
	}
	c, err := cf.resolve(r.getenv)
	if err != nil {
		return err
	}
	if *code == "" {
		*code = r.getenv(envCode)
	}
	var opts []epic.GrantOption
	if *verifier != "" {
		opts = append(opts, epic.CodeVerifier(*verifier))
	}
	needCode := func() error {
		if *code == "" {
			return usagef("--grant %s needs --code (or $%s)", *grantType, envCode)
		}
		return nil
	}

	var grant epic.Grant
	var seed *epic.DeviceAuth
	switch *grantType {
	case "client_credentials":
		grant = epic.ClientCredentials()
	case "device_auth":
		path, err := r.deviceAuthPath(*daPath, cf.offline())
		if err != nil {
			return err
		}
		d, err := loadDeviceAuth(path)
		if err != nil {
			return err
		}
		grant, seed = d, &d
	case "exchange_code":
		err = needCode()
		grant = epic.ExchangeCode(*code, opts...)
	case "authorization_code":
		err = needCode()
		grant = epic.AuthorizationCode(*code, opts...)
	case "refresh_token":
		switch {
		case *code != "":
			grant = epic.RefreshToken(*code)
		case *store == "":
			err = usagef("--grant refresh_token needs --code (or $%s), or --store FILE with a saved token", envCode)
		}
	case "":
		err = usagef("--grant is required: client_credentials, device_auth, exchange_code, authorization_code or refresh_token")
	default:
		err = usagef("unknown --grant %s: want client_credentials, device_auth, exchange_code, authorization_code or refresh_token", argName(*grantType))
	}
	if err != nil {
		return err
	}

	cn, err := r.connect(cf, c, seed)
	if err != nil {
		return err
	}
	defer cn.stop()
	ctx = cn.context(ctx)
	if *eg1 {
		cn.cfg.TokenType = "eg1"
	}
	tok, err := r.fetchToken(ctx, cn.cfg, grant, *store)
	if err != nil {
		return err
	}
	if !*asJSON {
		_, err = fmt.Fprintln(r.stdout, tok.AccessToken)
		return err
	}
	data, err := epicoauth.MarshalToken(tok)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(r.stdout, "%s\n", data)
	return err
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

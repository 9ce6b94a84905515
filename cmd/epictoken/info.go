package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

var infoCommand = &command{
	name:    "info",
	summary: "show what a token is: its account, client, session and expiry",
	usage: `Usage: epictoken info [--store FILE] [flags] < TOKEN

Asks Epic to verify an access token and prints what Epic knows of it, one
"name: value" line each, as 'epictoken verify' does for the saved login. The
token is read from stdin (so that it never appears on a command line): a bare
access token, an "Authorization: bearer ..." line, or the JSON that
'epictoken token --output json' prints; or from the token saved in --store
FILE. A token that Epic does not accept (expired, its session ended, or not
one of Epic's) is an error, exit status 1.

  epictoken token --grant client_credentials --client launcherAppClient2 | epictoken info
`,
	run: (*cli).info,
}

// maxTokenInput bounds what info reads from stdin: a token with all of
// Epic's extras and an eg1 JWT is a few kilobytes.
const maxTokenInput = 1 << 20

func (r *cli) info(ctx context.Context, fs *flagSet, args []string) error {
	var cf clientFlags
	cf.register(fs, defaultLoginClient)
	store := fs.String("store", "", "show the token saved in `FILE` instead of reading stdin")
	perms := fs.Bool("perms", false, "also list the token's permissions")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	c, err := cf.resolve(r.getenv)
	if err != nil {
		return err
	}
	var tok *oauth2.Token
	if *store != "" {
		tok, err = (&epicoauth.FileStore{Path: *store}).Load(ctx)
		if err == nil && tok == nil {
			err = &loginError{fmt.Errorf("no token saved in %s", *store)}
		}
	} else {
		tok, err = readToken(r.stdin)
	}
	if err != nil {
		return err
	}
	ctx, cn, err := r.connect(ctx, cf, c, nil)
	if err != nil {
		return err
	}
	defer cn.stop()
	cn.cfg.IncludePerms = *perms
	v, err := cn.cfg.Verify(ctx, tok)
	var epicErr *epicoauth.Error
	if errors.As(err, &epicErr) && epicErr.ErrorCode == epicoauth.ErrorCodeTokenVerificationFailed {
		// %v: the token is dead, which no login of ours would cure.
		return fmt.Errorf("the token is not accepted by Epic: it expired, its session ended, or it is not one of Epic's (%v)", err)
	}
	if err != nil {
		return err
	}
	return printVerification(r.stdout, v)
}

// readToken reads the token that info shows from in. Its errors never
// quote what was read: it may be a secret in the wrong form.
func readToken(in io.Reader) (*oauth2.Token, error) {
	if in == nil {
		return nil, usagef("info reads a token from stdin, and there is none")
	}
	data, err := io.ReadAll(io.LimitReader(in, maxTokenInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading the token from stdin: %w", err)
	}
	if len(data) > maxTokenInput {
		return nil, usagef("the token on stdin is longer than %d bytes", maxTokenInput)
	}
	data = bytes.TrimSpace(data)
	if bytes.HasPrefix(data, []byte("{")) {
		tok, err := epicoauth.UnmarshalToken(data)
		if err != nil {
			return nil, usagef("the JSON on stdin is not a token: %v", err)
		}
		return tok, nil
	}
	s := string(data)
	if name, value, ok := strings.Cut(s, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "authorization") {
		s = strings.TrimSpace(value)
	}
	if scheme, value, ok := strings.Cut(s, " "); ok && strings.EqualFold(scheme, "bearer") {
		s = strings.TrimSpace(value)
	}
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return nil, usagef("stdin holds no token: want one access token, an Authorization header line or the JSON of 'epictoken token --output json'")
	}
	return &oauth2.Token{AccessToken: s}, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

var resetCommand = &command{
	name:    "reset",
	summary: "forget the session saved in a --store file: end it on Epic, remove the file",
	usage: `Usage: epictoken reset --store FILE [--account ACCOUNT_ID] [flags]

Forgets the session that 'epictoken token --store FILE' keeps: ends it on
Epic (so that sessions do not pile up; a failure there is only a warning) and
removes FILE. With --account, FILE must hold that account's session, else
nothing is touched. Other files, and the saved device auth (see
'epictoken device-auth delete'), are left alone. A FILE that does not exist
means there is nothing to forget: exit status 0. A 'token --store FILE' run
that is renewing the session at that moment finishes first (reset takes
FILE's lock), so the session forgotten is the newest one. The lock file,
FILE.lock, stays: removing it could let two runs renew at once.
`,
	run: (*cli).reset,
}

func (r *cli) reset(ctx context.Context, flags *flagSet, args []string) error {
	var cf clientFlags
	cf.register(flags, defaultLoginClient)
	store := flags.String("store", "", "the `FILE` whose session to forget (required)")
	account := flags.String("account", "", "only if FILE holds the session of `ACCOUNT_ID`")
	if err := flags.parseNoArgs(args); err != nil {
		return err
	}
	if *store == "" {
		return usagef("reset needs --store FILE")
	}
	tok, release, err := leaseSaved(ctx, &epicoauth.FileStore{Path: *store})
	if err != nil {
		return err
	}
	defer release()
	if tok == nil {
		fmt.Fprintf(r.stderr, "No session saved in %s.\n", *store)
		return nil
	}
	who := epic.AccountID(tok)
	if *account != "" && who != *account {
		return fmt.Errorf("%s holds the session of account %q, not %s: left as it is", *store, who, argName(*account))
	}
	if name := wellKnownClientName(epic.ClientID(tok)); name != "" {
		cf.fallback = name
	}
	c, err := cf.resolve(r.getenv)
	if err != nil {
		return err
	}
	ctx, cn, err := r.connect(ctx, cf, c, nil)
	if err != nil {
		return err
	}
	defer cn.stop()
	r.revoke(ctx, cn.cfg, tok)
	if err := os.Remove(*store); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if who == "" {
		who = "the client " + epic.ClientID(tok)
	} else {
		who = "account " + who
	}
	fmt.Fprintf(r.stderr, "Forgot the session of %s saved in %s.\n", who, *store)
	return nil
}

// leaseSaved returns the token saved in store and, when there is one, holds
// store's lease until release is called: a 'token --store' run renewing it
// at this moment finishes first (the session forgotten is the newest), and
// none starts renewing until the file is gone. A missing file is a nil
// token, and creates nothing (no lock file, no directory).
func leaseSaved(ctx context.Context, store *epicoauth.FileStore) (tok *oauth2.Token, release func(), err error) {
	release = func() {}
	if tok, err = store.Load(ctx); err != nil || tok == nil {
		return tok, release, err
	}
	lease, err := store.Lease(ctx)
	if err != nil {
		return nil, release, err
	}
	release = func() { _ = lease.Release(context.WithoutCancel(ctx)) }
	if tok, _, err = lease.Load(ctx); err != nil {
		release()
		return nil, func() {}, err
	}
	return tok, release, nil
}

package main

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

var loginCommand = &command{
	name:    "login",
	summary: "log in with a code on another device and save a device auth",
	usage: `Usage: epictoken login [--client NAME|ID:SECRET] [--out FILE] [--no-qr] [flags]

Logs an Epic account in with a device code: prints a URL, a code and a QR
code of the URL (on stderr), and waits while the person approves the login
in any browser, polling Epic at the interval it asks for. Then it creates a
device auth for the account, saves it with permission 0600 and prints the
file's path on stdout. Later runs of the other commands use that file and
need no person; it stays valid until the account's password changes.

The client must allow the device_code grant; the default,
fortniteNewSwitchGameClient, does. The device auth works only with the client
that created it: pass the same --client to the other commands.
`,
	run: (*cli).loginCmd,
}

func (r *cli) loginCmd(ctx context.Context, fs *flagSet, args []string) error {
	var cf clientFlags
	cf.register(fs, defaultLoginClient)
	out := fs.String("out", "", "save the device auth to `FILE` "+defaultDeviceAuthHelp)
	noQR := fs.Bool("no-qr", false, "do not draw the QR code")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	c, err := cf.resolve(r.getenv)
	if err != nil {
		return err
	}
	path, err := r.deviceAuthPath(*out, cf.offline())
	if err != nil {
		return err
	}
	ctx, cn, err := r.connect(ctx, cf, c, nil)
	if err != nil {
		return err
	}
	defer cn.stop()
	cfg := cn.cfg

	da, err := cfg.DeviceAuthorization(ctx)
	if err != nil {
		return fmt.Errorf("starting the login with %s (does it allow device_code?): %w", c, err)
	}
	now := epicoauth.ClockOrReal(cfg.Clock).Now()
	complete := cmp.Or(da.VerificationURIComplete, da.VerificationURI)
	fmt.Fprintf(r.stderr, "To log in, open\n\n    %s\n\n(or open %s and enter the code %s), or scan the QR code\nwith a phone. The code expires in %s.\n\n",
		complete, da.VerificationURI, da.UserCode, da.Expiry.Sub(now).Round(time.Second))
	if !*noQR {
		writeQR(r.stderr, complete, isTerminal(r.stderr))
	}
	fmt.Fprintln(r.stderr, "Waiting for the login…")
	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		if ctx.Err() != nil {
			r.cancelLogin(ctx, cfg, da)
		}
		return fmt.Errorf("logging in: %w", err)
	}
	fmt.Fprintf(r.stderr, "Logged in as %s (account %s).\n", epic.DisplayName(tok), epic.AccountID(tok))

	// The login session is only needed to create the device auth.
	defer r.revoke(ctx, cfg, tok)
	created, err := cfg.CreateDeviceAuth(ctx, tok)
	if err != nil {
		return err
	}
	if old, err := epic.LoadDeviceAuth(path); err == nil && old.DeviceID != created.DeviceID {
		r.warn("replacing device auth %s of account %s in %s; delete it with 'epictoken device-auth delete %s' if no one else uses it",
			old.DeviceID, old.AccountID, path, old.DeviceID)
	}
	if err := epic.SaveDeviceAuth(path, created.DeviceAuth); err != nil {
		return err
	}
	fmt.Fprintf(r.stderr, "Saved device auth %s (mode 0600) to:\n", created.DeviceID)
	_, err = fmt.Fprintln(r.stdout, path)
	return err
}

// cancelLogin withdraws a pending device code after Ctrl-C, so that no one
// can approve it later.
func (r *cli) cancelLogin(ctx context.Context, cfg *epic.Config, da *oauth2.DeviceAuthResponse) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := cfg.CancelDeviceAuthorization(ctx, da); err != nil {
		r.warn("withdrawing the login code: %v", err)
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// The commands that act on the account of the saved device auth. Each logs
// in with it and, unless its result lives in the session, ends that session
// before it exits.

var deviceAuthCommand = &command{
	name:    "device-auth",
	summary: "list or delete the account's device auths",
	usage: `Usage: epictoken device-auth list [flags]
       epictoken device-auth delete [DEVICE_ID] [flags]

list prints the account's device auths (a * marks the saved one): device id,
when and where it was created and last used, and its user agent.

delete deletes the device auth DEVICE_ID on Epic; without DEVICE_ID it
deletes the saved one and its file, which logs this machine out.
`,
	run: (*cli).deviceAuthCmd,
}

func (r *cli) deviceAuthCmd(ctx context.Context, fs *flagSet, args []string) error {
	var df deviceAuthFlags
	df.register(fs)
	if err := fs.parse(args); err != nil {
		return err
	}
	action, deviceID := "", ""
	if len(fs.args) > 0 {
		action, fs.args = fs.args[0], fs.args[1:]
	}
	switch action {
	case "list":
		if err := fs.noArgs(); err != nil {
			return err
		}
	case "delete":
		if len(fs.args) > 1 {
			return usagef("device-auth delete takes one DEVICE_ID")
		}
		if len(fs.args) == 1 {
			deviceID = fs.args[0]
		}
	case "":
		return usagef("device-auth needs list or delete")
	default:
		return usagef("unknown device-auth action %s: want list or delete", argName(action))
	}
	ctx, s, err := r.openSession(ctx, &df)
	if err != nil {
		return err
	}
	defer s.end(ctx, r, false)
	if action == "list" {
		return r.listDeviceAuths(ctx, s)
	}
	return r.deleteDeviceAuth(ctx, s, deviceID)
}

func (r *cli) listDeviceAuths(ctx context.Context, s *session) error {
	list, err := s.cfg.ListDeviceAuths(ctx, s.tok)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "\tDEVICE ID\tCREATED\tLAST USED\tUSER AGENT")
	for _, d := range list {
		mark := ""
		if d.DeviceID == s.deviceAuth.DeviceID {
			mark = "*"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", mark, d.DeviceID, access(&d.Created), access(d.LastAccess), d.UserAgent)
	}
	return w.Flush()
}

// access describes when and where a device auth was created or used.
func access(a *epic.DeviceAuthAccess) string {
	if a == nil || a.DateTime.IsZero() {
		return "-"
	}
	s := a.DateTime.UTC().Format(time.RFC3339)
	if a.Location != "" {
		s += " " + a.Location
	}
	return s
}

func (r *cli) deleteDeviceAuth(ctx context.Context, s *session, deviceID string) error {
	saved := deviceID == "" || deviceID == s.deviceAuth.DeviceID
	if saved {
		deviceID = s.deviceAuth.DeviceID
	}
	err := s.cfg.DeleteDeviceAuth(ctx, s.tok, deviceID)
	var e *epicoauth.Error
	if errors.As(err, &e) && e.ErrorCode == epicoauth.ErrorCodeDeviceAuthNotFound {
		// A mistyped id, not a login problem: %v keeps exit status 3 for
		// device auths that stopped working.
		return fmt.Errorf("account %s has no device auth %s (%v)", s.deviceAuth.AccountID, deviceID, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stderr, "Deleted device auth %s of account %s.\n", deviceID, s.deviceAuth.AccountID)
	if saved {
		if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		fmt.Fprintf(r.stderr, "Removed %s; log in again with 'epictoken login'.\n", s.path)
	}
	return nil
}

// startSession parses the flags of a command that takes no arguments and
// logs in with the device auth they name (see openSession).
func (r *cli) startSession(ctx context.Context, fs *flagSet, df *deviceAuthFlags, args []string) (context.Context, *session, error) {
	if err := fs.parseNoArgs(args); err != nil {
		return nil, nil, err
	}
	return r.openSession(ctx, df)
}

var exchangeCodeCommand = &command{
	name:    "exchange-code",
	summary: "print an exchange code that hands the login to another client",
	usage: `Usage: epictoken exchange-code [--consumer CLIENT] [flags]

Prints an exchange code for the account on stdout, and on stderr until when
it is valid. Another program redeems it once, within 300 s, with the
exchange_code grant (see 'epictoken token --grant exchange_code'), for any
client or, with --consumer, only for CLIENT. The session that made the code
stays open: the code dies with it.
`,
	run: (*cli).exchangeCodeCmd,
}

func (r *cli) exchangeCodeCmd(ctx context.Context, fs *flagSet, args []string) error {
	var df deviceAuthFlags
	df.register(fs)
	consumer := fs.String("consumer", "", "only the client `CLIENT` (NAME, ID or ID:SECRET) may redeem the code")
	ctx, s, err := r.startSession(ctx, fs, &df, args)
	if err != nil {
		return err
	}
	defer s.end(ctx, r, true)
	x, err := s.cfg.CreateExchangeCode(ctx, s.tok, &epic.ExchangeCodeOptions{ConsumingClientID: clientID(*consumer)})
	if err != nil {
		return err
	}
	who := "any client"
	if x.ConsumingClientID != "" {
		who = "client " + x.ConsumingClientID
	}
	fmt.Fprintf(r.stderr, "Exchange code for %s, valid once until %s.\n", who, x.Expiry.UTC().Format(time.RFC3339))
	_, err = fmt.Fprintln(r.stdout, x.Code)
	return err
}

var verifyCommand = &command{
	name:    "verify",
	summary: "check that the saved login works and show its session",
	usage: `Usage: epictoken verify [--perms] [flags]

Logs in with the saved device auth, asks Epic to verify the session's token
and prints what Epic knows of it, one "name: value" line each. Exit status 3
means the device auth no longer works and a person must log in again; 4 means
Epic throttled the request, failed or could not be reached, which a new login
would not cure. A script that keeps a machine logged in logs in on 3 alone:

  epictoken verify >/dev/null; [ $? -eq 3 ] && epictoken login
`,
	run: (*cli).verifyCmd,
}

func (r *cli) verifyCmd(ctx context.Context, fs *flagSet, args []string) error {
	var df deviceAuthFlags
	df.register(fs)
	perms := fs.Bool("perms", false, "also list the session's permissions")
	ctx, s, err := r.startSession(ctx, fs, &df, args)
	if err != nil {
		return err
	}
	defer s.end(ctx, r, false)
	s.cfg.IncludePerms = *perms
	v, err := s.cfg.Verify(ctx, s.tok)
	if err != nil {
		return err
	}
	return printVerification(r.stdout, v)
}

// printVerification writes what Epic said of a token, one "name: value"
// line each (verify and info); a field Epic left out (the account of a
// client token, the device of an exchange-code session) has no line.
func printVerification(out io.Writer, v *epic.Verification) error {
	w := tabwriter.NewWriter(out, 0, 0, 1, ' ', 0)
	for _, f := range [][2]string{
		{"account_id", v.AccountID},
		{"display_name", v.DisplayName},
		{"client_id", v.ClientID},
		{"client_service", v.ClientService},
		{"auth_method", v.AuthMethod},
		{"device_id", v.DeviceID},
		{"expires_at", v.Expiry.UTC().Format(time.RFC3339)},
	} {
		if f[1] != "" {
			fmt.Fprintf(w, "%s:\t%s\n", f[0], f[1])
		}
	}
	for _, p := range v.Perms {
		fmt.Fprintf(w, "perm:\t%s %d\n", p.Resource, p.Action)
	}
	return w.Flush()
}

// killTypes are the kill types Epic knows, in the order the usage lists
// them.
var killTypes = []epic.KillType{
	epic.KillOthersAccountClient, epic.KillOthersAccountClientService, epic.KillOthersSameSourceID,
	epic.KillOthers, epic.KillAllAccountClient, epic.KillAll,
}

var killCommand = &command{
	name:    "kill",
	summary: "end the account's other sessions",
	usage: `Usage: epictoken kill [--type TYPE] [flags]

Logs in with the saved device auth and ends sessions of the account, then its
own. Epic locks an account out for hours when too many sessions pile up
(too_many_sessions); this cleans them up. TYPE is one of:
  OTHERS_ACCOUNT_CLIENT           other sessions of this client (the default)
  OTHERS_ACCOUNT_CLIENT_SERVICE   other sessions of this client's service (a game, on every platform)
  OTHERS_SAME_SOURCE_ID           other sessions with the same source
  OTHERS                          every other session of the account
  ALL_ACCOUNT_CLIENT              every session of this client
  ALL                             every session of the account
The device auth itself keeps working.
`,
	run: (*cli).killCmd,
}

func (r *cli) killCmd(ctx context.Context, fs *flagSet, args []string) error {
	var df deviceAuthFlags
	df.register(fs)
	kind := epic.KillOthersAccountClient
	fs.Func("type", "the `TYPE` of sessions to end (see above; default "+string(kind)+")", func(v string) error {
		kind = epic.KillType(strings.ToUpper(v))
		if !slices.Contains(killTypes, kind) {
			return fmt.Errorf("want one of %s", joinKillTypes())
		}
		return nil
	})
	ctx, s, err := r.startSession(ctx, fs, &df, args)
	if err != nil {
		return err
	}
	defer s.end(ctx, r, false)
	if err := s.cfg.KillSessions(ctx, s.tok, kind); err != nil {
		return err
	}
	fmt.Fprintf(r.stderr, "Ended the %s sessions of account %s.\n", kind, s.deviceAuth.AccountID)
	return nil
}

func joinKillTypes() string {
	names := make([]string, len(killTypes))
	for i, t := range killTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

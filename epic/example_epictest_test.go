package epic_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// whoAmI stands for the code under test in the example below: a bot that
// keeps a session with a saved device auth and reports whose it is.
func whoAmI(ts oauth2.TokenSource) (string, error) {
	tok, err := ts.Token()
	if err != nil {
		return "", err
	}
	return epic.DisplayName(tok) + ", token valid until " + tok.Expiry.Format("Jan 2 15:04"), nil
}

// Test code that uses this package against epictest, the in-process fake of
// Epic's services: a bot's device-auth session runs through a day of fake
// time in microseconds, survives its sessions being killed, and asks for a
// new login once the device auth is gone. The fake counts what was sent.
func Example_epictest() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	alice := srv.AddAccount(epictest.Account{DisplayName: "alice"})
	client := srv.DefaultClient()
	saved := srv.NewDeviceAuth(alice.ID, client.ID) // what the bot loads from its file

	cfg := srv.EpicConfig(client) // the fake's endpoint, this client, the fake's clock
	ts := cfg.TokenSource(context.Background(), saved)
	for range 4 {
		status, err := whoAmI(ts)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(status)
		srv.Clock().Advance(6 * time.Hour) // access tokens last 2 h, refresh tokens 8 h
	}
	fmt.Println("device_auth logins:", srv.Count("device_auth"), "refreshes:", srv.Count("refresh_token"))

	// Epic ends every session of the account (a game launched elsewhere):
	// the refresh is rejected and the device auth logs in again.
	srv.RevokeAccountSessions(alice.ID)
	srv.Clock().Advance(time.Hour)
	if _, err := whoAmI(ts); err == nil {
		fmt.Println("device_auth logins:", srv.Count("device_auth"), "refreshes:", srv.Count("refresh_token"))
	}

	// The password changes, which deletes device auths: a person must log in.
	srv.DeleteDeviceAuth(alice.ID, saved.DeviceID)
	srv.RevokeAccountSessions(alice.ID)
	srv.Clock().Advance(2 * time.Hour)
	_, err := whoAmI(ts)
	var e *epicoauth.Error
	if errors.Is(err, epicoauth.ErrLoginRequired) && errors.As(err, &e) {
		fmt.Println("login required:", e.ErrorCode)
	}
	// Output:
	// alice, token valid until Jan 1 14:00
	// alice, token valid until Jan 1 20:00
	// alice, token valid until Jan 2 02:00
	// alice, token valid until Jan 2 08:00
	// device_auth logins: 1 refreshes: 3
	// device_auth logins: 2 refreshes: 4
	// login required: errors.com.epicgames.account.invalid_account_credentials
}

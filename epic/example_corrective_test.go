package epic_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
)

// A device-auth bot meets a corrective action: Epic wants the account's
// person to accept a new EULA. The source reports it (with the page to
// show) and pauses instead of giving up: it would retry by itself after
// 5 minutes, then 10, 20, 40 and every hour. Once the person says they are
// done, Retry tries again at once.
func Example_correctiveAction() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	bot := srv.AddAccount(epictest.Account{DisplayName: "bot"})
	client := srv.DefaultClient()
	cfg := srv.EpicConfig(client)
	ts := cfg.TokenSource(context.Background(), srv.NewDeviceAuth(bot.ID, client.ID))
	defer ts.Close()
	if _, err := ts.Token(); err != nil {
		fmt.Println(err)
		return
	}

	srv.SetCorrectiveAction(bot.ID, "EULA_ACCEPTANCE")
	srv.Clock().Advance(3 * time.Hour) // the session needs renewing
	_, err := ts.Token()
	var e *epicoauth.Error
	if errors.Is(err, epicoauth.ErrLoginRequired) && errors.As(err, &e) && e.CorrectiveAction != "" {
		fmt.Println("ask the person to act:", e.CorrectiveAction)
	}

	srv.SetCorrectiveAction(bot.ID, "") // the person accepted the EULA
	ts.Retry()
	tok, err := ts.Token()
	fmt.Println("renewed:", err == nil && tok.AccessToken != "")
	// Output:
	// ask the person to act: EULA_ACCEPTANCE
	// renewed: true
}

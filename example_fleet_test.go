package epicoauth_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
)

// Processes that share a SharedTokenStore share one Epic session: the
// first one logs in, the others adopt its token, and each expiry costs one
// refresh for all of them. Here three token sources, each with its own
// FileStore on the same file as three processes would have, run through
// twelve hours of two-hour tokens on the epictest fake.
func ExampleSharedTokenStore() {
	srv := epictest.NewServer(nil)
	defer srv.Close()
	client := srv.DefaultClient()
	bot := srv.AddAccount(epictest.Account{DisplayName: "bot"})
	cfg := srv.EpicConfig(client)
	deviceAuth := srv.NewDeviceAuth(bot.ID, client.ID)
	dir, err := os.MkdirTemp("", "fleet")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	var fleet []*epicoauth.TokenSource
	for range 3 {
		store := &epicoauth.FileStore{Path: filepath.Join(dir, "token.json")}
		ts, err := cfg.StoredTokenSource(ctx, deviceAuth, &epicoauth.TokenSourceOptions{Store: store})
		if err != nil {
			log.Fatal(err)
		}
		defer ts.Close()
		fleet = append(fleet, ts)
	}
	for range 6 {
		for _, ts := range fleet {
			if _, err := ts.Token(); err != nil {
				log.Fatal(err)
			}
		}
		srv.Clock().Advance(2 * time.Hour)
	}
	fmt.Println("logins:", srv.Count("device_auth"))
	fmt.Println("refreshes:", srv.Count("refresh_token"))
	fmt.Println("Epic sessions:", len(srv.Sessions(bot.ID)))
	// Output:
	// logins: 1
	// refreshes: 5
	// Epic sessions: 1
}

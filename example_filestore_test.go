package epicoauth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// Processes that share one token file (here a daemon and a cron job, each
// with its own FileStore on the file) take turns through the store's
// lease, the way a TokenSource with a shared store renews: take the lease,
// load, adopt a token another holder already renewed, or renew and save
// with a compare-and-set on the generation loaded. A holder that was
// paused past its turn cannot overwrite the newer token.
func ExampleFileStore_Lease() {
	dir, err := os.MkdirTemp("", "epicoauth-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "token.json")
	daemon := &epicoauth.FileStore{Path: path}
	cron := &epicoauth.FileStore{Path: path}
	ctx := context.Background()
	fresh := func(access string) *oauth2.Token {
		return &oauth2.Token{AccessToken: access, RefreshToken: "r-" + access, Expiry: time.Now().Add(2 * time.Hour)}
	}

	renew := func(who string, store *epicoauth.FileStore, renewed *oauth2.Token) {
		lease, err := store.Lease(ctx) // waits while another process holds it
		if err != nil {
			log.Fatal(err)
		}
		defer lease.Release(ctx)
		stored, gen, err := lease.Load(ctx)
		if err != nil {
			log.Fatal(err)
		}
		if stored.Valid() {
			fmt.Println(who, "adopts", stored.AccessToken, "of generation", gen)
			return
		}
		// Here a TokenSource sends the refresh request.
		gen, err = lease.SaveIf(ctx, renewed, gen)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(who, "renewed to", renewed.AccessToken, "generation", gen)
	}
	renew("daemon", daemon, fresh("access-1"))
	renew("cron", cron, fresh("access-2"))

	// The cron job loads, then is paused past its turn; meanwhile the
	// daemon saves a newer token.
	lease, err := cron.Lease(ctx)
	if err != nil {
		log.Fatal(err)
	}
	_, loaded, _ := lease.Load(ctx)
	lease.Release(ctx)
	if err := daemon.Save(ctx, fresh("access-3")); err != nil {
		log.Fatal(err)
	}
	lease, err = cron.Lease(ctx)
	if err != nil {
		log.Fatal(err)
	}
	_, err = lease.SaveIf(ctx, fresh("access-late"), loaded)
	lease.Release(ctx)
	fmt.Println("late save refused:", errors.Is(err, epicoauth.ErrStaleGeneration))
	saved, _ := cron.Load(ctx)
	fmt.Println("stored:", saved.AccessToken)
	// Output:
	// daemon renewed to access-1 generation 1
	// cron adopts access-1 of generation 1
	// late save refused: true
	// stored: access-3
}

package redisstore_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
	"github.com/epicoauth/epicoauth/redisstore"
)

// A Store shares one Epic session between every process that uses the same
// key. A TokenSource whose Store it is takes the lease before each renewal
// on its own; this example walks through what it does (miniredis stands in
// for the Redis server).
func ExampleNew() {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer client.Close()

	ctx := context.Background()
	store := redisstore.New(client, "epicoauth:{account-1234}", nil)
	fmt.Println(store, "keeps its lease at", store.LeaseKey())

	// The first login saves the token.
	first := &oauth2.Token{AccessToken: "access-1", RefreshToken: "refresh-1", Expiry: time.Now().Add(2 * time.Hour)}
	if err := store.Save(ctx, first); err != nil {
		log.Fatal(err)
	}

	// One renewal: lease, load, save with compare-and-set, release.
	lease, err := store.Lease(ctx)
	if err != nil {
		log.Fatal(err)
	}
	tok, gen, err := lease.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("loaded generation", gen, "refresh token", tok.RefreshToken)
	renewed := &oauth2.Token{AccessToken: "access-2", RefreshToken: "refresh-2", Expiry: time.Now().Add(2 * time.Hour)}
	newGen, err := lease.SaveIf(ctx, renewed, gen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("saved generation", newGen)

	// A holder that still has the old generation is fenced off.
	_, err = lease.SaveIf(ctx, first, gen)
	fmt.Println("stale save refused:", errors.Is(err, epicoauth.ErrStaleGeneration))
	if err := lease.Release(ctx); err != nil {
		log.Fatal(err)
	}

	tok, err = store.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored refresh token", tok.RefreshToken)
	// Output:
	// redisstore.Store("epicoauth:{account-1234}") keeps its lease at epicoauth:{account-1234}:lease
	// loaded generation 1 refresh token refresh-1
	// saved generation 2
	// stale save refused: true
	// stored refresh token refresh-2
}

// With Options.AEAD the token is encrypted at rest: Redis, its replicas and
// its backups hold only ciphertext. Every process of the fleet needs the
// same key, kept outside Redis (a secret manager, an environment variable).
func ExampleNew_encrypted() {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer client.Close()

	key := make([]byte, 32) // in a real program: 32 random bytes from a secret manager
	block, err := aes.NewCipher(key)
	if err != nil {
		log.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		log.Fatal(err)
	}
	store := redisstore.New(client, "epicoauth:account-1234", &redisstore.Options{AEAD: aead})

	ctx := context.Background()
	if err := store.Save(ctx, &oauth2.Token{AccessToken: "access-1", RefreshToken: "refresh-1"}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("format in Redis:", mr.HGet("epicoauth:account-1234", "format"))
	fmt.Println("refresh token readable in Redis:", strings.Contains(mr.HGet("epicoauth:account-1234", "token"), "refresh-1"))
	tok, err := store.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(store, "loads", tok.RefreshToken)
	// Output:
	// format in Redis: aead+json
	// refresh token readable in Redis: false
	// redisstore.Store("epicoauth:account-1234", encrypted) loads refresh-1
}

// Every process of a fleet, on any machine, builds its token source on the
// same Redis key, as the README shows. Here three such sources (three
// processes, in a real deployment) run through twelve hours of two-hour
// tokens on the epictest fake: one login, one refresh per expiry for all of
// them, one Epic session.
func ExampleStore() {
	mr := miniredis.NewMiniRedis() // in production: your Redis, Sentinel or Cluster
	if err := mr.Start(); err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	srv := epictest.NewServer(nil)
	defer srv.Close()
	bot := srv.AddAccount(epictest.Account{DisplayName: "bot"})
	cfg := srv.EpicConfig(srv.DefaultClient())
	deviceAuth := srv.NewDeviceAuth(bot.ID, srv.DefaultClient().ID)
	ctx := context.Background()

	var fleet []*http.Client
	for range 3 { // three processes
		// The README's lines, as each process runs them:
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		store := redisstore.New(rdb, "epicoauth:{"+deviceAuth.AccountID+"}", nil)
		ts, err := cfg.StoredTokenSource(ctx, deviceAuth, &epicoauth.TokenSourceOptions{
			Store:   store,
			OnError: func(err error) { log.Printf("epic token: %v", err) },
		})
		if err != nil {
			log.Fatal(err)
		}
		client := epicoauth.NewClient(ctx, ts)

		defer rdb.Close()
		defer ts.Close()
		fleet = append(fleet, client)
	}
	for range 6 {
		for _, client := range fleet {
			resp, err := client.Get(srv.URL + "/account/api/oauth/verify")
			if err != nil {
				log.Fatal(err)
			}
			resp.Body.Close()
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

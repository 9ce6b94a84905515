package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
)

// The demo's fleet step: replicas of one program on one account, sharing
// one FileStore, side by side with the same replicas each on a store of
// its own.

// fleetSize is how many replicas each side of the fleet step runs.
const fleetSize = 3

// replicas are the token sources of one side of the fleet step, all on
// one account.
type replicas struct {
	account string
	sources []*epicoauth.TokenSource
}

// newReplicas starts fleetSize token sources for a new account of the fake,
// the i-th on a FileStore at path(i).
func (d *demo) newReplicas(ctx context.Context, name string, path func(i int) string) (*replicas, error) {
	account := d.f.AddAccount(epictest.Account{DisplayName: name})
	deviceAuth := d.f.NewDeviceAuth(account.ID, d.client.ID)
	r := &replicas{account: account.ID}
	for i := range fleetSize {
		ts, err := d.cfg.StoredTokenSource(ctx, deviceAuth, &epicoauth.TokenSourceOptions{Store: &epicoauth.FileStore{Path: path(i)}})
		if err != nil {
			r.close()
			return nil, err
		}
		r.sources = append(r.sources, ts)
	}
	return r, nil
}

func (r *replicas) close() {
	for _, ts := range r.sources {
		ts.Close()
	}
}

// round has every replica get a token, one after the other as their
// requests would arrive, and returns how many token requests reached
// Epic and the access tokens the replicas got, shortened.
func (d *demo) round(r *replicas) (int, string, error) {
	before := d.f.Count(epictest.AccountTokenPath)
	var got []string
	for _, ts := range r.sources {
		tok, err := ts.Token()
		if err != nil {
			return 0, "", err
		}
		got = append(got, short(tok.AccessToken))
	}
	return d.f.Count(epictest.AccountTokenPath) - before, strings.Join(got, " "), nil
}

func (d *demo) fleet(ctx context.Context) error {
	d.step("A fleet on one account: three replicas share one token file",
		`store := &epicoauth.FileStore{Path: "/var/lib/bot/token.json"} // in each replica: its own FileStore, one file`,
		"ts, err := cfg.StoredTokenSource(ctx, deviceAuth, &epicoauth.TokenSourceOptions{Store: store})",
		"tok, err := ts.Token() // in each replica, every 2 h of fake time")
	dir, err := os.MkdirTemp("", "epictoken-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Each side on an account of its own, so that its sessions count apart.
	shared, err := d.newReplicas(ctx, "epictoken-fleet", func(int) string { return filepath.Join(dir, "token.json") })
	if err != nil {
		return err
	}
	defer shared.close()
	apart, err := d.newReplicas(ctx, "epictoken-apart", func(i int) string { return filepath.Join(dir, fmt.Sprintf("token-%d.json", i+1)) })
	if err != nil {
		return err
	}
	defer apart.close()

	const row = "  %-8s  %-8s  %-17s    %-8s  %s\n"
	fmt.Fprintf(d.w, "  %-8s  %-27s    %s\n", "", "one file for all three", "a file each")
	fmt.Fprintf(d.w, row, "time", "requests", "access tokens", "requests", "access tokens")
	for i := range 4 {
		if i > 0 {
			d.f.Clock().Advance(2 * time.Hour)
		}
		n, tokens, err := d.round(shared)
		if err != nil {
			return err
		}
		nApart, tokensApart, err := d.round(apart)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.w, row, d.now().UTC().Format("15:04:05"), fmt.Sprint(n), tokens, fmt.Sprint(nApart), tokensApart)
	}
	d.kv("Epic sessions", "%d with one file, %d with a file each", len(d.f.Sessions(shared.account)), len(d.f.Sessions(apart.account)))
	d.kv("one file", "the first replica to find the token expired renews it; the others adopt it from the file")
	d.kv("a file each", "every replica logs in and refreshes on its own; Epic locks out an account whose sessions pile up")
	return nil
}

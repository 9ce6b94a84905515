// Package fleettest runs a fleet of real OS processes that share one token
// store, all logged in to one account of one epictest server that the test
// process serves over loopback HTTP. It proves (and measures) what a
// SharedTokenStore promises: one token request per expiry for the whole
// fleet, no rotated refresh token lost, one Epic session.
//
// The processes are the test binary itself, started again by proctest in
// the role "fleet", which makes Main (called from TestMain) run the child's
// loop instead of the tests. They agree on time through the parent: each child's Clock asks the
// parent for the epictest server's fake time, so the parent moves a whole
// fleet through hours of token lifetime in milliseconds, deterministically.
// Leases (file locks, Redis TTLs) run on real time, as in production.
package fleettest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
	"github.com/epicoauth/epicoauth/internal/proctest"
)

// role is the proctest role of a fleet process; envChild names the
// environment variable that holds its childConfig, in JSON.
const (
	role     = "fleet"
	envChild = "EPICOAUTH_FLEET_CHILD"
)

// childConfig is what a fleet process needs to know.
type childConfig struct {
	Name         string // sent in the User-Agent, to tell processes apart in the server's log
	ServerURL    string
	ClockURL     string
	ClientID     string
	ClientSecret string
	DeviceAuth   epic.DeviceAuth // the fallback grant
	Store        string          // handed to the OpenStore function
	// Uncoordinated hides the store's SharedTokenStore side: today's
	// behaviour of processes sharing a plain TokenStore.
	Uncoordinated bool
}

// Reply is a fleet process's answer to one Token call.
type Reply struct {
	// Access identifies the access token it got (a hash, never the
	// token), empty on error.
	Access string
	// Err is the error's text, empty on success; LoginRequired says it
	// matched epicoauth.ErrLoginRequired.
	Err           string
	LoginRequired bool
	// SourceErr is the text of the source's Err after the call (a failed
	// renewal, or trouble with the store: a *LeaseError, a *SaveError),
	// empty when all is well.
	SourceErr string
}

// OpenStore opens the store a fleet process shares, from the spec the test
// gave in Options.Store (a file name, a Redis URL ...).
type OpenStore func(spec string) (epicoauth.TokenStore, error)

// Main makes the test binary a fleet process when it was started as one:
// it runs the process's loop and exits. Otherwise it returns at once. Call
// it first thing in TestMain.
func Main(open OpenStore) {
	if proctest.Role() != role {
		return
	}
	if err := runChild(os.Getenv(envChild), open, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fleet process:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runChild answers one Reply line per "token" line until its input ends.
func runChild(raw string, open OpenStore, in io.Reader, out io.Writer) error {
	var c childConfig
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return err
	}
	store, err := open(c.Store)
	if err != nil {
		return err
	}
	if c.Uncoordinated {
		store = plainStore{store}
	}
	clock := remoteClock{url: c.ClockURL}
	cfg := &epic.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: c.ServerURL + epictest.AccountTokenPath},
		Clock:        clock,
		UserAgent:    "fleet/" + c.Name,
		Retry:        epicoauth.NoRetry(),
	}
	ctx := context.Background()
	ts, err := cfg.StoredTokenSource(ctx, c.DeviceAuth, &epicoauth.TokenSourceOptions{Store: store})
	if err != nil {
		return err
	}
	defer ts.Close()
	lines, enc := bufio.NewScanner(in), json.NewEncoder(out)
	if err := enc.Encode(Reply{}); err != nil { // ready: the store is loaded
		return err
	}
	for lines.Scan() {
		var r Reply
		switch cmd, arg, _ := strings.Cut(lines.Text(), " "); cmd {
		case "token":
			tctx, cancel := context.WithTimeout(ctx, replyTimeout)
			r = replyOf(ts.TokenContext(tctx))
			cancel()
			r.SourceErr = errText(ts.Err())
		case "renewed":
			r = awaitRenewal(ts, arg)
		default:
			return fmt.Errorf("unknown command %q", lines.Text())
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return lines.Err()
}

// awaitRenewal waits until ts serves a token other than old (an Access
// hash): the renewal that EnterWindow started in the background has
// ended, here or in another process. Nothing signals that across
// processes, so it polls.
func awaitRenewal(ts *epicoauth.TokenSource, old string) Reply {
	deadline := time.Now().Add(replyTimeout)
	for {
		r := replyOf(ts.Token())
		if r.Err != "" || r.Access != old || time.Now().After(deadline) {
			r.SourceErr = errText(ts.Err())
			return r
		}
		time.Sleep(time.Millisecond)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func replyOf(tok *oauth2.Token, err error) Reply {
	if err != nil {
		return Reply{Err: err.Error(), LoginRequired: errors.Is(err, epicoauth.ErrLoginRequired)}
	}
	sum := sha256.Sum256([]byte(tok.AccessToken))
	return Reply{Access: hex.EncodeToString(sum[:6])}
}

// plainStore is a TokenStore and nothing more: the SharedTokenStore
// methods of the store it wraps are out of sight.
type plainStore struct{ epicoauth.TokenStore }

// remoteClock reads the time of the parent's epictest server, so that every
// process of a fleet sees the same fake time. It never sleeps: the
// processes send each request once (NoRetry).
type remoteClock struct{ url string }

func (c remoteClock) Now() time.Time {
	resp, err := http.Get(c.url)
	if err != nil {
		panic("fleet process: reading the parent's clock: " + err.Error())
	}
	defer resp.Body.Close()
	var t time.Time
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
		panic("fleet process: reading the parent's clock: " + err.Error())
	}
	return t
}

func (remoteClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

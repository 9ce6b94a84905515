package epicoauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
	"github.com/epicoauth/epicoauth/internal/proctest"
)

// Environment of the refresh-loop child.
const (
	crashURLEnv        = "EPICOAUTH_TEST_EPIC_URL"
	crashClientEnv     = "EPICOAUTH_TEST_CLIENT"      // id:secret
	crashDeviceAuthEnv = "EPICOAUTH_TEST_DEVICE_AUTH" // account:device:secret
	crashTimingEnv     = "EPICOAUTH_TEST_TIMING"
	// crashKillsEnv raises the number of kills for a measurement:
	// EPICOAUTH_SIGKILL_RUNS=200 go test -run TestFileStoreSurvivesSIGKILL -v .
	crashKillsEnv = "EPICOAUTH_SIGKILL_RUNS"
)

// A process renewing its session as fast as it can is SIGKILLed at random
// moments, again and again; each time a new process resumes from the file.
// A kill between writing a save's temporary file and its rename left the
// live token in that file, and nothing read it (54 of 200 kills needed a
// new login for that alone): now every such kill resumes. The kills that
// still need a login are those between Epic's answer and the temporary
// file's last byte, a window no client can close (SECURITY.md has the
// measured rate). Leftover temporary files never pile up.
func TestFileStoreSurvivesSIGKILL(t *testing.T) {
	if proctest.Role() == "refresh-loop" {
		refreshLoop()
	}
	kills := 20
	if n, err := strconv.Atoi(os.Getenv(crashKillsEnv)); err == nil && n > 0 {
		kills = n
	}
	srv := epictest.NewServer(nil)
	defer srv.Close()
	alice := srv.AddAccount(epictest.Account{DisplayName: "alice"})
	client := srv.DefaultClient()
	deviceAuth := srv.NewDeviceAuth(alice.ID, client.ID)
	dir := t.TempDir()
	store := &epicoauth.FileStore{Path: filepath.Join(dir, "token.json")}
	env := []string{
		storeEnv + "=" + store.Path,
		crashURLEnv + "=" + srv.URL,
		crashClientEnv + "=" + client.ID + ":" + client.Secret,
		crashDeviceAuthEnv + "=" + deviceAuth.AccountID + ":" + deviceAuth.DeviceID + ":" + deviceAuth.Secret,
	}

	// One child renews without being killed and says how long a renewal
	// takes, and how much of it is the token request: a kill from the
	// moment the request is sent until the save's temporary file is
	// written loses the session.
	timing := proctest.Start(t, "refresh-loop", append(env, crashTimingEnv+"=20")...)
	timing.Expect(t, "renewing")
	line, ok := timing.Line(t)
	require.True(t, ok)
	t.Logf("renewal loop: %s", line)
	require.NoError(t, timing.Wait())

	var lost, withTemp, recoverable int
	for kill := 0; kill <= kills; kill++ {
		// What the last kill left: at most the one save it interrupted.
		temps := ourTemps(t, dir)
		require.LessOrEqual(t, len(temps), 1, "leftover temporary files pile up")
		newerTemp := len(temps) == 1 && completeAndNewer(t, temps[0], store.Path)
		if len(temps) == 1 {
			withTemp++
		}
		if newerTemp {
			recoverable++
		}

		// A new process resumes from the file; its device auth logs in
		// only when the saved session is gone.
		logins := srv.Count("device_auth")
		child := proctest.Start(t, "refresh-loop", env...)
		child.Expect(t, "renewing")
		if kill > 0 && srv.Count("device_auth") > logins {
			lost++
			assert.False(t, newerTemp, "kill %d left the live token in a complete temporary file, and it was not recovered", kill)
		}
		if kill == kills {
			child.Kill(t)
			break
		}
		time.Sleep(rand.N(50 * time.Millisecond)) // a random moment of the loop
		child.Kill(t)
	}
	t.Logf("%d kills: %d needed a new login (%.1f%%); %d left a temporary file, %d of them complete and newer (recovered)",
		kills, lost, 100*float64(lost)/float64(kills), withTemp, recoverable)
}

// refreshLoop is the child of TestFileStoreSurvivesSIGKILL: it resumes the
// session saved in the file (its device auth logs in when there is none,
// or the saved one is gone) and renews it as fast as it can, each renewal
// saved before the next, until it is killed. It says "renewing" once it has
// its first token. With crashTimingEnv=n it stops after n more renewals and
// says how long they took.
func refreshLoop() {
	requests := &timedTransport{}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: requests})
	store := childStore()
	saved, err := store.Load(ctx)
	if err != nil {
		childFail(err)
	}
	// The child's own fake clock moves three hours before each Token call,
	// so that every call renews; Epic's clock stands still in the parent.
	clock := epictest.NewClock(epictest.DefaultStart)
	if saved != nil {
		clock.Set(saved.Expiry)
	}
	client := strings.SplitN(os.Getenv(crashClientEnv), ":", 2)
	da := strings.SplitN(os.Getenv(crashDeviceAuthEnv), ":", 3)
	if len(client) != 2 || len(da) != 3 {
		childFail(errors.New("bad environment"))
	}
	cfg := &epic.Config{
		ClientID:     client[0],
		ClientSecret: client[1],
		Endpoint:     oauth2.Endpoint{TokenURL: os.Getenv(crashURLEnv) + epictest.AccountTokenPath, AuthStyle: oauth2.AuthStyleInHeader},
		Clock:        clock,
	}
	grant := epic.DeviceAuth{AccountID: da[0], DeviceID: da[1], Secret: da[2]}
	ts, err := cfg.StoredTokenSource(ctx, grant, &epicoauth.TokenSourceOptions{Store: store})
	if err != nil {
		childFail(err)
	}
	timed, _ := strconv.Atoi(os.Getenv(crashTimingEnv))
	var start time.Time
	for i := 0; ; i++ {
		clock.Advance(3 * time.Hour)
		if _, err := ts.Token(); err != nil {
			childFail(err)
		}
		switch {
		case i == 0:
			fmt.Println("renewing")
			start, requests.total = time.Now(), 0
		case i == timed:
			n := time.Duration(timed)
			fmt.Printf("one renewal (request and save) takes %v, its request %v\n", time.Since(start)/n, requests.total/n)
			os.Exit(0)
		}
	}
}

// timedTransport adds up the time its requests take.
type timedTransport struct {
	total time.Duration // written by the request in flight, read once it returned
}

func (t *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := http.DefaultTransport.RoundTrip(r)
	t.total += time.Since(start)
	return resp, err
}

// ourTemps lists the temporary files FileStore's saves leave in dir.
func ourTemps(t *testing.T, dir string) []string {
	t.Helper()
	temps, err := filepath.Glob(filepath.Join(dir, ".token.json.tmp-*"))
	require.NoError(t, err)
	return temps
}

// completeAndNewer reports whether the temporary file temp holds a whole
// token of a later generation than the file at path.
func completeAndNewer(t *testing.T, temp, path string) bool {
	t.Helper()
	data, err := os.ReadFile(temp)
	if err != nil {
		return false
	}
	if _, err := epicoauth.UnmarshalToken(data); err != nil {
		return false
	}
	var f struct{ Generation uint64 }
	if json.Unmarshal(data, &f) != nil {
		return false
	}
	return f.Generation > savedGeneration(t, path)
}

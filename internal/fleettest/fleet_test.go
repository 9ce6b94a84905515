package fleettest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
	"github.com/epicoauth/epicoauth/internal/fleettest"
)

func TestMain(m *testing.M) {
	fleettest.Main(openFile)
	os.Exit(m.Run())
}

func openFile(path string) (epicoauth.TokenStore, error) {
	return &epicoauth.FileStore{Path: path}, nil
}

func requireSharedFileStore(t *testing.T) {
	if _, ok := any(&epicoauth.FileStore{}).(epicoauth.SharedTokenStore); !ok {
		t.Skip("pending: FileStore does not implement SharedTokenStore yet")
	}
}

// requireOneToken requires every reply to carry the same token.
func requireOneToken(t *testing.T, replies []fleettest.Reply) string {
	t.Helper()
	require.NotEmpty(t, replies)
	for _, r := range replies {
		require.Empty(t, r.Err)
		require.Equal(t, replies[0].Access, r.Access, "every process serves the fleet's one token")
	}
	return replies[0].Access
}

// Four processes on one token file through five expiries: one token
// request per expiry for the whole fleet, nothing rejected, one session.
func TestFleetFileStore(t *testing.T) {
	requireSharedFileStore(t)
	f := fleettest.Start(t, fleettest.Options{Procs: 4, Store: filepath.Join(t.TempDir(), "token.json")})
	first := requireOneToken(t, f.TokenAll())
	seen := map[string]bool{first: true}
	const expiries = 5
	for range expiries {
		tok := requireOneToken(t, f.Expiry())
		assert.False(t, seen[tok], "a new token at each expiry")
		seen[tok] = true
	}
	s := f.Stats()
	t.Log(s)
	assert.Equal(t, expiries, s.TokenRequests, "one token request per expiry")
	assert.Equal(t, expiries, s.Refreshes)
	assert.Zero(t, s.Rejected)
	assert.Equal(t, 1, s.Sessions, "one Epic session for the account")
}

// A holder killed in the middle of its renewal loses nothing it had saved:
// the others take over once its lease ends (a file lock ends with the
// process) and the fleet stays on one session.
func TestFleetFileStoreHolderKilled(t *testing.T) {
	requireSharedFileStore(t)
	f := fleettest.Start(t, fleettest.Options{Procs: 4, Store: filepath.Join(t.TempDir(), "token.json")})
	requireOneToken(t, f.Expiry())
	KillHolderMidRenewal(t, f)
}

// KillHolderMidRenewal holds the next refresh at the server, kills the
// process that sent it, and requires the rest of the fleet to take over.
func KillHolderMidRenewal(t *testing.T, f *fleettest.Fleet) {
	before := f.Stats()
	f.Server.Inject(epictest.Fault{Kind: epictest.Delay, Delay: epictest.MaxDelay, Path: epictest.AccountTokenPath})
	old := f.EnterWindow()
	holder := f.WaitForRequest(epictest.Delay)
	i := slices.Index(f.Live(), holder)
	f.Kill(holder)
	old = slices.Delete(old, i, i+1)
	tok := requireOneToken(t, f.Settle(old))
	assert.Len(t, f.Live(), 3)

	s := f.Stats()
	t.Log(s)
	assert.Equal(t, before.Unanswered+1, s.Unanswered, "the killed holder's request")
	assert.Equal(t, before.TokenRequests+2, s.TokenRequests, "its request and the one that took over")
	assert.Zero(t, s.Rejected)
	assert.Zero(t, s.Logins, "no new login: the stored refresh token still worked")
	assert.Equal(t, 1, s.Sessions)
	assert.NotEqual(t, tok, requireOneToken(t, f.Expiry()), "the fleet goes on")
}

// Today's behaviour, for contrast: processes that share the file as a
// plain TokenStore refresh with the same refresh token at once, three of
// four are rejected and log in again, and four sessions live on.
func TestFleetUncoordinated(t *testing.T) {
	f := fleettest.Start(t, fleettest.Options{Procs: 4, Store: filepath.Join(t.TempDir(), "token.json"), Uncoordinated: true})
	for range 2 {
		for _, r := range f.Expiry() {
			require.Empty(t, r.Err)
		}
	}
	s := f.Stats()
	t.Log(s)
	assert.Equal(t, 3, s.Rejected, "three processes lost the race for the rotated refresh token")
	assert.Equal(t, 3, s.Logins, "and logged in again")
	assert.Equal(t, 4, s.Sessions)
	assert.Equal(t, 4+3+4, s.TokenRequests)
}

// BenchmarkFleet compares a fleet sharing a FileStore with the same fleet
// sharing the file as a plain TokenStore (today's behaviour). Run it with
// -benchtime=5x: each op is one expiry of the fleet's token.
func BenchmarkFleet(b *testing.B) {
	for _, mode := range []struct {
		name          string
		uncoordinated bool
	}{{"file", false}, {"uncoordinated", true}} {
		for _, procs := range []int{1, 2, 4, 8} {
			b.Run(fmt.Sprintf("store=%s/procs=%d", mode.name, procs), func(b *testing.B) {
				fleettest.Bench(b, fleettest.Options{Procs: procs, Store: filepath.Join(b.TempDir(), "token.json"), Uncoordinated: mode.uncoordinated})
			})
		}
	}
}

package fleettest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/fleettest"
)

func TestMain(m *testing.M) {
	fleettest.Main(openFile)
	os.Exit(m.Run())
}

func openFile(path string) (epicoauth.TokenStore, error) {
	return &epicoauth.FileStore{Path: path}, nil
}

func fileFleet(t *testing.T, uncoordinated bool) *fleettest.Fleet {
	return fleettest.Start(t, fleettest.Options{Procs: 4, Store: filepath.Join(t.TempDir(), "token.json"), Uncoordinated: uncoordinated})
}

// Four processes on one token file through five expiries: one token
// request per expiry for the whole fleet, nothing rejected, one session.
func TestFleetFileStore(t *testing.T) {
	fleettest.RequireCoordinated(t, fileFleet(t, false), 5)
}

// A holder killed in the middle of its renewal loses nothing it had saved:
// its file lock ends with it, the others take over, and the fleet stays on
// one session.
func TestFleetFileStoreHolderKilled(t *testing.T) {
	f := fileFleet(t, false)
	fleettest.RequireOneToken(t, f.Expiry())
	fleettest.RequireTakeoverAfterKill(t, f)
	fleettest.RequireCoordinated(t, f, 2)
}

// Today's behaviour, for contrast: processes that share the file as a
// plain TokenStore refresh with the same refresh token at once, three of
// four are rejected and log in again, and four sessions live on.
func TestFleetUncoordinated(t *testing.T) {
	f := fileFleet(t, true)
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
// -benchtime=5x: each op is one expiry of the fleet's token. The redisstore
// module's BenchmarkFleet adds Redis to the same table.
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

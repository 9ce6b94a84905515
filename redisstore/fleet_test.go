package redisstore_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/fleettest"
	"github.com/epicoauth/epicoauth/redisstore"
	"github.com/epicoauth/epicoauth/redisstore/internal/redistest"
)

// TestMain makes the test binary a fleet process when fleettest starts it
// as one.
func TestMain(m *testing.M) {
	fleettest.Main(openFleetStore)
	os.Exit(m.Run())
}

// fleetStore is the store a fleet process opens: a Redis key, or a file
// for the side-by-side benchmark.
type fleetStore struct {
	URL, Key string
	LeaseTTL time.Duration
	File     string
}

func (s fleetStore) spec() string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func openFleetStore(spec string) (epicoauth.TokenStore, error) {
	var s fleetStore
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		return nil, err
	}
	if s.File != "" {
		return &epicoauth.FileStore{Path: s.File}, nil
	}
	opt, err := redis.ParseURL(s.URL)
	if err != nil {
		return nil, err
	}
	// A dead server on loopback refuses at once: no retries, so that the
	// Redis-down test takes seconds.
	opt.MaxRetries, opt.DialerRetries = -1, 1
	return redisstore.New(redis.NewClient(opt), s.Key, &redisstore.Options{LeaseTTL: s.LeaseTTL, PollInterval: 5 * time.Millisecond}), nil
}

// killedLeaseTTL is the lease TTL of the fleet whose holder is killed: the
// others wait it out, so it is short. It is still far longer than a
// renewal against the local fake takes (milliseconds), and the holder
// renews its lease every third of it, so a live holder loses it only when
// starved of the CPU for over two thirds of it: the exact counts the test
// asserts do not depend on the machine's load. Fleets that kill no one keep
// the default TTL.
const killedLeaseTTL = 2 * time.Second

func redisFleet(t *testing.T, srv *redistest.Server, leaseTTL time.Duration) *fleettest.Fleet {
	spec := fleetStore{URL: srv.URL(), Key: "epicoauth:{fleet}", LeaseTTL: leaseTTL}.spec()
	return fleettest.Start(t, fleettest.Options{Procs: 4, Store: spec})
}

// Four processes on one Redis key (a real redis-server) through five
// expiries: one token request per expiry, nothing rejected, one session.
func TestFleetRedis(t *testing.T) {
	fleettest.RequireCoordinated(t, redisFleet(t, redistest.Start(t), 0), 5)
}

// A holder SIGKILLed in the middle of its renewal: its lease expires after
// the TTL, the others take over from the stored refresh token.
func TestFleetRedisHolderKilled(t *testing.T) {
	f := redisFleet(t, redistest.Start(t), killedLeaseTTL)
	fleettest.RequireOneToken(t, f.Expiry())
	fleettest.RequireTakeoverAfterKill(t, f)
	fleettest.RequireCoordinated(t, f, 2)
}

// BenchmarkFleet runs fleets of 1, 2, 4 and 8 processes sharing a
// FileStore, a Redis key, and the file as a plain TokenStore (today's
// behaviour), side by side. Run it with -benchtime=5x: each op is one
// expiry of the fleet's token; BENCHMARKS.md has the command.
func BenchmarkFleet(b *testing.B) {
	srv := redistest.Start(b)
	for _, mode := range []string{"file", "redis", "uncoordinated"} {
		for _, procs := range []int{1, 2, 4, 8} {
			b.Run(fmt.Sprintf("store=%s/procs=%d", mode, procs), func(b *testing.B) {
				store := fleetStore{File: filepath.Join(b.TempDir(), "token.json")}
				if mode == "redis" {
					store = fleetStore{URL: srv.URL(), Key: fmt.Sprintf("epicoauth:{bench-%d-%d}", procs, time.Now().UnixNano())}
				}
				fleettest.Bench(b, fleettest.Options{Procs: procs, Store: store.spec(), Uncoordinated: mode == "uncoordinated"})
			})
		}
	}
}

// Redis dies under a running fleet: every process keeps serving and renews
// on its own, so callers see no error, and reports the outage (a LeaseError
// around the store's redisstore.Error) through its Err; the price is the
// uncoordinated fleet's extra requests and sessions until Redis is back.
func TestFleetRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	f := redisFleet(t, srv, 0)
	fleettest.RequireOneToken(t, f.Expiry())
	srv.Stop()
	for range 2 {
		for _, r := range f.Expiry() {
			if r.Err != "" {
				t.Fatalf("a process failed with Redis down: %s", r.Err)
			}
			if !strings.Contains(r.SourceErr, "coordinating the renewal through the shared store failed") ||
				!strings.Contains(r.SourceErr, `epicoauth: redis lease (key "epicoauth:{fleet}:lease")`) {
				t.Errorf("a process does not report the outage: Err() = %q", r.SourceErr)
			}
		}
	}
	t.Log(f.Stats())
}

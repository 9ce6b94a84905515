package epicoauth_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/proctest"
)

// storeEnv passes the FileStore's path to a child process.
const storeEnv = "EPICOAUTH_TEST_STORE"

// childStore is the FileStore a child process was given.
func childStore() *epicoauth.FileStore {
	return &epicoauth.FileStore{Path: os.Getenv(storeEnv)}
}

// childFail ends a child process with err on stdout, which the test
// reports.
func childFail(err error) {
	fmt.Println("error:", err)
	os.Exit(1)
}

// waitForLine reads one line of stdin in a child.
func waitForLine() {
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		childFail(err)
	}
}

// Processes that share a file take turns: three processes, started
// together, increment a counter in the stored token under leases, and no
// increment is lost, no SaveIf is refused.
func TestFileStoreLeaseAcrossProcesses(t *testing.T) {
	const rounds = 20
	if proctest.Role() == "counter" {
		waitForLine()
		store := childStore()
		for range rounds {
			if err := incrementUnderLease(context.Background(), store); err != nil {
				childFail(err)
			}
		}
		fmt.Println("done")
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "token.json")
	var children []*proctest.Child
	for range 3 {
		children = append(children, proctest.Start(t, "counter", storeEnv+"="+path))
	}
	for _, c := range children {
		c.Send(t, "go")
	}
	for _, c := range children {
		c.Expect(t, "done")
		require.NoError(t, c.Wait())
	}
	assertCounter(t, path, 3*rounds)
}

// A process SIGKILLed while it holds the lease does not block the others:
// the OS drops its lock with the process.
func TestFileStoreLeaseHolderKilled(t *testing.T) {
	if proctest.Role() == "holder" {
		if _, err := childStore().Lease(context.Background()); err != nil {
			childFail(err)
		}
		fmt.Println("holding")
		waitForLine() // until killed
		os.Exit(0)
	}
	ctx := context.Background()
	store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
	holder := proctest.Start(t, "holder", storeEnv+"="+store.Path)
	holder.Expect(t, "holding")

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := store.Lease(short)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the other process holds the lease")

	holder.Kill(t)
	bounded, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	lease, err := store.Lease(bounded)
	require.NoError(t, err, "the killed holder's lock is gone")
	gen, err := lease.SaveIf(ctx, &oauth2.Token{AccessToken: "a"}, 0)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), gen)
	require.NoError(t, lease.Release(ctx))
}

// Fencing across processes: a holder loads under a lease and lets it go
// (a lease that ran out while it was paused); another process saves; the
// holder's late SaveIf is refused and the newer token stays. Without the
// other save, the same SaveIf succeeds.
func TestFileStoreFencingAcrossProcesses(t *testing.T) {
	if proctest.Role() == "paused" {
		ctx := context.Background()
		store := childStore()
		lease, err := store.Lease(ctx)
		if err != nil {
			childFail(err)
		}
		_, gen, err := lease.Load(ctx)
		if err != nil {
			childFail(err)
		}
		_ = lease.Release(ctx)
		fmt.Println("loaded", gen)
		waitForLine()
		if lease, err = store.Lease(ctx); err != nil {
			childFail(err)
		}
		gen, err = lease.SaveIf(ctx, &oauth2.Token{AccessToken: "at-late"}, gen)
		switch {
		case errors.Is(err, epicoauth.ErrStaleGeneration):
			fmt.Println("stale")
		case err != nil:
			childFail(err)
		default:
			fmt.Println("saved", gen)
		}
		os.Exit(0)
	}
	tests := []struct {
		name         string
		otherSaves   bool
		wantChild    string
		wantAccess   string
		wantStoreGen uint64
	}{
		{"another process saved meanwhile", true, "stale", "at-other", 3},
		{"nobody saved meanwhile", false, "saved 3", "at-late", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
			require.NoError(t, store.Save(ctx, &oauth2.Token{AccessToken: "at-1"}))
			require.NoError(t, store.Save(ctx, &oauth2.Token{AccessToken: "at-2"}))
			paused := proctest.Start(t, "paused", storeEnv+"="+store.Path)
			paused.Expect(t, "loaded 2")
			if tt.otherSaves {
				require.NoError(t, store.Save(ctx, &oauth2.Token{AccessToken: "at-other"}))
			}
			paused.Send(t, "go")
			paused.Expect(t, tt.wantChild)
			require.NoError(t, paused.Wait())

			got, err := store.Load(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.wantAccess, got.AccessToken)
			assert.Equal(t, tt.wantStoreGen, savedGeneration(t, store.Path))
		})
	}
}

// The generation survives as a number in the file, readable by anyone.
func TestFileStoreGenerationInFile(t *testing.T) {
	ctx := context.Background()
	store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
	for i := 1; i <= 3; i++ {
		require.NoError(t, store.Save(ctx, &oauth2.Token{AccessToken: "a" + strconv.Itoa(i)}))
		assert.Equal(t, uint64(i), savedGeneration(t, store.Path))
	}
	data, err := os.ReadFile(store.Path)
	require.NoError(t, err)
	tok, err := epicoauth.UnmarshalToken(data)
	require.NoError(t, err, "UnmarshalToken reads FileStore's files")
	assert.Equal(t, "a3", tok.AccessToken)
}

package epicoauth_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// SaveIf is a compare-and-set on the generation: it saves only over the
// generation the caller loaded, and a refused save leaves the file as it
// was.
func TestFileStoreSaveIf(t *testing.T) {
	stored := &oauth2.Token{AccessToken: "at-stored", RefreshToken: "rt-stored"}
	mine := &oauth2.Token{AccessToken: "at-mine", RefreshToken: "rt-mine"}
	tests := []struct {
		name    string
		file    string // "" for none
		loaded  uint64 // the generation SaveIf is given
		wantGen uint64 // 0: refused as stale
	}{
		{"nothing saved is generation 0", "", 0, 1},
		{"nothing saved: generation 1 is stale", "", 1, 0},
		{"the loaded generation", "gen4", 4, 5},
		{"an older generation is stale", "gen4", 3, 0},
		{"a newer generation is stale too", "gen4", 5, 0},
		{"a file without generation is generation 1", "legacy", 1, 2},
		{"a file without generation: 0 is stale", "legacy", 0, 0},
		{"a file that does not decode is generation 0", "corrupt", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
			switch tt.file {
			case "gen4":
				require.NoError(t, os.WriteFile(store.Path, tokenFile(t, stored, 4), 0o600))
			case "legacy":
				require.NoError(t, os.WriteFile(store.Path, tokenFile(t, stored, 0), 0o600))
			case "corrupt":
				require.NoError(t, os.WriteFile(store.Path, []byte(`{"refresh_token":`), 0o600))
			}
			before, _ := os.ReadFile(store.Path)

			lease, err := store.Lease(ctx)
			require.NoError(t, err)
			defer lease.Release(ctx)
			gen, err := lease.SaveIf(ctx, mine, tt.loaded)
			if tt.wantGen == 0 {
				require.ErrorIs(t, err, epicoauth.ErrStaleGeneration)
				assert.Contains(t, err.Error(), store.String())
				assert.Zero(t, gen)
				after, _ := os.ReadFile(store.Path)
				assert.Equal(t, before, after, "a refused save changes nothing")
				assert.Empty(t, ourTemps(t, filepath.Dir(store.Path)), "and leaves nothing")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantGen, gen)
			assert.Empty(t, ourTemps(t, filepath.Dir(store.Path)))
			got, gotGen, err := lease.Load(ctx)
			require.NoError(t, err)
			assert.Equal(t, mine, got)
			assert.Equal(t, tt.wantGen, gotGen)
		})
	}
}

// A lease's whole cycle, and a holder that was fenced off: it loaded,
// lost the lease (here: released it, as a lease that ran out), another
// process saved, and its late save is refused.
func TestFileStoreLeaseCycle(t *testing.T) {
	ctx := context.Background()
	store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "config", "token.json")}
	first := &oauth2.Token{AccessToken: "a1", RefreshToken: "r1"}
	second := &oauth2.Token{AccessToken: "a2", RefreshToken: "r2"}
	late := &oauth2.Token{AccessToken: "a-late", RefreshToken: "r-late"}

	lease, err := store.Lease(ctx)
	require.NoError(t, err)
	tok, gen, err := lease.Load(ctx)
	require.NoError(t, err)
	assert.Nil(t, tok)
	assert.Zero(t, gen)
	gen, err = lease.SaveIf(ctx, first, gen)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), gen)
	require.NoError(t, lease.Release(ctx))
	require.NoError(t, lease.Release(ctx), "a second Release does nothing")
	_, _, err = lease.Load(ctx)
	assert.Error(t, err, "a released lease cannot be used")
	_, err = lease.SaveIf(ctx, late, gen)
	assert.Error(t, err)

	// Plain Save takes the lock too and counts on.
	require.NoError(t, store.Save(ctx, second))
	lease, err = store.Lease(ctx)
	require.NoError(t, err)
	defer lease.Release(ctx)
	_, err = lease.SaveIf(ctx, late, gen)
	require.ErrorIs(t, err, epicoauth.ErrStaleGeneration)
	tok, gen, err = lease.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, second, tok, "the late save did not overwrite the newer token")
	assert.Equal(t, uint64(2), gen)

	info, err := os.Stat(store.Path + ".lock")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

// Within one process, FileStores on one path and goroutines exclude each
// other; waiting for the lock ends with the context; Load never waits.
func TestFileStoreLeaseExcludesInProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "token.json")
	holder := &epicoauth.FileStore{Path: path}
	other := &epicoauth.FileStore{Path: path}
	saved := &oauth2.Token{AccessToken: "a1"}
	require.NoError(t, holder.Save(ctx, saved))

	lease, err := holder.Lease(ctx)
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = other.Lease(short)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the lease is held")
	require.ErrorIs(t, other.Save(short, &oauth2.Token{AccessToken: "a2"}), context.DeadlineExceeded)
	got, err := other.Load(ctx)
	require.NoError(t, err, "Load does not wait for the lock")
	assert.Equal(t, saved, got)

	cancelled, cancelNow := context.WithCancel(ctx)
	cancelNow()
	_, err = other.Lease(cancelled)
	require.ErrorIs(t, err, context.Canceled)

	acquired := make(chan epicoauth.StoreLease)
	go func() {
		l, err := other.Lease(ctx)
		assert.NoError(t, err)
		acquired <- l
	}()
	require.NoError(t, lease.Release(ctx))
	select {
	case l := <-acquired:
		require.NotNil(t, l)
		require.NoError(t, l.Release(ctx))
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting lease was not granted after Release")
	}
}

// Goroutines with FileStores of their own on one path increment a counter
// held in the token under leases: no increment is lost and no SaveIf is
// refused, so the leases excluded each other. A reader meanwhile always
// sees a whole token, and the counter never goes back.
func TestFileStoreLeaseCounter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	const workers, rounds = 4, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			store := &epicoauth.FileStore{Path: path}
			for range rounds {
				if err := incrementUnderLease(context.Background(), store); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		reader := &epicoauth.FileStore{Path: path}
		last := 0
		for {
			select {
			case <-done:
				return
			default:
			}
			tok, err := reader.Load(context.Background())
			if !assert.NoError(t, err) || tok == nil {
				continue
			}
			n, err := strconv.Atoi(tok.AccessToken)
			assert.NoError(t, err)
			assert.GreaterOrEqual(t, n, last, "the counter went back")
			last = n
		}
	}()
	wg.Wait()
	close(done)
	<-readerDone
	assertCounter(t, path, workers*rounds)
}

// incrementUnderLease adds one to the counter kept as the stored access
// token, the way a renewal replaces the token: lease, load, save the next
// generation, release.
func incrementUnderLease(ctx context.Context, store *epicoauth.FileStore) error {
	lease, err := store.Lease(ctx)
	if err != nil {
		return err
	}
	defer lease.Release(ctx)
	tok, gen, err := lease.Load(ctx)
	if err != nil {
		return err
	}
	n := 0
	if tok != nil {
		if n, err = strconv.Atoi(tok.AccessToken); err != nil {
			return err
		}
	}
	next := &oauth2.Token{AccessToken: strconv.Itoa(n + 1), RefreshToken: fmt.Sprint("rt-", n+1)}
	if _, err := lease.SaveIf(ctx, next, gen); err != nil {
		return err
	}
	return nil
}

// assertCounter checks the counter kept by incrementUnderLease and that
// every increment was one generation.
func assertCounter(t *testing.T, path string, want int) {
	t.Helper()
	ctx := context.Background()
	lease, err := (&epicoauth.FileStore{Path: path}).Lease(ctx)
	require.NoError(t, err)
	defer lease.Release(ctx)
	tok, gen, err := lease.Load(ctx)
	require.NoError(t, err)
	require.NotNil(t, tok)
	assert.Equal(t, strconv.Itoa(want), tok.AccessToken, "no increment lost")
	assert.Equal(t, uint64(want), gen, "one generation per save")
}

// A named pipe at the path made Load block forever, whatever its context
// said (and epictoken ignore Ctrl-C). Whatever is not a regular file is
// refused at once, before it is opened, by Load, Save and the lease, and
// Save does not replace it (TestReadRefusesSpecialFiles in
// internal/secretfile bounds the wait).
func TestFileStoreRefusesSpecialFiles(t *testing.T) {
	tests := []struct {
		name, kind string
		make       func(t *testing.T, path string)
	}{
		{"directory", "directory", func(t *testing.T, path string) { require.NoError(t, os.Mkdir(path, 0o700)) }},
		{"named pipe", "named pipe", makeNamedPipe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
			tt.make(t, store.Path)

			_, err := store.Load(ctx)
			require.ErrorIs(t, err, epicoauth.ErrNotRegularFile)
			assert.Contains(t, err.Error(), store.Path)
			assert.Contains(t, err.Error(), tt.kind)
			require.ErrorIs(t, store.Save(ctx, &oauth2.Token{AccessToken: "a"}), epicoauth.ErrNotRegularFile)
			lease, err := store.Lease(ctx)
			require.NoError(t, err)
			defer lease.Release(ctx)
			_, _, err = lease.Load(ctx)
			require.ErrorIs(t, err, epicoauth.ErrNotRegularFile)
			_, err = lease.SaveIf(ctx, &oauth2.Token{AccessToken: "a"}, 0)
			require.ErrorIs(t, err, epicoauth.ErrNotRegularFile)
			assert.False(t, errors.Is(err, epicoauth.ErrStaleGeneration))
		})
	}
}

package epicoauth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// newSharedSource returns a TokenSource over a scripted SessionRenewer with
// store as its Store, on clock (a new fake clock when nil). Several sources
// on one store and one clock are a fleet.
func newSharedSource(t *testing.T, store *sharedStore, clock *fakeClock, opts *TokenSourceOptions) (*TokenSource, *scriptedRenewer, *fakeClock, *recorder) {
	t.Helper()
	if clock == nil {
		clock = newFakeClock()
	}
	src, rec := newScriptedRenewer(), newRecorder()
	var o TokenSourceOptions
	if opts != nil {
		o = *opts
	}
	o.Clock, o.OnError, o.Store = clock, rec.onError, store
	ts := NewTokenSource(src, &o)
	t.Cleanup(func() { closeAnswering(ts, src.scriptedSource) })
	return ts, src, clock, rec
}

// newResumed returns a source resumed from token "a" (one hour from t0),
// which its store holds at generation 1.
func newResumed(t *testing.T, opts *TokenSourceOptions) (*sharedStore, *TokenSource, *scriptedRenewer, *fakeClock, *recorder) {
	t.Helper()
	store := newSharedStore()
	ts, src, clock, rec := newSharedSource(t, store, nil, opts)
	a := token("a", t0, time.Hour)
	store.put(a)
	ts.SetToken(a)
	return store, ts, src, clock, rec
}

// inWindow is a time inside the early-refresh window of a one-hour token
// issued at t0.
var inWindow = t0.Add(time.Hour - DefaultExpiryDelta - time.Minute)

// nextStep waits for the source's next request and requires it to be the
// SessionRenewer step kind ("refresh" from the token named from, "login").
func nextStep(t *testing.T, src *scriptedRenewer, kind, from string) call {
	t.Helper()
	c := src.next(t)
	require.Equal(t, kind, c.kind, "step")
	if kind == "refresh" {
		require.NotNil(t, c.from)
		require.Equal(t, from, c.from.AccessToken, "refreshed from")
	}
	return c
}

// storedAccess returns the access token in store and its generation.
func storedAccess(store *sharedStore) (string, uint64) {
	tok, gen := store.stored()
	if tok == nil {
		return "", gen
	}
	return tok.AccessToken, gen
}

var errRejectedRefresh = &Error{StatusCode: 400, ErrorCode: ErrorCodeInvalidRefreshToken, OAuthError: "invalid_grant"}

func TestSharedStoreAdoptsNewerToken(t *testing.T) {
	store, ts, src, clock, _ := newResumed(t, nil)

	clock.Set(inWindow)
	store.put(token("b", clock.Now(), time.Hour)) // another holder renewed
	assert.Equal(t, "a", tokenOf(t, ts), "the renewal runs in the background")
	ts.e.waitFlight()
	src.none(t)
	assert.Equal(t, "b", tokenOf(t, ts), "adopted without a request")
	access, gen := storedAccess(store)
	assert.Equal(t, "b", access)
	assert.EqualValues(t, 2, gen, "nothing saved")
	assert.NoError(t, ts.Err())
	assert.True(t, ts.e.idle())
}

func TestSharedStoreRenewsFromNewestToken(t *testing.T) {
	tests := []struct {
		name        string
		at          time.Time // when the renewal starts
		stored      *oauth2.Token
		refreshFrom string
	}{
		{"the stored token is ours", inWindow, token("a", t0, time.Hour), "a"},
		{"nothing stored", inWindow, nil, "a"},
		// A different token that is still valid is adopted (see
		// TestSharedStoreAdoptsNewerToken); one that has run out too,
		// after a fleet was suspended, is renewed when it is the newer.
		{"another holder's token, newer and run out", t0.Add(2 * time.Hour), token("b", t0.Add(30*time.Second), time.Hour), "b"},
		{"another holder's token, older and run out", t0.Add(2 * time.Hour), token("b", t0.Add(-30*time.Second), time.Hour), "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newSharedStore()
			ts, src, clock, _ := newSharedSource(t, store, nil, nil)
			if tt.stored != nil {
				store.put(tt.stored)
			}
			_, gen := store.stored()
			ts.SetToken(token("a", t0, time.Hour))

			clock.Set(tt.at)
			ch := async(ts, context.Background())
			nextStep(t, src, "refresh", tt.refreshFrom).answer(token("c", clock.Now(), time.Hour), nil)
			require.NoError(t, receive(t, ch).err)
			ts.e.waitFlight()
			assert.Equal(t, "c", tokenOf(t, ts))
			access, newGen := storedAccess(store)
			assert.Equal(t, "c", access, "saved")
			assert.Equal(t, gen+1, newGen)
			src.none(t)
			assert.NoError(t, ts.Err())
		})
	}
}

// A holder whose lease ran out while its request was in flight (a paused
// VM, a long GC) must not overwrite the token a later holder saved: its
// compare-and-set fails and it adopts the stored token.
func TestSharedStoreFencesHolderWhoseLeaseRanOut(t *testing.T) {
	store := newSharedStore()
	clock := newFakeClock()
	paused, pausedSrc, _, _ := newSharedSource(t, store, clock, nil)
	other, otherSrc, _, _ := newSharedSource(t, store, clock, nil)
	a := token("a", t0, time.Hour)
	store.put(a)
	paused.SetToken(a)
	other.SetToken(a)
	clock.Set(inWindow)

	assert.Equal(t, "a", tokenOf(t, paused))
	slow := nextStep(t, pausedSrc, "refresh", "a")
	store.expire() // the paused holder's lease runs out

	assert.Equal(t, "a", tokenOf(t, other))
	nextStep(t, otherSrc, "refresh", "a").answer(token("b", clock.Now(), time.Hour), nil)
	other.e.waitFlight()
	assert.Equal(t, "b", tokenOf(t, other))

	slow.answer(token("c", clock.Now(), time.Hour), nil) // the paused holder wakes up
	paused.e.waitFlight()
	access, gen := storedAccess(store)
	assert.Equal(t, "b", access, "the fenced holder overwrote nothing")
	assert.EqualValues(t, 2, gen)
	assert.Equal(t, "b", tokenOf(t, paused), "it adopted the stored token")
	assert.NoError(t, paused.Err())
	pausedSrc.none(t)
	otherSrc.none(t)
}

func TestSharedStoreLostSaveKeepsOwnTokenWhenStoredIsUnusable(t *testing.T) {
	store, ts, src, clock, _ := newResumed(t, nil)
	clock.Set(inWindow)

	assert.Equal(t, "a", tokenOf(t, ts))
	req := nextStep(t, src, "refresh", "a")
	store.put(token("x", t0.Add(-time.Hour), time.Hour)) // someone saved an expired token
	req.answer(token("b", clock.Now(), time.Hour), nil)
	ts.e.waitFlight()
	assert.Equal(t, "b", tokenOf(t, ts))
	access, gen := storedAccess(store)
	assert.Equal(t, "b", access, "the new token replaced the unusable one")
	assert.EqualValues(t, 3, gen)
}

// A refresh token rejected as invalid may have been rotated by another
// holder: the store is read once more before the grant runs.
func TestSharedStoreRereadsAfterRejectedRefresh(t *testing.T) {
	tests := []struct {
		name string
		// meanwhile is what another holder saves while the refresh is
		// in flight (nil: nothing).
		meanwhile *oauth2.Token
		// then answers the requests after the rejection and returns the
		// token that ends up served.
		then func(t *testing.T, src *scriptedRenewer, now time.Time) string
	}{
		{"another holder saved a fresh token: adopted", token("b", inWindow, time.Hour),
			func(*testing.T, *scriptedRenewer, time.Time) string { return "b" }},
		{"another holder saved a token that has run out: refreshed from it", token("b", t0.Add(-2*time.Minute), time.Hour),
			func(t *testing.T, src *scriptedRenewer, now time.Time) string {
				nextStep(t, src, "refresh", "b").answer(token("c", now, time.Hour), nil)
				return "c"
			}},
		{"nothing changed: the grant runs", nil,
			func(t *testing.T, src *scriptedRenewer, now time.Time) string {
				c := nextStep(t, src, "login", "")
				assert.ErrorIs(t, c.cause, errRejectedRefresh, "the grant is told why")
				c.answer(token("d", now, time.Hour), nil)
				return "d"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, ts, src, clock, _ := newResumed(t, nil)
			clock.Set(inWindow)

			assert.Equal(t, "a", tokenOf(t, ts))
			req := nextStep(t, src, "refresh", "a")
			if tt.meanwhile != nil {
				store.put(tt.meanwhile)
			}
			req.answer(nil, errRejectedRefresh)
			want := tt.then(t, src, clock.Now())
			ts.e.waitFlight()
			assert.Equal(t, want, tokenOf(t, ts))
			access, _ := storedAccess(store)
			assert.Equal(t, want, access)
			assert.NoError(t, ts.Err())
			src.none(t)
		})
	}
}

func TestSharedStoreRejectedRefreshWithoutGrant(t *testing.T) {
	store, ts, src, clock, _ := newResumed(t, nil)
	clock.Set(t0.Add(time.Hour))

	ch := async(ts, context.Background())
	nextStep(t, src, "refresh", "a").answer(nil, errRejectedRefresh)
	nextStep(t, src, "login", "").answer(nil, errRejectedRefresh) // no grant to run
	r := receive(t, ch)
	assert.ErrorIs(t, r.err, ErrLoginRequired)
	access, gen := storedAccess(store)
	assert.Equal(t, "a", access, "nothing thrown away")
	assert.EqualValues(t, 1, gen)
}

// When the store is down the fleet keeps working: the source renews on its
// own, reports the store's failure, and never loses the token in memory.
func TestSharedStoreDown(t *testing.T) {
	redisDown := errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	tests := []struct {
		name      string
		loadFails bool
		saveFails bool
		wantSaved string
	}{
		{"lease fails, store readable", false, false, "b"},
		{"store down entirely", true, true, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, ts, src, clock, rec := newResumed(t, nil)
			store.leaseErr = redisDown
			if tt.loadFails {
				store.loadErr = redisDown
			}
			if tt.saveFails {
				store.saveErr = redisDown
			}
			clock.Set(inWindow)

			assert.Equal(t, "a", tokenOf(t, ts))
			nextStep(t, src, "refresh", "a").answer(token("b", clock.Now(), time.Hour), nil)
			ts.e.waitFlight()
			assert.Equal(t, "b", tokenOf(t, ts), "renewed without the lease")
			var leaseErr *LeaseError
			require.ErrorAs(t, rec.next(t), &leaseErr)
			assert.ErrorIs(t, leaseErr, redisDown)
			require.ErrorAs(t, ts.Err(), &leaseErr)
			var saveErr *SaveError
			assert.Equal(t, tt.saveFails, errors.As(ts.Err(), &saveErr), "a failed save is reported too")
			access, _ := storedAccess(store)
			assert.Equal(t, tt.wantSaved, access)

			// The store comes back: the next renewal is coordinated again
			// and starts from the newest token, ours.
			store.leaseErr, store.loadErr, store.saveErr = nil, nil, nil
			clock.Set(inWindow.Add(time.Hour - time.Minute))
			assert.Equal(t, "b", tokenOf(t, ts))
			nextStep(t, src, "refresh", "b").answer(token("c", clock.Now(), time.Hour), nil)
			ts.e.waitFlight()
			assert.NoError(t, ts.Err())
			access, _ = storedAccess(store)
			assert.Equal(t, "c", access)
		})
	}
}

func TestSharedStoreLeaseTimeout(t *testing.T) {
	store, ts, src, clock, rec := newResumed(t, &TokenSourceOptions{LeaseTimeout: time.Millisecond})
	hung := store.take(t) // a holder that hangs
	clock.Set(inWindow)

	assert.Equal(t, "a", tokenOf(t, ts))
	nextStep(t, src, "refresh", "a").answer(token("b", clock.Now(), time.Hour), nil)
	ts.e.waitFlight()
	assert.Equal(t, "b", tokenOf(t, ts))
	err := rec.next(t)
	var leaseErr *LeaseError
	require.ErrorAs(t, err, &leaseErr)
	assert.ErrorIs(t, leaseErr, context.DeadlineExceeded)
	var saveErr *SaveError
	require.ErrorAs(t, err, &saveErr, "the plain save waits for the hung lease no longer than the lease timeout")
	access, _ := storedAccess(store)
	assert.Equal(t, "a", access)
	assert.Equal(t, []bool{false, true}, store.leaseDeadlines, "the source's wait has a deadline")

	// Once the hung holder lets go, the next renewal saves.
	require.NoError(t, hung.Release(context.Background()))
	clock.Set(inWindow.Add(time.Hour - time.Minute))
	assert.Equal(t, "b", tokenOf(t, ts))
	nextStep(t, src, "refresh", "b").answer(token("c", clock.Now(), time.Hour), nil)
	ts.e.waitFlight()
	access, _ = storedAccess(store)
	assert.Equal(t, "c", access)
	assert.NoError(t, ts.Err())
}

// A lease held elsewhere never makes a caller of a valid token wait; once
// the token has run out, each waiting caller is bounded by its own context.
func TestSharedStoreCallersDoNotWaitForLease(t *testing.T) {
	store, ts, src, clock, _ := newResumed(t, nil)
	held := store.take(t)
	clock.Set(inWindow)

	burst(t, ts, "a")
	recv(t, store.waiting, "the renewal to wait for the lease")
	burst(t, ts, "a")

	clock.Set(t0.Add(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := async(ts, ctx)
	waiting := async(ts, context.Background())
	cancel()
	assert.ErrorIs(t, receive(t, gaveUp).err, context.Canceled)
	pending(t, waiting)

	require.NoError(t, held.Release(context.Background()))
	nextStep(t, src, "refresh", "a").answer(token("b", clock.Now(), time.Hour), nil)
	r := receive(t, waiting)
	require.NoError(t, r.err)
	assert.Equal(t, "b", r.tok.AccessToken)
}

func TestSharedStoreCloseEndsLeaseWait(t *testing.T) {
	store, ts, src, clock, _ := newResumed(t, nil)
	held := store.take(t)
	defer func() { _ = held.Release(context.Background()) }()
	clock.Set(inWindow)

	assert.Equal(t, "a", tokenOf(t, ts))
	recv(t, store.waiting, "the renewal to wait for the lease")
	closed := make(chan struct{})
	go func() { ts.Close(); close(closed) }()
	recv(t, closed, "Close to return while the lease is held elsewhere")
	assert.Equal(t, "a", tokenOf(t, ts), "the valid token is still served")
	src.none(t)
}

// Processes that start together on an empty store log in once.
func TestSharedStoreFirstLoginOnce(t *testing.T) {
	store := newSharedStore()
	clock := newFakeClock()
	ts1, src1, _, _ := newSharedSource(t, store, clock, nil)
	ts2, src2, _, _ := newSharedSource(t, store, clock, nil)

	ch1, ch2 := async(ts1, context.Background()), async(ts2, context.Background())
	var c call
	select {
	case c = <-src1.calls:
	case c = <-src2.calls:
	}
	require.Equal(t, "login", c.kind)
	assert.NoError(t, c.cause)
	c.answer(token("a", clock.Now(), time.Hour), nil)
	assert.Equal(t, "a", receive(t, ch1).tok.AccessToken)
	assert.Equal(t, "a", receive(t, ch2).tok.AccessToken)
	src1.none(t)
	src2.none(t)
	access, gen := storedAccess(store)
	assert.Equal(t, "a", access)
	assert.EqualValues(t, 1, gen)
}

// A source that is not a SessionRenewer still adopts what others saved; it
// is asked for a token only when there is nothing to adopt.
func TestSharedStorePlainSource(t *testing.T) {
	store := newSharedStore()
	clock, src := newFakeClock(), newScriptedSource()
	ts := NewTokenSource(src, &TokenSourceOptions{Clock: clock, Store: store})
	t.Cleanup(func() { closeAnswering(ts, src) })
	a := token("a", t0, time.Hour)
	store.put(a)
	ts.SetToken(a)

	clock.Set(inWindow)
	store.put(token("b", clock.Now(), time.Hour))
	assert.Equal(t, "a", tokenOf(t, ts))
	ts.e.waitFlight()
	assert.Equal(t, "b", tokenOf(t, ts))
	src.none(t)

	clock.Set(inWindow.Add(time.Hour - time.Minute))
	assert.Equal(t, "b", tokenOf(t, ts))
	c := src.next(t)
	assert.Equal(t, "token", c.kind)
	c.answer(token("c", clock.Now(), time.Hour), nil)
	ts.e.waitFlight()
	access, _ := storedAccess(store)
	assert.Equal(t, "c", access)
}

// A store shared by mistake with another account's fleet: its token is
// neither adopted nor refreshed, and this source's token replaces it.
func TestSharedStoreIgnoresAnotherSessionsToken(t *testing.T) {
	store, ts, src, clock, rec := newResumed(t, nil)
	clock.Set(inWindow)
	store.put(token("foreign-x", clock.Now(), time.Hour))

	assert.Equal(t, "a", tokenOf(t, ts))
	nextStep(t, src, "refresh", "a").answer(token("b", clock.Now(), time.Hour), nil)
	ts.e.waitFlight()
	assert.Equal(t, "b", tokenOf(t, ts))
	assert.ErrorIs(t, rec.next(t), errForeign, "reported")
	access, _ := storedAccess(store)
	assert.Equal(t, "b", access, "replaced")
}

// Coordination is only on the renewal path: serving a valid token takes no
// lease, and allocates nothing, with a shared store as without one.
func TestSharedStoreCachedPathNeverTouchesStore(t *testing.T) {
	store, ts, src, _, _ := newResumed(t, nil)
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = ts.Token() }), "allocations per cached Token call")
	assert.Empty(t, store.leaseDeadlines, "leases taken")
	assert.True(t, ts.e.idle())
	src.none(t)
}

package redisstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// backend is a Redis server the contract tests run on: miniredis in the
// unit tests, a real redis-server in the integration test.
type backend struct {
	// client returns a new client of the server, as another process of the
	// fleet would have.
	client func(t *testing.T) redis.UniversalClient
	// expire makes the lease at key run out as its TTL would, without its
	// holder knowing.
	expire func(t *testing.T, c redis.UniversalClient, key string)
}

// stepSleep replaces a Store's waits so a test steps the Store: each wait
// is announced on calls and returns when the test sends on proceed (or
// when its ctx ends, as Release's does).
type stepSleep struct {
	calls   chan time.Duration
	proceed chan struct{}
}

func newStepSleep() *stepSleep {
	return &stepSleep{calls: make(chan time.Duration), proceed: make(chan struct{})}
}

func (s *stepSleep) sleep(ctx context.Context, d time.Duration) error {
	select {
	case s.calls <- d:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-s.proceed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// testToken returns a token with Epic's extras whose secrets tests look for.
func testToken(refresh string) *oauth2.Token {
	return (&oauth2.Token{
		AccessToken:  "at-SECRET-" + refresh,
		TokenType:    "bearer",
		RefreshToken: refresh,
		Expiry:       time.Date(2025, 1, 1, 14, 0, 0, 0, time.UTC),
	}).WithExtra(map[string]any{"account_id": "a1b2c3", "refresh_expires": 28800.0})
}

// newTestStore returns a Store on b whose waits the test steps.
func newTestStore(t *testing.T, b backend, key string, opts *Options) (*Store, *stepSleep) {
	s := New(b.client(t), key, opts)
	step := newStepSleep()
	s.sleep = step.sleep
	return s, step
}

// lease takes s's lease (which must be free) and fails t otherwise.
func takeLease(t *testing.T, s *Store) *lease {
	t.Helper()
	l, err := s.Lease(context.Background())
	require.NoError(t, err)
	return l.(*lease)
}

// runContract runs the SharedTokenStore contract on b.
func runContract(t *testing.T, b backend) {
	t.Run("EmptyStore", func(t *testing.T) {
		s, _ := newTestStore(t, b, t.Name(), nil)
		tok, err := s.Load(context.Background())
		require.NoError(t, err)
		assert.Nil(t, tok)
		l := takeLease(t, s)
		tok, gen, err := l.Load(context.Background())
		require.NoError(t, err)
		assert.Nil(t, tok)
		assert.Zero(t, gen)
		require.NoError(t, l.Release(context.Background()))
	})

	t.Run("SaveLoadRoundTripAndGenerations", func(t *testing.T) {
		s, _ := newTestStore(t, b, t.Name(), nil)
		ctx := context.Background()
		require.NoError(t, s.Save(ctx, testToken("rt-1")))
		require.NoError(t, s.Save(ctx, testToken("rt-2")))
		tok, err := s.Load(ctx)
		require.NoError(t, err)
		assertSameToken(t, testToken("rt-2"), tok)

		l := takeLease(t, s)
		defer l.Release(ctx)
		tok, gen, err := l.Load(ctx)
		require.NoError(t, err)
		assertSameToken(t, testToken("rt-2"), tok)
		assert.Equal(t, uint64(2), gen, "each Save increases the generation")
		gen, err = l.SaveIf(ctx, testToken("rt-3"), gen)
		require.NoError(t, err)
		assert.Equal(t, uint64(3), gen)
		tok, gen, err = l.Load(ctx)
		require.NoError(t, err)
		assertSameToken(t, testToken("rt-3"), tok)
		assert.Equal(t, uint64(3), gen)
	})

	t.Run("SaveIfOnEmptyStore", func(t *testing.T) {
		s, _ := newTestStore(t, b, t.Name(), nil)
		ctx := context.Background()
		l := takeLease(t, s)
		defer l.Release(ctx)
		gen, err := l.SaveIf(ctx, testToken("rt-first"), 0)
		require.NoError(t, err)
		assert.Equal(t, uint64(1), gen)
		_, err = l.SaveIf(ctx, testToken("rt-again"), 0)
		require.ErrorIs(t, err, epicoauth.ErrStaleGeneration, "generation 0 means nothing stored, and now something is")
	})

	t.Run("LostCompareAndSetStoresNothing", func(t *testing.T) {
		// A loads, stalls until its lease runs out; B takes the lease,
		// renews and saves; A's save must then be refused.
		a, _ := newTestStore(t, b, t.Name(), nil)
		bs, _ := newTestStore(t, b, t.Name(), nil)
		ctx := context.Background()
		require.NoError(t, a.Save(ctx, testToken("rt-0")))

		la := takeLease(t, a)
		_, genA, err := la.Load(ctx)
		require.NoError(t, err)
		b.expire(t, a.client, a.LeaseKey())

		lb := takeLease(t, bs)
		_, genB, err := lb.Load(ctx)
		require.NoError(t, err)
		_, err = lb.SaveIf(ctx, testToken("rt-B"), genB)
		require.NoError(t, err)
		require.NoError(t, lb.Release(ctx))

		_, err = la.SaveIf(ctx, testToken("rt-A"), genA)
		require.ErrorIs(t, err, epicoauth.ErrStaleGeneration)
		assert.NotContains(t, err.Error(), "rt-A")
		tok, gen, err := la.Load(ctx)
		require.NoError(t, err)
		assertSameToken(t, testToken("rt-B"), tok)
		assert.Equal(t, genA+1, gen)
		require.NoError(t, la.Release(ctx))
	})

	t.Run("WaiterGetsTheLeaseWhenReleased", func(t *testing.T) {
		a, _ := newTestStore(t, b, t.Name(), nil)
		bs, bStep := newTestStore(t, b, t.Name(), nil)
		la := takeLease(t, a)

		got := make(chan error, 1)
		go func() {
			l, err := bs.Lease(context.Background())
			if err == nil {
				err = l.Release(context.Background())
			}
			got <- err
		}()
		assert.Equal(t, DefaultPollInterval, <-bStep.calls, "B found the lease held and waits")
		require.NoError(t, la.Release(context.Background()))
		bStep.proceed <- struct{}{}
		require.NoError(t, <-got)
	})

	t.Run("WaiterHonoursItsContext", func(t *testing.T) {
		a, _ := newTestStore(t, b, t.Name(), nil)
		bs, bStep := newTestStore(t, b, t.Name(), nil)
		la := takeLease(t, a)
		defer la.Release(context.Background())

		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan error, 1)
		go func() {
			_, err := bs.Lease(ctx)
			got <- err
		}()
		<-bStep.calls
		cancel()
		require.ErrorIs(t, <-got, context.Canceled)

		_, err := bs.Lease(ctx)
		require.ErrorIs(t, err, context.Canceled, "a done ctx asks Redis nothing")
	})

	t.Run("CallerGivesUpWhileTheLeaseIsTaken", func(t *testing.T) {
		// The SET reaches Redis, but the caller's ctx ends before the
		// answer does: the lease the call may hold is given back, not
		// left for the fleet to wait out.
		s, _ := newTestStore(t, b, t.Name(), nil)
		ctx, cancel := context.WithCancel(context.Background())
		s.client.AddHook(afterCommand{name: "set", then: cancel})
		_, err := s.Lease(ctx)
		require.ErrorIs(t, err, context.Canceled)
		n, err := s.client.Exists(context.Background(), s.LeaseKey()).Result()
		require.NoError(t, err)
		assert.Zero(t, n, "the lease is free")
	})

	t.Run("ExpiredLeaseOfACrashedHolder", func(t *testing.T) {
		// A takes the lease and never renews it (its waits never end, as in
		// a process that died). Once it expires, B gets it; A, back from
		// its stall, can neither renew nor release B's lease.
		a, _ := newTestStore(t, b, t.Name(), nil)
		bs, bStep := newTestStore(t, b, t.Name(), nil)
		la := takeLease(t, a)

		got := make(chan *lease, 1)
		go func() {
			l, err := bs.Lease(context.Background())
			assert.NoError(t, err)
			got <- l.(*lease)
		}()
		<-bStep.calls
		b.expire(t, a.client, a.LeaseKey())
		bStep.proceed <- struct{}{}
		lb := <-got

		held, err := la.renew(context.Background(), time.Minute)
		require.NoError(t, err)
		assert.False(t, held, "A's renewal must not extend B's lease")
		require.NoError(t, la.Release(context.Background()))
		owner, err := a.client.Get(context.Background(), a.LeaseKey()).Result()
		require.NoError(t, err, "A's release must not delete B's lease")
		assert.Equal(t, lb.owner, owner)

		require.NoError(t, lb.Release(context.Background()))
		require.NoError(t, lb.Release(context.Background()), "a second Release does nothing")
		n, err := a.client.Exists(context.Background(), a.LeaseKey()).Result()
		require.NoError(t, err)
		assert.Zero(t, n)
	})

	t.Run("ReleaseWithADoneContext", func(t *testing.T) {
		a, _ := newTestStore(t, b, t.Name(), nil)
		la := takeLease(t, a)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.NoError(t, la.Release(ctx), "the caller gave up, the lease is handed on all the same")
		n, err := a.client.Exists(context.Background(), a.LeaseKey()).Result()
		require.NoError(t, err)
		assert.Zero(t, n)
	})

	t.Run("HolderRenewsItsLease", func(t *testing.T) {
		ttl := 9 * time.Second
		a, aStep := newTestStore(t, b, t.Name(), &Options{LeaseTTL: ttl})
		la := takeLease(t, a)
		ctx := context.Background()

		assert.Equal(t, ttl/3, <-aStep.calls, "the renewal waits a third of the TTL")
		// As if two thirds of the TTL had passed.
		require.NoError(t, a.client.PExpire(ctx, a.LeaseKey(), ttl/3).Err())
		aStep.proceed <- struct{}{}
		<-aStep.calls // renewed, waiting for the next turn
		left, err := a.client.PTTL(ctx, a.LeaseKey()).Result()
		require.NoError(t, err)
		assert.Greater(t, left, ttl/3, "the lease was extended to a full TTL again")
		assert.LessOrEqual(t, left, ttl)

		require.NoError(t, la.Release(ctx), "Release ends the renewals")
		select {
		case <-la.renewing:
		default:
			t.Fatal("the renewal goroutine outlives Release")
		}
		n, err := a.client.Exists(ctx, a.LeaseKey()).Result()
		require.NoError(t, err)
		assert.Zero(t, n)
	})

	t.Run("LeaseExcludesConcurrentHolders", func(t *testing.T) {
		// Holders, each with its own client, increment the stored
		// generation through the lease. Mutual exclusion means no SaveIf is
		// ever stale and no increment is lost.
		const holders, rounds = 4, 5
		ctx := context.Background()
		var wg sync.WaitGroup
		for range holders {
			s := New(b.client(t), t.Name(), &Options{PollInterval: 2 * time.Millisecond})
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					l, err := s.Lease(ctx)
					if !assert.NoError(t, err) {
						return
					}
					_, gen, err := l.Load(ctx)
					assert.NoError(t, err)
					_, err = l.SaveIf(ctx, testToken("rt"), gen)
					assert.NoError(t, err)
					assert.NoError(t, l.Release(ctx))
				}
			}()
		}
		wg.Wait()
		l := takeLease(t, New(b.client(t), t.Name(), nil))
		defer l.Release(ctx)
		_, gen, err := l.Load(ctx)
		require.NoError(t, err)
		assert.Equal(t, uint64(holders*rounds), gen)
	})
}

// assertSameToken compares the fields a store must keep, extras included.
func assertSameToken(t *testing.T, want, got *oauth2.Token) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.AccessToken, got.AccessToken)
	assert.Equal(t, want.RefreshToken, got.RefreshToken)
	assert.Equal(t, want.TokenType, got.TokenType)
	assert.True(t, want.Expiry.Equal(got.Expiry), "expiry %v, want %v", got.Expiry, want.Expiry)
	assert.Equal(t, want.Extra("account_id"), got.Extra("account_id"))
	assert.Equal(t, want.Extra("refresh_expires"), got.Extra("refresh_expires"))
}

// afterCommand is a go-redis hook that runs then once Redis has answered
// the command called name, and makes the call fail with the context's
// error, as when a caller gives up while the answer is on its way.
type afterCommand struct {
	name string
	then func()
}

func (h afterCommand) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h afterCommand) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if cmd.Name() != h.name {
			return err
		}
		h.then()
		return ctx.Err()
	}
}

func (h afterCommand) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

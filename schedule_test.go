package epicoauth

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// instantSource answers every request at once with a new token of a fixed
// lifetime, issued at the clock's now, and records when each request came.
type instantSource struct {
	clock *fakeClock
	life  time.Duration

	mu sync.Mutex
	at []time.Time
}

func (s *instantSource) Token() (*oauth2.Token, error) {
	now := s.clock.Now()
	s.mu.Lock()
	s.at = append(s.at, now)
	n := len(s.at)
	s.mu.Unlock()
	return &oauth2.Token{
		AccessToken: fmt.Sprint("t", n),
		ExpiresIn:   int64(s.life / time.Second), // 0 for a sub-second token, as Epic would never send
		Expiry:      now.Add(s.life),
	}, nil
}

func (s *instantSource) requests() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.at...)
}

// TestTokenSourceNeverStorms is the storm bound, for lifetimes from half a
// second to hours and every kind of EarlyRefresh and ExpiryDelta: N calls
// with the clock standing still make one request, and with the clock moving
// the requests are at least a second apart and at least half the previous
// token's usable life (Expiry − ExpiryDelta − arrival) apart. A token too
// short for the delta is renewed only once it has expired. Every call gets
// a token valid on the clock, or (only for tokens under a second, in the
// second after one arrived) an error without a request.
func TestTokenSourceNeverStorms(t *testing.T) {
	lifetimes := []time.Duration{
		500 * time.Millisecond, time.Second, 5 * time.Second, 10 * time.Second,
		10*time.Second + 500*time.Millisecond, 11 * time.Second, 12 * time.Second,
		20 * time.Second, time.Minute, time.Hour, 8 * time.Hour,
	}
	earlies := []time.Duration{0, -1, time.Second, time.Minute, 24 * time.Hour}
	deltas := []time.Duration{0, -1, 30 * time.Second}
	const calls = 200
	for _, life := range lifetimes {
		for _, early := range earlies {
			for _, delta := range deltas {
				name := fmt.Sprintf("life=%s/early=%s/delta=%s", life, early, delta)
				t.Run(name+"/frozen", func(t *testing.T) {
					ts, src, clock := newInstantSource(t, life, early, delta)
					for i := range calls {
						tok, err := ts.Token()
						require.NoError(t, err, "call %d", i)
						assert.True(t, clock.Now().Before(tok.Expiry), "call %d: expired token", i)
						ts.e.waitFlight()
					}
					assert.Len(t, src.requests(), 1, "requests for %d calls with the clock standing still", calls)
				})
				for _, step := range []time.Duration{100 * time.Millisecond, life / 7} {
					t.Run(fmt.Sprintf("%s/step=%s", name, step), func(t *testing.T) {
						checkMovingClock(t, life, early, delta, step, calls)
					})
				}
			}
		}
	}
}

func newInstantSource(t *testing.T, life, early, delta time.Duration) (*TokenSource, *instantSource, *fakeClock) {
	clock := newFakeClock()
	src := &instantSource{clock: clock, life: life}
	ts := NewTokenSource(src, &TokenSourceOptions{Clock: clock, EarlyRefresh: early, ExpiryDelta: delta})
	t.Cleanup(func() {
		ts.Close()
		assert.Zero(t, clock.slept(), "calls of Clock.Sleep")
	})
	return ts, src, clock
}

func checkMovingClock(t *testing.T, life, early, delta, step time.Duration, calls int) {
	ts, src, clock := newInstantSource(t, life, early, delta)
	d := expiryDelta(delta)
	short := life < d // less than the delta to live: served until its Expiry
	// Usable for less than a second: served for a second, keeping the rest
	// of the delta.
	margin := min(d, max(life-time.Second, 0))
	start := clock.Now()
	for i := range calls {
		n := len(src.requests())
		tok, err := ts.Token()
		now := clock.Now()
		if err != nil {
			// Only a token under a second leaves a gap, and the gap
			// costs no request.
			require.Less(t, life, time.Second, "call %d: %v", i, err)
			assert.ErrorContains(t, err, "renews at most once a second")
			assert.Len(t, src.requests(), n, "call %d: an error in the gap sent a request", i)
		} else {
			require.True(t, now.Before(tok.Expiry), "call %d: expired token", i)
			if !short {
				require.False(t, now.After(tok.Expiry.Add(-margin)), "call %d: token handed out within %s of its Expiry", i, margin)
			}
		}
		ts.e.waitFlight()
		clock.Advance(step)
	}
	reqs := src.requests()
	elapsed := clock.Now().Sub(start)
	assert.LessOrEqual(t, len(reqs), 1+int(elapsed/time.Second), "never more than one request per second")
	for i := 1; i < len(reqs); i++ {
		arrived, prevExpiry := reqs[i-1], reqs[i-1].Add(life)
		gap := reqs[i].Sub(arrived)
		assert.GreaterOrEqual(t, gap, time.Second, "request %d: less than a second after the previous", i)
		usable := prevExpiry.Add(-d).Sub(arrived)
		assert.GreaterOrEqual(t, gap, usable/2, "request %d: within half the previous token's usable life (%s)", i, usable)
		if short {
			assert.False(t, reqs[i].Before(prevExpiry), "request %d: a short token renewed before it expired", i)
		}
	}
}

// TestTokenSourceShortLivedToken: a token that arrives with less than the
// expiry delta to live is handed to its waiters and served until its
// Expiry; one with less than a second of usable life is served for a
// second. The first call after that renews, once.
func TestTokenSourceShortLivedToken(t *testing.T) {
	for _, tt := range []struct {
		life, servedFor time.Duration
	}{
		{time.Second, time.Second},
		{5 * time.Second, 5 * time.Second},
		{9500 * time.Millisecond, 9500 * time.Millisecond},
		{10 * time.Second, time.Second},
		{10500 * time.Millisecond, time.Second},
	} {
		life := tt.life
		t.Run(life.String(), func(t *testing.T) {
			store := &blockingStore{saves: make(chan *oauth2.Token, 10), done: make(chan error, 10)}
			ts, src, clock, rec := newTestSource(t, &TokenSourceOptions{Store: store})

			// The callers who waited get the token, and so does every
			// call until its Expiry, without another request.
			var waiters []<-chan result
			for range 4 {
				waiters = append(waiters, async(ts, context.Background()))
			}
			store.done <- nil
			src.next(t).answer(token("a", t0, life), nil)
			assert.Equal(t, "a", (<-store.saves).AccessToken)
			for _, ch := range waiters {
				r := receive(t, ch)
				require.NoError(t, r.err)
				assert.Equal(t, "a", r.tok.AccessToken)
			}
			for _, at := range []time.Duration{0, tt.servedFor / 2, tt.servedFor - time.Nanosecond} {
				clock.Set(t0.Add(at))
				tok, err := nowOrNever(t, ts)
				require.NoError(t, err)
				assert.Equal(t, "a", tok.AccessToken)
				assert.True(t, ts.e.idle(), "no renewal before the short token expires")
			}
			src.none(t)
			assert.NoError(t, ts.Err())

			// The first call after that renews, once.
			clock.Set(t0.Add(tt.servedFor))
			ch := async(ts, context.Background())
			store.done <- nil
			src.next(t).answer(token("b", clock.Now(), life), nil)
			assert.Equal(t, "b", (<-store.saves).AccessToken)
			assert.Equal(t, "b", receive(t, ch).tok.AccessToken)
			src.none(t)
			select {
			case err := <-rec.errs:
				t.Fatalf("OnError: %v", err)
			default:
			}
		})
	}
}

// nowOrNever calls ts.Token where the call must not wait for a request; a
// call that does fails the test instead of hanging it.
func nowOrNever(t *testing.T, ts *TokenSource) (*oauth2.Token, error) {
	t.Helper()
	r := recv(t, async(ts, context.Background()), "a call served from the cache")
	return r.tok, r.err
}

func TestTokenSourceSubSecondTokenGap(t *testing.T) {
	ts, src, clock, _ := newTestSource(t, nil)
	ch := async(ts, context.Background())
	src.next(t).answer(token("a", t0, 400*time.Millisecond), nil)
	assert.Equal(t, "a", receive(t, ch).tok.AccessToken)

	// Expired, but the second since it arrived is not over: an error that
	// says so, without a request.
	clock.Set(t0.Add(400 * time.Millisecond))
	_, err := ts.Token()
	assert.ErrorContains(t, err, "the token expired at 2025-03-01T12:00:00.4Z, less than a second after it arrived")
	clock.Set(t0.Add(time.Second - time.Nanosecond))
	_, err = ts.Token()
	assert.Error(t, err)
	assert.True(t, ts.e.idle())
	src.none(t)
	assert.NoError(t, ts.Err(), "no request failed")

	clock.Set(t0.Add(time.Second))
	ch = async(ts, context.Background())
	src.next(t).answer(token("b", clock.Now(), 400*time.Millisecond), nil)
	assert.Equal(t, "b", receive(t, ch).tok.AccessToken)
}

func TestTokenSourceExpiryDelta(t *testing.T) {
	tests := []struct {
		name    string
		delta   time.Duration
		validTo time.Duration // after t0, for a 1 h token
	}{
		{"default", 0, time.Hour - DefaultExpiryDelta},
		{"longer", 5 * time.Minute, 55 * time.Minute},
		{"none", -1, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, src, clock, _ := newTestSource(t, &TokenSourceOptions{ExpiryDelta: tt.delta, EarlyRefresh: -1})
			ts.SetToken(token("a", t0, time.Hour))
			clock.Set(t0.Add(tt.validTo - time.Nanosecond))
			tok, err := ts.Token()
			require.NoError(t, err)
			assert.Equal(t, "a", tok.AccessToken)
			assert.True(t, ts.e.idle())

			clock.Set(t0.Add(tt.validTo))
			ch := async(ts, context.Background())
			src.next(t).answer(token("b", clock.Now(), time.Hour), nil)
			assert.Equal(t, "b", receive(t, ch).tok.AccessToken)
		})
	}
}

// TestTokenSourceContextOutlivesCancel: the options' context keeps its
// values for every request but not its cancellation: a cancelled context
// does not kill the source.
func TestTokenSourceContextOutlivesCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "options context"))
	ts, src, clock, _ := newTestSource(t, &TokenSourceOptions{Context: ctx})
	ts.SetToken(token("a", t0, time.Hour))
	cancel()
	clock.Set(t0.Add(time.Hour))
	ch := async(ts, context.Background())
	req := src.next(t)
	assert.NoError(t, req.ctx.Err(), "the request's context is not cancelled")
	assert.Equal(t, "options context", req.ctx.Value(ctxKey{}))
	req.answer(token("b", clock.Now(), time.Hour), nil)
	assert.Equal(t, "b", receive(t, ch).tok.AccessToken)
}

var errCorrective = fmt.Errorf("%w: %w", ErrLoginRequired, &Error{
	StatusCode: http.StatusBadRequest, ErrorCode: ErrorCodeCorrectiveActionRequired,
	CorrectiveAction: "EULA_ACCEPTANCE", ContinuationURL: "https://www.epicgames.com/id/continue?continuation=x",
})

// TestTokenSourceCorrectiveActionBacksOff: a corrective action does not stop
// the source like other login errors: it is retried after 5 min, 10, 20,
// 40, then every hour, with the error in between and no request.
func TestTokenSourceCorrectiveActionBacksOff(t *testing.T) {
	ts, src, clock, rec := newTestSource(t, nil)
	for i, wait := range []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, time.Hour} {
		ch := async(ts, context.Background())
		src.next(t).answer(nil, errCorrective)
		assert.Same(t, errCorrective, receive(t, ch).err, "attempt %d", i+1)
		rec.next(t)
		clock.Advance(wait - time.Nanosecond)
		_, err := ts.Token()
		assert.ErrorIs(t, err, ErrLoginRequired)
		src.none(t)
		clock.Advance(time.Nanosecond)
	}
	ch := async(ts, context.Background())
	src.next(t).answer(token("a", clock.Now(), time.Hour), nil)
	assert.Equal(t, "a", receive(t, ch).tok.AccessToken)
	assert.NoError(t, ts.Err())
}

func TestTokenSourceRetry(t *testing.T) {
	t.Run("corrective action, no token", func(t *testing.T) {
		ts, src, _, rec := newTestSource(t, nil)
		ch := async(ts, context.Background())
		src.next(t).answer(nil, errCorrective)
		receive(t, ch)
		rec.next(t)
		ts.Retry()
		assert.NoError(t, ts.Err())
		ch = async(ts, context.Background())
		src.next(t).answer(token("a", t0, time.Hour), nil)
		assert.Equal(t, "a", receive(t, ch).tok.AccessToken)
	})
	t.Run("login required, token still valid", func(t *testing.T) {
		ts, src, clock, rec := newTestSource(t, nil)
		ts.SetToken(token("a", t0, time.Hour))
		clock.Set(t0.Add(time.Hour - DefaultExpiryDelta - time.Minute))
		assert.Equal(t, "a", tokenOf(t, ts))
		src.next(t).answer(nil, fmt.Errorf("%w: revoked", ErrLoginRequired))
		rec.next(t)
		ts.e.waitFlight()
		assert.Equal(t, "a", tokenOf(t, ts))
		assert.True(t, ts.e.idle(), "login required: no request")

		ts.Retry()
		assert.Equal(t, "a", tokenOf(t, ts), "the cached token is kept and its renewal starts")
		src.next(t).answer(token("b", clock.Now(), time.Hour), nil)
		ts.e.waitFlight()
		assert.Equal(t, "b", tokenOf(t, ts))
	})
	t.Run("nothing failed: nothing changes", func(t *testing.T) {
		ts, src, _, _ := newTestSource(t, nil)
		ts.SetToken(token("a", t0, time.Hour))
		ts.Retry()
		assert.Equal(t, "a", tokenOf(t, ts))
		assert.True(t, ts.e.idle())
		src.none(t)
	})
}

package epicoauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// newTestSource returns a TokenSource over a scripted source on a fake
// clock, with OnError recorded. opts may be nil. The test fails if the
// source ever calls Clock.Sleep.
func newTestSource(t *testing.T, opts *TokenSourceOptions) (*TokenSource, *scriptedSource, *fakeClock, *recorder) {
	t.Helper()
	clock, src, rec := newFakeClock(), newScriptedSource(), newRecorder()
	var o TokenSourceOptions
	if opts != nil {
		o = *opts
	}
	o.Clock, o.OnError = clock, rec.onError
	ts := NewTokenSource(src, &o)
	t.Cleanup(func() {
		closeAnswering(ts, src)
		assert.Zero(t, clock.slept(), "calls of Clock.Sleep")
	})
	return ts, src, clock, rec
}

// closeAnswering closes ts, failing any request still open (a test that
// stopped half way leaves one) so that Close can return.
func closeAnswering(ts *TokenSource, src *scriptedSource) {
	closed := make(chan struct{})
	go func() {
		ts.Close()
		close(closed)
	}()
	for {
		select {
		case c := <-src.calls:
			c.answer(nil, errors.New("test over"))
		case <-closed:
			return
		}
	}
}

// tokenOf calls ts.Token and requires success.
func tokenOf(t *testing.T, ts *TokenSource) string {
	t.Helper()
	tok, err := ts.Token()
	require.NoError(t, err)
	requireValid(t, ts, tok)
	return tok.AccessToken
}

// requireValid checks the promise of every token handed out: valid on the
// source's clock, as oauth2.Token.Valid counts it.
func requireValid(t *testing.T, ts *TokenSource, tok *oauth2.Token) {
	t.Helper()
	require.NotNil(t, tok)
	require.NotEmpty(t, tok.AccessToken)
	if !tok.Expiry.IsZero() {
		require.True(t, ts.e.clock.Now().Before(tok.Expiry.Add(-DefaultExpiryDelta)), "token handed out after its usable life")
	}
}

// async calls TokenContext on its own goroutine; the result arrives on the
// returned channel.
func async(ts *TokenSource, ctx context.Context) <-chan result {
	ch := make(chan result, 1)
	go func() {
		tok, err := ts.TokenContext(ctx)
		ch <- result{tok, err}
	}()
	return ch
}

func receive(t *testing.T, ch <-chan result) result {
	t.Helper()
	return recv(t, ch, "the caller to return")
}

// pending asserts that a caller has not returned yet.
func pending(t *testing.T, ch <-chan result) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("caller returned early: %v, %v", r.tok, r.err)
	default:
	}
}

var errUnavailable = &Error{StatusCode: http.StatusServiceUnavailable, ErrorCode: ErrorCodeServerError}

func TestTokenSourceCachedPath(t *testing.T) {
	ts, src, _, _ := newTestSource(t, nil)
	tok := token("a", t0, time.Hour)
	ts.SetToken(tok)

	got, err := ts.Token()
	require.NoError(t, err)
	assert.Same(t, tok, got)
	assert.Same(t, tok, ts.Peek())
	allocs := testing.AllocsPerRun(1000, func() { _, _ = ts.Token() })
	assert.Zero(t, allocs, "allocations per cached Token call")
	assert.True(t, ts.e.idle())
	src.none(t)
	assert.NoError(t, ts.Err())
}

func TestTokenSourceFirstTokenOneRequest(t *testing.T) {
	ts, src, _, _ := newTestSource(t, nil)
	const callers = 8
	results := make([]<-chan result, callers)
	for i := range results {
		results[i] = async(ts, context.Background())
	}
	src.next(t).answer(token("a", t0, time.Hour), nil)
	for _, ch := range results {
		r := receive(t, ch)
		require.NoError(t, r.err)
		assert.Equal(t, "a", r.tok.AccessToken)
	}
	assert.True(t, ts.e.idle())
	src.none(t)
}

func TestTokenSourceEarlyRefresh(t *testing.T) {
	tests := []struct {
		name   string
		early  time.Duration
		life   time.Duration
		window time.Duration // the expected early-refresh window
	}{
		{"default, long token: capped at 5 min", 0, 8 * time.Hour, 5 * time.Minute},
		{"default, 2 h token: capped at 5 min", 0, 2 * time.Hour, 5 * time.Minute},
		{"default, 1 min token: a tenth", 0, time.Minute, 6 * time.Second},
		{"option", 30 * time.Second, time.Hour, 30 * time.Second},
		{"option longer than the token: half its usable life", 2 * time.Hour, time.Hour, (time.Hour - DefaultExpiryDelta) / 2},
		{"option, short token: half its usable life", 5 * time.Minute, time.Minute, 25 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, src, clock, _ := newTestSource(t, &TokenSourceOptions{EarlyRefresh: tt.early})
			ts.SetToken(token("a", t0, tt.life))
			validTo := t0.Add(tt.life - DefaultExpiryDelta)
			refreshAt := validTo.Add(-tt.window)

			if refreshAt.After(t0) {
				clock.Set(refreshAt.Add(-time.Nanosecond))
				assert.Equal(t, "a", tokenOf(t, ts))
				assert.True(t, ts.e.idle(), "no refresh before the window")
				clock.Set(refreshAt)
			}
			// Callers arriving together at the window: one request, and
			// all of them get the still-valid token without waiting.
			burst(t, ts, "a")
			req := src.next(t)
			// More callers while the request is in flight: no second one.
			burst(t, ts, "a")
			src.none(t)

			req.answer(token("b", clock.Now(), tt.life), nil)
			ts.e.waitFlight()
			assert.Equal(t, "b", tokenOf(t, ts))
			assert.True(t, ts.e.idle())
			src.none(t)
		})
	}
}

// burst calls Token from 16 goroutines at once and requires every one of
// them to return the token named want. It returns when all have returned,
// so it cannot pass if a caller waits on the request in flight.
func burst(t *testing.T, ts *TokenSource, want string) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tok, err := ts.Token()
			if assert.NoError(t, err) {
				assert.Equal(t, want, tok.AccessToken)
				assert.True(t, ts.e.clock.Now().Before(tok.Expiry.Add(-DefaultExpiryDelta)), "valid token")
			}
		}()
	}
	close(start)
	wg.Wait()
}

func TestTokenSourceNoEarlyRefresh(t *testing.T) {
	ts, src, clock, _ := newTestSource(t, &TokenSourceOptions{EarlyRefresh: -1})
	ts.SetToken(token("a", t0, time.Hour))
	validTo := t0.Add(time.Hour - DefaultExpiryDelta)

	clock.Set(validTo.Add(-time.Nanosecond))
	assert.Equal(t, "a", tokenOf(t, ts))
	assert.True(t, ts.e.idle(), "no refresh while the token is usable")

	clock.Set(validTo)
	ch := async(ts, context.Background())
	req := src.next(t)
	pending(t, ch)
	req.answer(token("b", clock.Now(), time.Hour), nil)
	r := receive(t, ch)
	require.NoError(t, r.err)
	assert.Equal(t, "b", r.tok.AccessToken)
}

type ctxKey struct{}

func TestTokenSourceExpiredCallersShareOneRequest(t *testing.T) {
	base := context.WithValue(context.Background(), ctxKey{}, "options context")
	ts, src, clock, _ := newTestSource(t, &TokenSourceOptions{Context: base})
	ts.SetToken(token("a", t0, time.Hour))
	clock.Set(t0.Add(time.Hour)) // past usable life

	ctx, cancel := context.WithCancel(context.Background())
	impatient := async(ts, ctx)
	var waiters []<-chan result
	for range 4 {
		waiters = append(waiters, async(ts, context.Background()))
	}
	req := src.next(t)
	assert.Equal(t, "options context", req.ctx.Value(ctxKey{}), "requests run under TokenSourceOptions.Context")

	cancel()
	r := receive(t, impatient)
	assert.ErrorIs(t, r.err, context.Canceled)
	assert.NoError(t, req.ctx.Err(), "a caller giving up must not cancel the shared request")
	for _, ch := range waiters {
		pending(t, ch)
	}

	req.answer(token("b", clock.Now(), time.Hour), nil)
	for _, ch := range waiters {
		r := receive(t, ch)
		require.NoError(t, r.err)
		assert.Equal(t, "b", r.tok.AccessToken)
	}
	ts.e.waitFlight()
	assert.Equal(t, "b", tokenOf(t, ts), "the abandoned request's token is cached")
	assert.True(t, ts.e.idle())
	src.none(t)
}

func TestTokenSourceBackgroundRetry(t *testing.T) {
	ts, src, clock, rec := newTestSource(t, nil)
	ts.SetToken(token("a", t0, 2*time.Hour))
	clock.Set(t0.Add(2*time.Hour - DefaultExpiryDelta - 5*time.Minute)) // window opens
	assert.Equal(t, "a", tokenOf(t, ts))

	throttled := &Error{StatusCode: http.StatusTooManyRequests, ErrorCode: ErrorCodeThrottled, RetryAfter: 90 * time.Second}
	steps := []struct {
		err  error
		wait time.Duration
	}{
		{errUnavailable, time.Second},
		{errUnavailable, 2 * time.Second},
		{throttled, 90 * time.Second}, // RetryAfter beats the backoff
		{errUnavailable, 8 * time.Second},
	}
	for i, step := range steps {
		src.next(t).answer(nil, step.err)
		assert.Same(t, step.err, rec.next(t), "OnError, attempt %d", i+1)
		assert.Equal(t, step.err, ts.Err())
		assert.True(t, ts.e.idle(), "nothing waits to retry: attempt %d", i+1)

		// Until the backoff is over, callers keep the valid token on the
		// cached path and start nothing.
		clock.Advance(step.wait - time.Nanosecond)
		burst(t, ts, "a")
		assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = ts.Token() }), "allocations per call during the backoff")
		assert.True(t, ts.e.idle(), "no request before the backoff is over: attempt %d", i+1)
		src.none(t)

		// The end of the backoff starts nothing by itself ...
		clock.Advance(time.Nanosecond)
		assert.True(t, ts.e.idle())
		src.none(t)
		// ... the next callers start exactly one retry and keep the token.
		burst(t, ts, "a")
	}
	src.next(t).answer(token("b", clock.Now(), 2*time.Hour), nil)
	ts.e.waitFlight()
	assert.Equal(t, "b", tokenOf(t, ts))
	assert.NoError(t, ts.Err())
	assert.True(t, ts.e.idle())
	src.none(t)
}

// autoClock is a Clock like epictest.Clock: Sleep moves the time on at
// once, as if the wait had passed.
type autoClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *autoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *autoClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(max(d, 0))
	return nil
}

func (c *autoClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func TestTokenSourceFailuresNeverMoveAutoClock(t *testing.T) {
	clock, src, rec := &autoClock{now: t0}, newScriptedSource(), newRecorder()
	ts := NewTokenSource(src, &TokenSourceOptions{Clock: clock, OnError: rec.onError})
	t.Cleanup(func() { closeAnswering(ts, src) })
	ts.SetToken(token("a", t0, 2*time.Hour))
	at := t0.Add(2*time.Hour - DefaultExpiryDelta - 5*time.Minute) // window opens
	clock.set(at)

	// Three failed refreshes in the window, each retried once the test
	// (and only the test) has moved the clock past its backoff.
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		assert.Equal(t, "a", tokenOf(t, ts))
		src.next(t).answer(nil, errUnavailable)
		rec.next(t)
		ts.e.waitFlight()
		for range 10 {
			assert.Equal(t, "a", tokenOf(t, ts))
		}
		assert.Equal(t, at, clock.Now(), "clock moved by the TokenSource after failure %d", i+1)
		assert.True(t, ts.e.idle())
		src.none(t)
		at = at.Add(wait)
		clock.set(at)
	}

	// Past the token's life too: the failure is returned, the clock stays.
	expired := t0.Add(2 * time.Hour)
	clock.set(expired)
	ch := async(ts, context.Background())
	src.next(t).answer(nil, errUnavailable)
	assert.Same(t, errUnavailable, receive(t, ch).err)
	rec.next(t)
	_, err := ts.Token()
	assert.Same(t, errUnavailable, err)
	assert.Equal(t, expired, clock.Now())
	src.none(t)
}

func TestTokenSourceSetTokenDuringFailingRefresh(t *testing.T) {
	ts, src, clock, rec := newTestSource(t, nil)
	ts.SetToken(token("a", t0, time.Hour))
	clock.Set(t0.Add(time.Hour - DefaultExpiryDelta - time.Minute))
	assert.Equal(t, "a", tokenOf(t, ts))
	req := src.next(t)

	b := token("b", clock.Now(), time.Hour)
	ts.SetToken(b)
	req.answer(nil, errUnavailable) // the refresh of "a" fails after all
	rec.next(t)
	ts.e.waitFlight()
	assert.Equal(t, errUnavailable, ts.Err())

	// The backoff is over, but "b" is not due yet: callers get it and
	// start nothing until its window opens.
	bRefreshAt := b.Expiry.Add(-DefaultExpiryDelta - 5*time.Minute)
	for _, at := range []time.Time{clock.Now().Add(time.Second), bRefreshAt.Add(-time.Nanosecond)} {
		clock.Set(at)
		assert.Equal(t, "b", tokenOf(t, ts))
		assert.True(t, ts.e.idle())
		src.none(t)
	}
	clock.Set(bRefreshAt)
	assert.Equal(t, "b", tokenOf(t, ts))
	src.next(t).answer(token("c", clock.Now(), time.Hour), nil)
	ts.e.waitFlight()
	assert.Equal(t, "c", tokenOf(t, ts))
	assert.NoError(t, ts.Err())
}

func TestTokenSourceFailureAfterExpiryBacksOff(t *testing.T) {
	ts, src, clock, rec := newTestSource(t, nil)
	throttled := &Error{StatusCode: http.StatusTooManyRequests, ErrorCode: ErrorCodeThrottled, RetryAfter: time.Hour}

	for i, step := range []struct {
		err  error
		wait time.Duration
	}{
		{errUnavailable, time.Second},
		{errUnavailable, 2 * time.Second},
		{throttled, time.Hour},
	} {
		ch := async(ts, context.Background())
		src.next(t).answer(nil, step.err)
		assert.Same(t, step.err, receive(t, ch).err, "attempt %d", i+1)
		rec.next(t)
		assert.True(t, ts.e.idle(), "no background retry without a valid token")

		// Until the wait is over, callers get the error without a request.
		clock.Advance(step.wait - time.Nanosecond)
		for range 10 {
			_, err := ts.Token()
			assert.Same(t, step.err, err)
		}
		src.none(t)
		clock.Advance(time.Nanosecond)
	}
	ch := async(ts, context.Background())
	src.next(t).answer(token("a", clock.Now(), time.Hour), nil)
	r := receive(t, ch)
	require.NoError(t, r.err)
	assert.Equal(t, "a", r.tok.AccessToken)
	assert.NoError(t, ts.Err())
}

func TestTokenSourceRetryAfterBeyondExpiry(t *testing.T) {
	ts, src, clock, rec := newTestSource(t, nil)
	ts.SetToken(token("a", t0, time.Hour))
	validTo := t0.Add(time.Hour - DefaultExpiryDelta)
	clock.Set(validTo.Add(-time.Minute))
	assert.Equal(t, "a", tokenOf(t, ts))
	throttled := &Error{StatusCode: http.StatusTooManyRequests, ErrorCode: ErrorCodeThrottled, RetryAfter: 10 * time.Minute}
	src.next(t).answer(nil, throttled)
	rec.next(t)
	// The wait ends after the token's life: no retry while it is valid.
	clock.Set(validTo.Add(-time.Nanosecond))
	for range 10 {
		assert.Equal(t, "a", tokenOf(t, ts))
	}
	assert.True(t, ts.e.idle())
	src.none(t)

	clock.Set(validTo)
	_, err := ts.Token()
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 10*time.Minute, e.RetryAfter)
	src.none(t)

	clock.Set(validTo.Add(9 * time.Minute)) // Epic's 10 minutes are over
	ch := async(ts, context.Background())
	src.next(t).answer(token("b", clock.Now(), time.Hour), nil)
	assert.Equal(t, "b", receive(t, ch).tok.AccessToken)
}

func TestTokenSourceLoginRequired(t *testing.T) {
	ts, src, clock, rec := newTestSource(t, nil)
	ts.SetToken(token("a", t0, time.Hour))
	clock.Set(t0.Add(time.Hour - DefaultExpiryDelta - time.Minute))
	assert.Equal(t, "a", tokenOf(t, ts))
	invalid := &Error{StatusCode: http.StatusBadRequest, ErrorCode: ErrorCodeInvalidRefreshToken, OAuthError: "invalid_grant"}
	loginErr := fmt.Errorf("%w: %w", ErrLoginRequired, invalid)
	src.next(t).answer(nil, loginErr)
	assert.ErrorIs(t, rec.next(t), ErrLoginRequired)
	ts.e.waitFlight()

	// Login required is not retried, however long callers keep asking.
	for _, later := range []time.Duration{0, time.Second, 30 * time.Second} {
		clock.Advance(later)
		assert.Equal(t, "a", tokenOf(t, ts), "the token is served while valid")
		assert.True(t, ts.e.idle())
	}
	src.none(t)
	for _, later := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour} {
		clock.Advance(later)
		_, err := ts.Token()
		assert.ErrorIs(t, err, ErrLoginRequired)
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, ErrorCodeInvalidRefreshToken, e.ErrorCode)
	}
	src.none(t)

	ts.SetToken(token("c", clock.Now(), time.Hour))
	assert.Equal(t, "c", tokenOf(t, ts))
	assert.NoError(t, ts.Err())
}

// blockingStore is a TokenStore whose Save reports the token and waits for
// the test to let it finish with an error or nil.
type blockingStore struct {
	saves chan *oauth2.Token
	done  chan error
}

func (s *blockingStore) Load(context.Context) (*oauth2.Token, error) { return nil, nil }

func (s *blockingStore) Save(_ context.Context, tok *oauth2.Token) error {
	s.saves <- tok
	return <-s.done
}

func TestTokenSourceSavesBeforeHandingOut(t *testing.T) {
	store := &blockingStore{saves: make(chan *oauth2.Token, 1), done: make(chan error)}
	ts, src, clock, _ := newTestSource(t, &TokenSourceOptions{Store: store})
	ts.SetToken(token("a", t0, time.Hour))

	// Early refresh: while the new token is being saved, callers get the old one.
	clock.Set(t0.Add(time.Hour - DefaultExpiryDelta - time.Minute))
	assert.Equal(t, "a", tokenOf(t, ts))
	src.next(t).answer(token("b", clock.Now(), time.Hour), nil)
	saved := <-store.saves
	assert.Equal(t, "rt-b", saved.RefreshToken, "the rotated refresh token is saved")
	assert.Equal(t, "a", tokenOf(t, ts))
	store.done <- nil
	ts.e.waitFlight()
	assert.Equal(t, "b", tokenOf(t, ts))

	// Renewal at expiry: waiters get the token only once it is saved.
	clock.Set(t0.Add(2 * time.Hour))
	ch := async(ts, context.Background())
	src.next(t).answer(token("c", clock.Now(), time.Hour), nil)
	assert.Equal(t, "c", (<-store.saves).AccessToken)
	pending(t, ch)
	assert.Equal(t, "b", ts.Peek().AccessToken)
	store.done <- nil
	assert.Equal(t, "c", receive(t, ch).tok.AccessToken)
}

func TestTokenSourceFailedSaveKeepsToken(t *testing.T) {
	store := &blockingStore{saves: make(chan *oauth2.Token, 1), done: make(chan error, 1)}
	ts, src, clock, rec := newTestSource(t, &TokenSourceOptions{Store: store})
	diskFull := errors.New("write token.json: no space left on device")

	store.done <- diskFull
	ch := async(ts, context.Background())
	src.next(t).answer(token("a", t0, time.Hour), nil)
	<-store.saves
	r := receive(t, ch)
	require.NoError(t, r.err, "a failed save does not fail the caller")
	assert.Equal(t, "a", r.tok.AccessToken, "nor discard the token")

	var saveErr *SaveError
	require.ErrorAs(t, rec.next(t), &saveErr)
	assert.ErrorIs(t, saveErr, diskFull)
	require.ErrorAs(t, ts.Err(), &saveErr)
	assert.Equal(t, "a", tokenOf(t, ts))
	assert.True(t, ts.e.idle(), "a failed save is no reason to refresh again")

	// The next token change saves again, and a success clears Err.
	store.done <- nil
	clock.Set(t0.Add(time.Hour))
	ch = async(ts, context.Background())
	src.next(t).answer(token("b", clock.Now(), time.Hour), nil)
	assert.Equal(t, "b", (<-store.saves).AccessToken)
	assert.Equal(t, "b", receive(t, ch).tok.AccessToken)
	assert.NoError(t, ts.Err())
}

// sourceFunc is an oauth2.TokenSource without TokenContext, like most
// sources outside this module.
type sourceFunc func() (*oauth2.Token, error)

func (f sourceFunc) Token() (*oauth2.Token, error) { return f() }

func TestTokenSourceWrapsPlainSource(t *testing.T) {
	clock := newFakeClock()
	calls := make(chan struct{}, 10)
	var n int
	src := sourceFunc(func() (*oauth2.Token, error) {
		n++
		calls <- struct{}{}
		return token(fmt.Sprint("t", n), clock.Now(), time.Hour), nil
	})
	ts := NewTokenSource(src, &TokenSourceOptions{Clock: clock})
	defer ts.Close()

	assert.Equal(t, "t1", tokenOf(t, ts))
	clock.Advance(time.Hour - DefaultExpiryDelta - time.Minute)
	assert.Equal(t, "t1", tokenOf(t, ts)) // starts the early refresh
	ts.e.waitFlight()
	assert.Equal(t, "t2", tokenOf(t, ts))
	assert.Len(t, calls, 2)
}

func TestTokenSourceOverCachingSource(t *testing.T) {
	// A caching source (oauth2.ReuseTokenSource) answers an early refresh
	// with the token it has; the TokenSource must not ask again and again.
	ts, src, clock, _ := newTestSource(t, nil)
	a := token("a", t0, time.Hour)
	ts.SetToken(a)
	clock.Set(t0.Add(time.Hour - DefaultExpiryDelta - time.Minute))
	assert.Equal(t, "a", tokenOf(t, ts))
	src.next(t).answer(a, nil)
	ts.e.waitFlight()
	for range 10 {
		assert.Equal(t, "a", tokenOf(t, ts))
	}
	assert.True(t, ts.e.idle())
	src.none(t)

	clock.Set(t0.Add(time.Hour - DefaultExpiryDelta))
	ch := async(ts, context.Background())
	src.next(t).answer(token("b", clock.Now(), time.Hour), nil)
	assert.Equal(t, "b", receive(t, ch).tok.AccessToken)
}

func TestTokenSourceRejectsExpiredToken(t *testing.T) {
	ts, src, clock, rec := newTestSource(t, nil)
	ch := async(ts, context.Background())
	// Expired on arrival: never valid.
	src.next(t).answer(token("a", clock.Now(), 0), nil)
	r := receive(t, ch)
	assert.ErrorContains(t, r.err, "returned a token that expired at 2025-03-01T12:00:00Z")
	assert.Nil(t, r.tok)
	assert.Nil(t, ts.Peek())
	rec.next(t)
}

func TestTokenSourceTokenWithoutExpiry(t *testing.T) {
	ts, src, clock, _ := newTestSource(t, nil)
	ts.SetToken(&oauth2.Token{AccessToken: "forever"})
	clock.Advance(100 * 365 * 24 * time.Hour)
	assert.Equal(t, "forever", tokenOf(t, ts))
	assert.True(t, ts.e.idle())
	src.none(t)
}

func TestTokenSourceClose(t *testing.T) {
	t.Run("drops a pending retry", func(t *testing.T) {
		ts, src, clock, rec := newTestSource(t, nil)
		failEarlyRefresh(t, ts, src, clock, rec)
		ts.Close()
		clock.Advance(time.Second) // the backoff is over

		assert.Equal(t, "a", tokenOf(t, ts), "a valid token is still served")
		assert.True(t, ts.e.idle(), "and no retry starts")
		clock.Set(t0.Add(time.Hour))
		_, err := ts.Token()
		assert.ErrorIs(t, err, ErrClosed)
		src.none(t)
	})
	t.Run("lets the request in flight finish and save", func(t *testing.T) {
		requireEngineGoroutines(t, 0)
		store := &blockingStore{saves: make(chan *oauth2.Token, 1), done: make(chan error, 1)}
		store.done <- nil
		ts, src, _, _ := newTestSource(t, &TokenSourceOptions{Store: store})
		ch := async(ts, context.Background())
		req := src.next(t)
		closed := make(chan struct{})
		go func() {
			ts.Close()
			close(closed)
		}()
		requireEngineGoroutines(t, 1) // the request, which Close waits for
		req.answer(token("a", t0, time.Hour), nil)
		assert.Equal(t, "a", (<-store.saves).AccessToken)
		recv(t, closed, "Close to return")
		requireEngineGoroutines(t, 0)
		assert.Equal(t, "a", receive(t, ch).tok.AccessToken)
		assert.Equal(t, "a", tokenOf(t, ts))
	})
}

package epicoauth

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/report"
)

// never stands for the expiry of a token that does not expire.
var never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// cached is one token with the instants that decide how it is served. It is
// never changed once published, so the cached path reads it with one atomic
// load. A failed renewal publishes a copy with refreshAt moved to the end of
// its backoff: callers keep the fast path until then, and the first one
// after it starts the retry. Retries are lazy so that no goroutine sleeps
// per source and a fake Clock whose Sleep moves time is never moved by the
// engine.
type cached struct {
	tok *oauth2.Token
	// refreshAt is when the next renewal may start: the early-refresh window
	// opens, or a failed renewal's backoff ends. Never after validTo.
	refreshAt time.Time
	validTo   time.Time // the usable life ends: Expiry − ExpiryDelta (see entry)
}

// engine is the state of a TokenSource. Its only goroutine is the request
// in flight.
type engine struct {
	src     oauth2.TokenSource
	ctx     context.Context // for token requests
	clock   Clock
	window  time.Duration // TokenSourceOptions.EarlyRefresh
	delta   time.Duration // TokenSourceOptions.ExpiryDelta, default applied
	store   TokenStore
	onError func(error)

	// Coordination through a SharedTokenStore (coordinate.go).
	leaseTimeout time.Duration
	stop         context.Context // done once Close is called: lease waits end
	stopNow      context.CancelFunc
	gen          uint64 // the store generation last seen; the flight's alone

	cur atomic.Pointer[cached]
	// busy tells callers past refreshAt that there is nothing for them to
	// start: a request is in flight, login is required, or the source is
	// closed. It mirrors state guarded by mu so that those callers need not
	// take mu.
	busy atomic.Bool

	wg sync.WaitGroup // the request in flight

	mu       sync.Mutex
	flight   *flight   // the request in flight, or nil
	failures int       // failed requests in a row
	retryAt  time.Time // no request before this: a failure's backoff, or minRenewal after a token arrived
	lastErr  error     // the last request's error, nil after a success
	loginErr error     // an ErrLoginRequired that stops all requests
	saveErr  error     // the last save's error
	closed   bool
}

// flight is one request to the underlying source, shared by all waiters.
type flight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

func newEngine(src oauth2.TokenSource, opts *TokenSourceOptions) *engine {
	// A token kept without a broken optional field reaches OnError from
	// package wire through the requests' context.
	ctx := report.With(cmp.Or(opts.Context, context.Background()), opts.OnError)
	e := &engine{
		src: src,
		// The source outlives the call that built it: it keeps the
		// context's values (the HTTP client), never its cancellation.
		ctx:     context.WithoutCancel(ctx),
		clock:   ClockOrReal(opts.Clock),
		window:  opts.EarlyRefresh,
		delta:   expiryDelta(opts.ExpiryDelta),
		store:   opts.Store,
		onError: opts.OnError,

		leaseTimeout: opts.LeaseTimeout,
	}
	if e.leaseTimeout <= 0 {
		e.leaseTimeout = DefaultLeaseTimeout
	}
	e.stop, e.stopNow = context.WithCancel(context.Background())
	return e
}

// token is the path of a caller who cannot be served from the cache
// without a look at the renewal state.
func (e *engine) token(ctx context.Context) (*oauth2.Token, error) {
	if c := e.cur.Load(); c != nil && e.clock.Now().Before(c.validTo) {
		// Past refreshAt (the early-refresh window, or the end of a
		// backoff): start a renewal if nobody has, and hand out the
		// still-valid token.
		if !e.busy.Load() {
			e.refreshEarly()
		}
		return c.tok, nil
	}
	tok, f, err := e.join()
	if f == nil {
		return tok, err
	}
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// refreshEarly starts a background renewal of a valid token past its
// refreshAt.
func (e *engine) refreshEarly() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.busy.Load() {
		return // another caller got here first
	}
	now := e.clock.Now()
	if c := e.cur.Load(); c != nil && now.Before(c.validTo) && !now.Before(c.refreshAt) {
		e.startLocked()
	}
}

// join returns a valid token that arrived meanwhile, or the request to wait
// for (starting one if needed), or the error that stands instead of a
// request: closed, login required, a failure still backing off, or a token
// that expired within a second of its arrival.
func (e *engine) join() (*oauth2.Token, *flight, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	c := e.cur.Load()
	if c != nil && now.Before(c.validTo) {
		return c.tok, nil, nil
	}
	switch {
	case e.flight != nil:
		return nil, e.flight, nil
	case e.closed:
		return nil, nil, ErrClosed
	case e.loginErr != nil:
		return nil, nil, e.loginErr
	case now.Before(e.retryAt):
		if e.lastErr != nil {
			return nil, nil, e.lastErr
		}
		return nil, nil, renewedTooSoon(c)
	}
	return nil, e.startLocked(), nil
}

// startLocked starts a request. e.mu is held and no request is in flight.
func (e *engine) startLocked() *flight {
	f := &flight{done: make(chan struct{})}
	e.flight = f
	e.busy.Store(true)
	e.wg.Add(1)
	go e.run(f)
	return f
}

// run makes one request, saves and publishes its token, and wakes the
// waiters. The token is saved before anyone can see it, so a crash can lose
// only a token that nobody used.
func (e *engine) run(f *flight) {
	defer e.wg.Done()
	prev := e.cur.Load()
	var mine *oauth2.Token
	if prev != nil {
		mine = prev.tok
	}
	r := e.renew(mine)
	tok, err := r.tok, r.err
	same := err == nil && mine != nil && mine.AccessToken == tok.AccessToken
	changed := err == nil && !same
	saveErr := r.storeErr
	if changed && !r.storeDone && e.store != nil {
		if serr := e.store.Save(e.ctx, tok); serr != nil {
			saveErr = &SaveError{Err: serr}
		}
	}
	now := e.clock.Now()
	var c *cached
	if err == nil {
		from := fromRequest
		if same {
			from = fromRequestSame
		}
		c = e.entry(tok, now, from)
		if !now.Before(c.validTo) {
			err, c = unusable(tok), nil
		}
	}

	e.mu.Lock()
	e.flight = nil
	if c != nil {
		e.cur.Store(c)
		e.failures, e.lastErr, e.retryAt = 0, nil, now.Add(minRenewal)
	} else {
		e.failLocked(err, now)
	}
	if changed {
		e.saveErr = saveErr
	}
	e.settleLocked()
	e.mu.Unlock()

	if c != nil {
		f.tok = tok
	}
	f.err = err
	e.report(err)
	e.report(saveErr)
	close(f.done)
}

// fetch asks the underlying source for a token.
func (e *engine) fetch() (*oauth2.Token, error) { return TokenFrom(e.ctx, e.src) }

// failLocked records a failed request. While the cached token is valid,
// the first caller after the backoff retries (see cached); once it is not,
// join refuses requests until retryAt. A login error stops all requests,
// except a corrective action, which waits minutes for the person to act.
// e.mu is held.
func (e *engine) failLocked(err error, now time.Time) {
	e.failures++
	e.lastErr = err
	if errors.Is(err, ErrLoginRequired) && !correctiveAction(err) {
		e.loginErr = err
		return
	}
	e.retryAt = now.Add(backoff(e.failures, err))
	if c := e.cur.Load(); c != nil && now.Before(c.validTo) {
		// A token SetToken put in meanwhile may not be due yet: it keeps
		// its own window.
		d := *c
		if d.refreshAt.Before(e.retryAt) {
			d.refreshAt = e.retryAt
		}
		if d.validTo.Before(d.refreshAt) {
			d.refreshAt = d.validTo
		}
		e.cur.Store(&d)
	}
}

// settleLocked recomputes busy. e.mu is held.
func (e *engine) settleLocked() {
	e.busy.Store(e.flight != nil || e.loginErr != nil || e.closed)
}

// set replaces the cached token and forgets past failures.
func (e *engine) set(tok *oauth2.Token) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if tok == nil {
		e.cur.Store(nil)
	} else {
		e.cur.Store(e.entry(tok, e.clock.Now(), fromSetToken))
	}
	e.forgetFailuresLocked()
}

// retry forgets past failures and lets the next call that needs a token
// make a request: a cached token whose renewal was put off by a backoff is
// due again at once. e.mu is not held.
func (e *engine) retry() {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	if c := e.cur.Load(); c != nil && e.lastErr != nil && now.Before(c.refreshAt) {
		d := *c
		d.refreshAt = now
		e.cur.Store(&d)
	}
	e.forgetFailuresLocked()
}

// forgetFailuresLocked clears the failure state, ErrLoginRequired and any
// wait before the next request included. e.mu is held.
func (e *engine) forgetFailuresLocked() {
	e.failures, e.lastErr, e.loginErr, e.retryAt = 0, nil, nil, time.Time{}
	e.settleLocked()
}

func (e *engine) err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lastErr != nil {
		return e.lastErr
	}
	return e.saveErr
}

func (e *engine) report(err error) {
	if err != nil && e.onError != nil {
		e.onError(err)
	}
}

// close stops new requests and waits for the one in flight.
func (e *engine) close() {
	e.mu.Lock()
	e.closed = true
	e.settleLocked()
	e.mu.Unlock()
	e.stopNow()
	e.wg.Wait()
}

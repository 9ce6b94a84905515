package epicoauth

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// fakeClock is a Clock whose time moves only when a test calls Advance.
// Every Sleep reports its duration on slept once the sleeper is registered,
// so a test can wait for a background goroutine to go to sleep.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters map[*sleeper]struct{}
	slept   chan time.Duration
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newFakeClock() *fakeClock {
	return &fakeClock{now: t0, waiters: map[*sleeper]struct{}{}, slept: make(chan time.Duration, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	s := &sleeper{until: c.now.Add(d), wake: make(chan struct{})}
	c.waiters[s] = struct{}{}
	c.mu.Unlock()
	c.slept <- d
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.waiters, s)
		c.mu.Unlock()
		return ctx.Err()
	}
}

// Advance moves the clock on by d and wakes the sleepers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for s := range c.waiters {
		if !c.now.Before(s.until) {
			close(s.wake)
			delete(c.waiters, s)
		}
	}
}

// Set moves the clock to t (forwards).
func (c *fakeClock) Set(t time.Time) { c.Advance(t.Sub(c.Now())) }

// sleep waits for the next Sleep call and returns its duration.
func (c *fakeClock) sleep(t *testing.T) time.Duration {
	t.Helper()
	return recv(t, c.slept, "a goroutine to sleep on the clock")
}

// recv waits for a value on ch. The deadline only bounds a failing test;
// no passing test comes near it.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// call is one request to a scriptedSource, answered by the test.
type call struct {
	ctx   context.Context
	reply chan result
}

type result struct {
	tok *oauth2.Token
	err error
}

func (c call) answer(tok *oauth2.Token, err error) { c.reply <- result{tok, err} }

// scriptedSource is a ContextTokenSource whose every request waits for the
// test to answer it, so a test controls exactly when a refresh ends.
type scriptedSource struct {
	calls chan call
}

func newScriptedSource() *scriptedSource { return &scriptedSource{calls: make(chan call, 100)} }

func (s *scriptedSource) Token() (*oauth2.Token, error) { return s.TokenContext(context.Background()) }

func (s *scriptedSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	c := call{ctx: ctx, reply: make(chan result)}
	s.calls <- c
	r := <-c.reply
	return r.tok, r.err
}

// next waits for the next request.
func (s *scriptedSource) next(t *testing.T) call {
	t.Helper()
	return recv(t, s.calls, "a token request")
}

// none asserts that no request is waiting to be answered. It is exact once
// the engine is idle (no request in flight, see idle).
func (s *scriptedSource) none(t *testing.T) {
	t.Helper()
	select {
	case <-s.calls:
		t.Fatal("unexpected token request")
	default:
	}
}

// idle reports whether no request is in flight and no retry is scheduled.
func (e *engine) idle() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.flight == nil && !e.retrying
}

// waitFlight waits until the request in flight, if any, has ended and its
// outcome is recorded.
func (e *engine) waitFlight() {
	e.mu.Lock()
	f := e.flight
	e.mu.Unlock()
	if f != nil {
		<-f.done
	}
}

// token issues a token of the given lifetime at now, as Epic does:
// ExpiresIn in seconds and Expiry counted from now.
func token(access string, now time.Time, life time.Duration) *oauth2.Token {
	return &oauth2.Token{
		AccessToken:  access,
		TokenType:    "bearer",
		RefreshToken: "rt-" + access,
		ExpiresIn:    int64(life / time.Second),
		Expiry:       now.Add(life),
	}
}

// recorder collects the errors given to OnError.
type recorder struct{ errs chan error }

func newRecorder() *recorder { return &recorder{errs: make(chan error, 100)} }

func (r *recorder) onError(err error) { r.errs <- err }

func (r *recorder) next(t *testing.T) error {
	t.Helper()
	return recv(t, r.errs, "a call of OnError")
}

package epicoauth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// fakeClock is a Clock whose time moves only when a test calls Advance or
// Set. A TokenSource never sleeps (retries wait for the next call, not for
// a timer), so Sleep only counts its calls for newTestSource to check, and
// returns at once without moving the time.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps int
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, _ time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps++
	return ctx.Err()
}

// slept returns how many times Sleep was called.
func (c *fakeClock) slept() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sleeps
}

// Advance moves the clock on by d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t (forwards).
func (c *fakeClock) Set(t time.Time) { c.Advance(t.Sub(c.Now())) }

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
	// kind is "token" for TokenContext, or the SessionRenewer step
	// ("refresh" from a token, "login" after a cause).
	kind  string
	from  *oauth2.Token
	cause error
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
	return s.ask(call{ctx: ctx, kind: "token"})
}

// ask hands c to the test and waits for its answer.
func (s *scriptedSource) ask(c call) (*oauth2.Token, error) {
	c.reply = make(chan result)
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
	case c := <-s.calls:
		c.answer(nil, errors.New("unexpected token request")) // so that Close can return
		t.Fatal("unexpected token request")
	default:
	}
}

// idle reports whether no request is in flight.
func (e *engine) idle() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.flight == nil
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

package epicoauth

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// engineGoroutines returns the stacks of the goroutines a TokenSource
// started: its only one is a request in flight.
func engineGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var found []string
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("created by github.com/epicoauth/epicoauth.(*engine).")) {
			found = append(found, string(g))
		}
	}
	return found
}

// requireEngineGoroutines waits until exactly want background goroutines
// run. A goroutine's exit cannot be waited for on a channel from outside, so
// this polls, running the garbage collector each time (so that nothing
// depends on a finalizer or cleanup that has not run yet); the deadline only
// bounds a failing test.
func requireEngineGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := engineGoroutines()
		if len(got) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d TokenSource goroutines running, want %d:\n%s", len(got), want, got)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

// failEarlyRefresh leaves a source with a failed early refresh of "a" and a
// retry due in 1 s, which waits for a caller: no goroutine runs.
func failEarlyRefresh(t *testing.T, ts *TokenSource, src *scriptedSource, clock *fakeClock, rec *recorder) {
	t.Helper()
	ts.SetToken(token("a", t0, time.Hour))
	clock.Set(t0.Add(time.Hour - DefaultExpiryDelta - time.Minute))
	require.Equal(t, "a", tokenOf(t, ts))
	src.next(t).answer(nil, errUnavailable)
	rec.next(t)
	requireEngineGoroutines(t, 0)
}

func TestTokenSourceGoroutines(t *testing.T) {
	requireEngineGoroutines(t, 0)
	clock, src, rec := newFakeClock(), newScriptedSource(), newRecorder()
	ts := NewTokenSource(src, &TokenSourceOptions{Clock: clock, OnError: rec.onError})
	failEarlyRefresh(t, ts, src, clock, rec)

	// The retry's request is the only goroutine, and only while it runs.
	// (Close waiting for a request in flight: TestTokenSourceClose.)
	clock.Advance(time.Second)
	require.Equal(t, "a", tokenOf(t, ts))
	req := src.next(t)
	requireEngineGoroutines(t, 1)
	req.answer(token("b", clock.Now(), time.Hour), nil)
	requireEngineGoroutines(t, 0)
	ts.Close()
	requireEngineGoroutines(t, 0)
}

func TestTokenSourceGoroutinesEndWhenDropped(t *testing.T) {
	requireEngineGoroutines(t, 0)
	clock, src, rec := newFakeClock(), newScriptedSource(), newRecorder()
	var req call
	func() {
		ts := NewTokenSource(src, &TokenSourceOptions{Clock: clock, OnError: rec.onError})
		failEarlyRefresh(t, ts, src, clock, rec)
		clock.Advance(time.Second)
		require.Equal(t, "a", tokenOf(t, ts)) // starts the retry
		req = src.next(t)
	}() // ts is unreachable from here on; nobody calls Close
	requireEngineGoroutines(t, 1)
	req.answer(nil, errUnavailable)
	rec.next(t)
	requireEngineGoroutines(t, 0)
}

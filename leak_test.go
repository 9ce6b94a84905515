package epicoauth

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// engineGoroutines returns the stacks of the goroutines a TokenSource
// started (a request or a retry). The cleanup of a dropped source runs on the
// runtime's own goroutine and does not count.
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
// this polls, running the garbage collector each time (a dropped source is
// stopped by its cleanup); the deadline only bounds a failing test.
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

// startRetry leaves a source with a failed early refresh and a retry
// sleeping on the fake clock: a goroutine that only ends when told to.
func startRetry(t *testing.T, ts *TokenSource, src *scriptedSource, clock *fakeClock, rec *recorder) {
	t.Helper()
	ts.SetToken(token("a", t0, time.Hour))
	clock.Set(t0.Add(time.Hour - DefaultExpiryDelta - time.Minute))
	require.Equal(t, "a", tokenOf(t, ts))
	src.next(t).answer(nil, errUnavailable)
	rec.next(t)
	clock.sleep(t)
	// The request's goroutine ends; the retry's waits on the clock.
	requireEngineGoroutines(t, 1)
}

func TestTokenSourceGoroutinesEndOnClose(t *testing.T) {
	requireEngineGoroutines(t, 0)
	clock, src, rec := newFakeClock(), newScriptedSource(), newRecorder()
	ts := NewTokenSource(src, &TokenSourceOptions{Clock: clock, OnError: rec.onError})
	startRetry(t, ts, src, clock, rec)
	ts.Close()
	requireEngineGoroutines(t, 0)
}

func TestTokenSourceGoroutinesEndWhenDropped(t *testing.T) {
	requireEngineGoroutines(t, 0)
	clock, src, rec := newFakeClock(), newScriptedSource(), newRecorder()
	func() {
		ts := NewTokenSource(src, &TokenSourceOptions{Clock: clock, OnError: rec.onError})
		startRetry(t, ts, src, clock, rec)
	}() // ts is unreachable from here on; nobody calls Close
	requireEngineGoroutines(t, 0)
}

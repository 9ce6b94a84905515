package epictest

import (
	"context"
	"sync"
	"time"

	"github.com/epicoauth/epicoauth"
)

// DefaultStart is the time a Server's clock starts at when Options.Clock is
// nil. A fixed start keeps examples and golden output deterministic.
var DefaultStart = time.Date(2025, time.January, 1, 12, 0, 0, 0, time.UTC)

// Clock is a fake epicoauth.Clock. Its time moves only when a test calls
// Advance or Set, or when code under test calls Sleep, which advances the
// clock by the whole duration at once and returns; a running clock (see
// NewRunningClock and Unfreeze) also follows real time between those. Give
// the same Clock to the Server and to the code under test
// (Server.EpicConfig does), and a device-code login that polls for ten
// minutes or a token source that refreshes every two hours runs in
// microseconds, deterministically.
//
// A Clock is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
	// since is the real time at which now was read while the clock runs;
	// zero while it is frozen.
	since time.Time
}

// NewClock returns a fake clock that reads start until it is moved.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

// Advance moves the clock forward by d. It panics if d is negative; use Set
// to move the clock back.
func (c *Clock) Advance(d time.Duration) {
	if d < 0 {
		panic("epictest: Clock.Advance with a negative duration; use Set to go back in time")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(c.nowLocked().Add(d))
}

// Set moves the clock to t, forward or back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(t)
}

// Sleep advances the clock by d and returns at once, as if d had passed. If
// ctx is already done it returns ctx.Err() without moving the clock, like
// epicoauth.RealClock's Sleep when the context ends first.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.Advance(d)
	}
	return nil
}

var _ epicoauth.Clock = (*Clock)(nil)

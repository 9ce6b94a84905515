package epictest

import "time"

// A running clock follows real time from the fake time it was last set to,
// so that a fake served to other programs (epictoken fake) lets tokens
// expire as Epic's do. Advance, Set and Sleep still move it at once, and
// Freeze stops it for deterministic steps.

// NewRunningClock returns a clock that reads the real time now and keeps
// following it until it is frozen.
func NewRunningClock() *Clock {
	now := time.Now()
	return &Clock{now: now.UTC().Round(0), since: now}
}

// Freeze stops the clock at its current time: it then moves only by
// Advance, Set and Sleep, as a clock from NewClock does.
func (c *Clock) Freeze() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now, c.since = c.nowLocked(), time.Time{}
}

// Unfreeze makes the clock follow real time again from its current time.
// A clock from NewClock starts frozen; Unfreeze makes it run.
func (c *Clock) Unfreeze() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running() {
		c.since = time.Now()
	}
}

// Frozen reports whether the clock stands still between Advance, Set and
// Sleep calls.
func (c *Clock) Frozen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.running()
}

// running reports whether the clock follows real time; c.mu is held.
func (c *Clock) running() bool { return !c.since.IsZero() }

// nowLocked is the fake time; c.mu is held.
func (c *Clock) nowLocked() time.Time {
	if c.running() {
		return c.now.Add(time.Since(c.since))
	}
	return c.now
}

// setLocked moves the clock to t; c.mu is held.
func (c *Clock) setLocked(t time.Time) {
	c.now = t
	if c.running() {
		c.since = time.Now()
	}
}

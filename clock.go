package epicoauth

import (
	"context"
	"time"
)

// Clock tells the time and waits. Token sources only read Now, to decide
// when a token has expired and when a failed renewal may be retried; the
// retry policy of a single token request and device-code polling wait with
// Sleep, within the caller's call. Every
// Clock field in this module is optional and nil means the real clock;
// epictest.Clock is a fake one that lets tests run hours of token lifetime in
// milliseconds.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or until ctx is done, in which case it returns
	// ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock returns the clock of the machine.
func RealClock() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ClockOrReal returns c, or RealClock() when c is nil.
func ClockOrReal(c Clock) Clock {
	if c == nil {
		return realClock{}
	}
	return c
}

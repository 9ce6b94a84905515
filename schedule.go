package epicoauth

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// Renewal timing: when a token is served, when it is renewed, and how long a
// failure waits. The engine (refresh.go) applies these decisions; this file
// makes them.
const (
	// maxDefaultWindow caps the default early-refresh window (a tenth of
	// the lifetime) so that a long-lived token is not renewed hours early.
	maxDefaultWindow = 5 * time.Minute
	// minRenewal is the least time between a token's arrival and the next
	// renewal: however short the token or long EarlyRefresh, a source
	// renews at most once a second.
	minRenewal = time.Second
	// Failed requests are retried after minRetry, doubling up to maxRetry.
	minRetry = time.Second
	maxRetry = time.Minute
	// A corrective action waits for a person, so it is retried after
	// minutes: from minCorrectiveRetry doubling up to maxCorrectiveRetry.
	minCorrectiveRetry = 5 * time.Minute
	maxCorrectiveRetry = time.Hour
)

// arrival says how a token handed to entry arrived.
type arrival int

const (
	// fromSetToken: given by SetToken, usually loaded from a store. It is
	// renewed as soon as its usable life is over.
	fromSetToken arrival = iota
	// fromRequest: a new token the underlying source just returned.
	fromRequest
	// fromRequestSame: the underlying source returned the token the
	// TokenSource already had: it caches, so asking it again before the
	// token's usable life is over would only get the same token back.
	fromRequestSame
)

// entry computes how tok is served from now on.
//
// A token's usable life ends ExpiryDelta before its Expiry (validTo); the
// early-refresh window opens before that (refreshAt). Two rules keep a
// source from sending a request storm whatever the lifetime and options:
//
//   - A token from a request whose usable life is under minRenewal is
//     served for minRenewal, keeping what it can of the delta, and without
//     early refresh; one that arrived with less than ExpiryDelta to live (a
//     1 s or 5 s test token) is the best token there is and is served until
//     its Expiry. Either way the first call after that renews, and run
//     keeps the next request at least minRenewal away.
//   - The early-refresh window never opens before half the token's
//     remaining usable life has passed, nor, for a token from a request,
//     less than minRenewal after its arrival. (A token from SetToken
//     follows no renewal, so only the first bound applies.)
func (e *engine) entry(tok *oauth2.Token, now time.Time, from arrival) *cached {
	c := &cached{tok: tok}
	if tok == nil || tok.AccessToken == "" {
		return c // never valid
	}
	if tok.Expiry.IsZero() {
		c.refreshAt, c.validTo = never, never
		return c
	}
	// Round(0) drops the monotonic reading, as oauth2.Token.Valid does.
	expiry := tok.Expiry.Round(0)
	c.validTo = expiry.Add(-e.delta)
	if from != fromSetToken && c.validTo.Before(now.Add(minRenewal)) {
		c.validTo = now.Add(minRenewal)
		if expiry.Sub(now) < e.delta || expiry.Before(c.validTo) {
			c.validTo = expiry
		}
		c.refreshAt = c.validTo
		return c
	}
	c.refreshAt = c.validTo
	if from == fromRequestSame {
		return c
	}
	life := time.Duration(tok.ExpiresIn) * time.Second
	if tok.ExpiresIn <= 0 {
		life = expiry.Sub(now)
	}
	w := e.window
	if w == 0 {
		w = min(life/10, maxDefaultWindow)
	}
	usable := c.validTo.Sub(now)
	w = min(w, usable/2)
	if from == fromRequest {
		w = min(w, usable-minRenewal)
	}
	if w > 0 {
		c.refreshAt = c.validTo.Add(-w)
	}
	return c
}

// expiryDelta is TokenSourceOptions.ExpiryDelta with its default applied.
func expiryDelta(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultExpiryDelta
	case d < 0:
		return 0
	}
	return d
}

// unusable explains why a token the source just returned cannot be handed
// out.
func unusable(tok *oauth2.Token) error {
	if tok.AccessToken == "" {
		return errors.New("epicoauth: the token source returned a token without an access token")
	}
	return fmt.Errorf("epicoauth: the token source returned a token that expired at %s",
		tok.Expiry.UTC().Format(time.RFC3339Nano))
}

// renewedTooSoon is what callers get when the cached token expired less
// than minRenewal after it arrived: only a token that lives under a second
// does that, and the source does not renew more than once a second.
func renewedTooSoon(c *cached) error {
	var at string
	if c != nil && c.tok != nil {
		at = " at " + c.tok.Expiry.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Errorf("epicoauth: the token expired%s, less than a second after it arrived; the source renews at most once a second", at)
}

// backoff is the wait after the n-th failure in a row: 1 s doubling up to
// 1 min, 5 min doubling up to 1 h for a corrective action (a person must
// act first), or longer when Epic said how long to wait.
func backoff(n int, err error) time.Duration {
	d := doubling(n, minRetry, maxRetry)
	if correctiveAction(err) {
		d = doubling(n, minCorrectiveRetry, maxCorrectiveRetry)
	}
	var epicErr *Error
	if errors.As(err, &epicErr) && epicErr.RetryAfter > d {
		d = epicErr.RetryAfter
	}
	return d
}

// doubling returns first doubled n-1 times, at most limit.
func doubling(n int, first, limit time.Duration) time.Duration {
	d := first
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// correctiveAction reports whether err is Epic asking a person to act
// (accept a EULA, confirm a date of birth) before the credentials work
// again. Unlike other login errors it does not stop a source for good: once
// the person has acted, the same device auth or refresh token works.
func correctiveAction(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.ErrorCode == ErrorCodeCorrectiveActionRequired
}

package epicoauth

import "time"

// The defaults of a [RetryPolicy] whose fields are left zero.
const (
	DefaultMaxAttempts   = 3
	DefaultBackoff       = time.Second
	DefaultMaxBackoff    = 10 * time.Second
	DefaultMaxRetryAfter = 60 * time.Second
)

// RetryPolicy says how a token request is sent again after a failure that
// may pass. A nil *RetryPolicy, like every zero field, means the defaults:
// three attempts, waits of about 1 s then 2 s (doubling up to 10 s, with
// jitter), and a throttled response waited out when it asks for at most 60 s.
// Use [NoRetry] to send each request once.
//
// Which failures are retried depends on whether the request may have reached
// Epic and whether its grant can safely be sent twice:
//
//   - A connection that could not be opened (nothing was sent) is retried
//     for every grant.
//   - A throttled response (429, errors.com.epicgames.common.throttled) is
//     retried for every grant: Epic refused the request without acting on
//     it. The wait is the one Epic asked for (Retry-After or messageVars),
//     else the backoff. A wait longer than MaxRetryAfter, or one that would
//     end after the context's deadline, returns the error at once.
//   - A server error (5xx, 408) or a connection lost after the request was
//     sent is retried only for grants that may be sent twice
//     (client_credentials, device_auth). Single-use grants (exchange,
//     authorization and device codes, refresh tokens, which Epic rotates) are
//     never sent again once Epic may have received them: the first request
//     may have spent the code.
//
// Every wait goes through the Config's Clock and ends early with the
// caller's context. When retries run out, the error of the last attempt is
// returned as it is (an *[Error] or a transport error); when the context
// ends first, the error matches both the last failure (errors.As) and the
// context's error (errors.Is).
type RetryPolicy struct {
	// MaxAttempts is how many times one token request is sent at most, the
	// first time included. Optional; zero or less means
	// DefaultMaxAttempts, and 1 turns retries off.
	MaxAttempts int

	// Backoff is the wait before the second attempt; each later wait
	// doubles, up to MaxBackoff. A wait is drawn between half and all of
	// that value, so that clients failing together do not retry together.
	// Optional; default DefaultBackoff.
	Backoff time.Duration

	// MaxBackoff caps the doubling waits. Optional; default
	// DefaultMaxBackoff.
	MaxBackoff time.Duration

	// MaxRetryAfter is the longest wait a throttled response may ask for
	// and still be retried; Epic has asked for more than an hour after
	// sustained traffic, and such a wait is better left to the caller.
	// Optional; default DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
}

// NoRetry returns a policy that sends each token request once and returns
// its error as it is. Set it as a Config's Retry when the caller has its own
// retry loop.
func NoRetry() *RetryPolicy { return &RetryPolicy{MaxAttempts: 1} }

package wire

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// RetrieveToken posts a token request (req.Form holds grant_type and the
// grant's fields) and parses the response into a token. A failure that may
// pass is retried as req.Retry allows; epicoauth.RetryPolicy documents which
// failures, for which grants, and what is returned in the end.
func RetrieveToken(ctx context.Context, req *Request) (*oauth2.Token, error) {
	p := policyOf(req.Retry)
	clock := epicoauth.ClockOrReal(req.Clock)
	resendable := resendableGrant(req.Form.Get("grant_type"))
	var last error // the previous attempt's failure
	for attempt := 1; ; attempt++ {
		tok, err := retrieveOnce(ctx, req)
		if err == nil {
			return tok, nil
		}
		if ctx.Err() != nil {
			if !errors.Is(err, ctx.Err()) {
				last, err = err, ctx.Err()
			}
			return nil, gaveUp(attempt, last, err)
		}
		last = err
		if attempt >= p.MaxAttempts {
			return nil, err
		}
		wait, ok := p.wait(err, attempt, resendable)
		if !ok {
			return nil, err
		}
		if deadline, has := ctx.Deadline(); has && wait >= time.Until(deadline) {
			return nil, err // the typed error now beats a wait cut short
		}
		if err := clock.Sleep(ctx, wait); err != nil {
			return nil, gaveUp(attempt, last, err)
		}
	}
}

// resendableGrant reports whether a grant may be sent again after Epic may
// have received it: only credentials that are not spent by use. Grants this
// package does not know are treated as single use.
func resendableGrant(grantType string) bool {
	return grantType == "client_credentials" || grantType == "device_auth"
}

// policy is an epicoauth.RetryPolicy with its defaults filled in.
type policy epicoauth.RetryPolicy

func policyOf(p *epicoauth.RetryPolicy) policy {
	var out policy
	if p != nil {
		out = policy(*p)
	}
	if out.MaxAttempts <= 0 {
		out.MaxAttempts = epicoauth.DefaultMaxAttempts
	}
	if out.Backoff <= 0 {
		out.Backoff = epicoauth.DefaultBackoff
	}
	if out.MaxBackoff <= 0 {
		out.MaxBackoff = epicoauth.DefaultMaxBackoff
	}
	if out.MaxRetryAfter <= 0 {
		out.MaxRetryAfter = epicoauth.DefaultMaxRetryAfter
	}
	return out
}

// wait decides whether the failure of attempt may be retried and after how
// long.
func (p policy) wait(err error, attempt int, resendable bool) (time.Duration, bool) {
	var e *epicoauth.Error
	switch {
	case errors.As(err, &e) && isThrottled(e):
		// Epic refused the request without acting on it, so even a
		// single-use grant is intact.
		if e.RetryAfter > p.MaxRetryAfter {
			return 0, false
		}
		if e.RetryAfter > 0 {
			return e.RetryAfter, true
		}
		return p.backoff(attempt), true
	case e != nil:
		return p.backoff(attempt), resendable && e.Temporary()
	case errors.Is(err, errNotSent):
		return p.backoff(attempt), true
	case isConnectionError(err):
		return p.backoff(attempt), resendable
	}
	return 0, false // a bad URL, an insecure one, a certificate problem
}

func isThrottled(e *epicoauth.Error) bool {
	return e.StatusCode == http.StatusTooManyRequests || e.ErrorCode == epicoauth.ErrorCodeThrottled
}

// backoff is the wait after the given attempt: Backoff doubled for each
// earlier retry, capped at MaxBackoff, then drawn between half and all of
// that.
func (p policy) backoff(attempt int) time.Duration {
	d := p.Backoff
	for i := 1; i < attempt && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// isConnectionError reports whether err is a network failure (reset, EOF,
// timeout) as opposed to a request that could not be built or a server
// that could not be trusted, which retrying cannot fix.
func isConnectionError(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // *url.Error is itself a net.Error
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// gaveUp is the error of a token request whose context ended: it matches
// the context's error (in cause) and, when an earlier attempt failed, that
// failure too.
func gaveUp(attempts int, last, cause error) error {
	if last == nil {
		return cause
	}
	return &gaveUpError{attempts: attempts, last: last, cause: cause}
}

type gaveUpError struct {
	attempts    int
	last, cause error
}

func (e *gaveUpError) Error() string {
	return "epicoauth: gave up after " + strconv.Itoa(e.attempts) + " attempts: " + e.cause.Error() + "; last failure: " + e.last.Error()
}

func (e *gaveUpError) Unwrap() []error { return []error{e.last, e.cause} }

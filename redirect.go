package epicoauth

import (
	"net/http"
	"strconv"
)

// RedirectError is returned when a token or session request (every request
// of packages epic and eos) is answered with a redirect the library will
// not follow. Credentials are meant for one origin, so:
//
//   - a request that carries a form (every token request: refresh tokens,
//     codes, device-auth secrets) or the client's Basic credentials follows
//     no redirect at all, even to its own origin: a 307 or 308 would send
//     them again;
//   - any other request (a GET or DELETE with a bearer token, such as
//     Verify or KillSession) follows a redirect only within the origin
//     (scheme, host and port) of the URL it was sent to, and never to plain
//     http on a host that is not loopback (then the error also matches
//     ErrInsecureHTTP).
//
// Nothing is sent to the target. Epic does not redirect these requests, so
// the error means a misconfigured endpoint or a hostile network; it is not
// temporary and no request is retried after it.
type RedirectError struct {
	// StatusCode is the redirect's status: 301, 302, 303, 307 or 308.
	StatusCode int
	// Target is where the redirect pointed, with its query redacted and
	// any user info dropped.
	Target string
	// Reason says which rule refused it.
	Reason string
	// Err is the underlying refusal, such as ErrInsecureHTTP, or nil.
	Err error
}

func (e *RedirectError) Error() string {
	return "epicoauth: refused to follow a redirect (" + strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode) +
		") to " + e.Target + ": " + e.Reason
}

// Unwrap returns Err.
func (e *RedirectError) Unwrap() error { return e.Err }

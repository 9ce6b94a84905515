package wire

import (
	"errors"
	"net/http"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/origin"
	"github.com/epicoauth/epicoauth/internal/redact"
)

// maxRedirects is net/http's default limit, kept when we take over
// CheckRedirect.
const maxRedirects = 10

// withRedirectPolicy returns a shallow copy of c (same Transport, Jar and
// Timeout) whose redirects follow the rules of epicoauth.RedirectError for
// req. c's own CheckRedirect, if any, still runs after ours, and c itself is
// not changed: it may be shared.
func withRedirectPolicy(c *http.Client, req *Request, secrets []string) *http.Client {
	guarded := *c
	next := c.CheckRedirect
	guarded.CheckRedirect = func(hop *http.Request, via []*http.Request) error {
		refuse := func(reason string, cause error) error {
			e := &epicoauth.RedirectError{Target: redact.Secrets(redact.URL(hop.URL), secrets), Reason: reason, Err: cause}
			if hop.Response != nil {
				e.StatusCode = hop.Response.StatusCode
			}
			return e
		}
		if err := checkURL(hop.URL, req.AllowInsecureHTTP); err != nil {
			return refuse("plain http to a host that is not loopback", err)
		}
		switch {
		case req.Form != nil || req.ClientID != "":
			return refuse("the request carries credentials (a form or the client secret), which are never sent again", nil)
		case !origin.Same(hop.URL, via[0].URL):
			return refuse("it leaves the origin "+origin.Of(via[0].URL)+" of the request", nil)
		case next != nil:
			return next(hop, via)
		case len(via) >= maxRedirects:
			return errors.New("epicoauth: stopped after 10 redirects")
		}
		return nil
	}
	return &guarded
}

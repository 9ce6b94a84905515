package wire

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/epicoauth/epicoauth"
)

// checkURL refuses a plain http:// URL to a host that is not loopback,
// unless allowInsecure: every request of this package carries a client
// secret, a credential or a bearer token. Other schemes are left to
// net/http, which rejects what it cannot send.
func checkURL(u *url.URL, allowInsecure bool) error {
	if allowInsecure || u == nil || !strings.EqualFold(u.Scheme, "http") || isLoopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("%w: host %q", epicoauth.ErrInsecureHTTP, excerpt(u.Host))
}

// isLoopback reports whether host names this machine: an address in
// 127.0.0.0/8 or ::1 (IPv4-mapped too, with or without a zone), or
// "localhost". Other names, even ones that resolve to loopback today, are
// not trusted: a resolver or a hosts file can change.
func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// maxRedirects is net/http's default limit, kept when we take over
// CheckRedirect.
const maxRedirects = 10

// guardRedirects returns a copy of c whose redirects are checked like the
// first URL, so that an https endpoint cannot bounce credentials (a bearer
// header kept on the same host, a form body re-sent by a 307) to plain
// http. c's own CheckRedirect, if any, still runs after the check.
func guardRedirects(c *http.Client, allowInsecure bool) *http.Client {
	guarded := *c
	next := c.CheckRedirect
	guarded.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := checkURL(req.URL, allowInsecure); err != nil {
			return err
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return errors.New("epicoauth: stopped after 10 redirects")
		}
		return nil
	}
	return &guarded
}

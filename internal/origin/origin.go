// Package origin compares URLs by origin (RFC 6454: scheme, host and port),
// the boundary no credential of the module crosses on a redirect.
package origin

import (
	"net"
	"net/url"
	"strings"
)

// Of returns u's origin as scheme://host:port, lower-cased, with the
// scheme's default port filled in (https://a.example becomes
// https://a.example:443).
func Of(u *url.URL) string {
	if u == nil {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Same reports whether a and b have the same origin.
func Same(a, b *url.URL) bool { return a != nil && b != nil && Of(a) == Of(b) }

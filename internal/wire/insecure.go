package wire

import (
	"fmt"
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

package epicoauth

import "errors"

// ErrInsecureHTTP is returned, before anything is sent, for a request to a
// plain http:// URL whose host is not loopback (127.0.0.0/8, ::1,
// localhost), and for a redirect to such a URL: token requests carry client
// secrets and credentials that must not cross a network in clear text.
// Servers on the same machine, such as epictest's fake, need nothing; set a
// Config's AllowInsecureHTTP to reach another host over plain HTTP on
// purpose (a test network, a TLS-terminating sidecar).
var ErrInsecureHTTP = errors.New("epicoauth: refusing to send credentials over plain http to a host that is not loopback (use https, or set AllowInsecureHTTP)")

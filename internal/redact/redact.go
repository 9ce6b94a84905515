// Package redact is the one place that hides a secret from fmt,
// encoding/json and URLs: every exported type of the module that holds a
// secret prints and marshals through it.
package redact

import (
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Marker replaces every secret.
const Marker = "[REDACTED]"

// Value is what a secret field shows: Marker when it is set, "" when it is
// not, so that a reader can still tell the two apart.
func Value(secret string) string {
	if secret == "" {
		return ""
	}
	return Marker
}

// Format writes safe (a value's redacted String) under whatever verb and
// flags fmt was given, so that no verb (%d, %x, %+v ...) reaches the
// fields of the struct behind it. A Format method is one line:
//
//	func (c Config) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }
func Format(f fmt.State, verb rune, safe string) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, safe) // %#v shows GoString, which is safe, unquoted
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), safe)
}

// Secrets returns s with each of secrets (empty ones skipped) replaced by
// Marker.
func Secrets(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" && strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Marker)
		}
	}
	return s
}

// URL returns u as text with what may carry a credential hidden: the query
// becomes Marker, the user info and the fragment are dropped. The scheme,
// host and path stay, so the text still says where u points.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" || c.ForceQuery {
		c.RawQuery, c.ForceQuery = Marker, false
	}
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

package wire

import (
	"bytes"
	"net/url"
	"strings"
)

// Redacted replaces every secret in error text and bodies.
const Redacted = "[REDACTED]"

// secretFields are the form fields whose values are credentials.
var secretFields = []string{
	"refresh_token", "secret", "code", "exchange_code", "device_code",
	"code_verifier", "access_token", "external_auth_token",
	"continuation_token", "password", "otp", "client_secret", "token",
}

// minSecretLen keeps very short values (which would match ordinary words)
// from being redacted out of messages. Real Epic secrets are 32+ characters.
const minSecretLen = 4

// secretsOf lists the values a request must never leak: the credential form
// fields, the client secret, the bearer token and any extra values.
func secretsOf(req *Request) []string {
	s := append([]string(nil), req.Secrets...)
	s = append(s, req.ClientSecret, req.Bearer)
	for _, k := range secretFields {
		s = append(s, req.Form[k]...)
	}
	out := s[:0]
	for _, v := range s {
		if len(v) >= minSecretLen {
			out = append(out, v)
			// Epic may echo a value URL-encoded (in a URL) as well as raw.
			if e := url.QueryEscape(v); e != v {
				out = append(out, e)
			}
			if e := url.PathEscape(v); e != v {
				out = append(out, e)
			}
		}
	}
	return out
}

// RedactString replaces each secret in s.
func RedactString(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" && strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	return s
}

func redactBytes(b []byte, secrets []string) []byte {
	for _, v := range secrets {
		if v != "" && bytes.Contains(b, []byte(v)) {
			b = bytes.ReplaceAll(b, []byte(v), []byte(Redacted))
		}
	}
	return b
}

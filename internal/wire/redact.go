package wire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/epicoauth/epicoauth/internal/redact"
)

// Redacted replaces every secret in error text and bodies.
const Redacted = redact.Marker

// publicFields are the form fields whose values are known not to be
// credentials. Every other field is treated as secret, so that a grant this
// package does not know (epicoauth.NewGrant) is redacted too.
var publicFields = []string{
	"grant_type", "token_type", "includePerms", "deployment_id", "account_id",
	"device_id", "external_auth_type", "nonce", "scope", "prompt", "redirect_uri",
	"client_id", "consumingClientId",
}

// minSecretLen keeps very short values (which would match ordinary words)
// from being redacted out of messages. Real Epic secrets are 32+ characters.
const minSecretLen = 4

// secretsOf lists the values a request must never leak: every form field
// but the public ones, the client secret (alone and as the Basic header),
// the bearer token and any extra values.
func secretsOf(req *Request) []string {
	s := append([]string(nil), req.Secrets...)
	s = append(s, req.ClientSecret, req.Bearer)
	if req.ClientSecret != "" {
		// A server or proxy may echo the Authorization header it got.
		s = append(s, base64.StdEncoding.EncodeToString([]byte(req.ClientID+":"+req.ClientSecret)))
	}
	for k, vs := range req.Form {
		if !slices.Contains(publicFields, k) {
			s = append(s, vs...)
		}
	}
	return expandSecrets(s)
}

// expandSecrets drops values too short to be secrets and adds the other
// forms a server may echo a secret in: URL-encoded (in a URL) and
// JSON-escaped (in a body).
func expandSecrets(values []string) []string {
	var out []string
	for _, v := range values {
		// A value inside the marker itself cannot be hidden, and
		// replacing it would mangle the markers already in place.
		if len(v) < minSecretLen || strings.Contains(Redacted, v) {
			continue
		}
		out = append(out, v)
		for _, e := range []string{url.QueryEscape(v), url.PathEscape(v), jsonEscape(v), strings.ReplaceAll(jsonEscape(v), "/", `\/`)} {
			if e != v && !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	// Longest first, so that a secret containing another is replaced whole.
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// jsonEscape returns v as it appears inside a JSON string.
func jsonEscape(v string) string {
	b, _ := json.Marshal(v)
	return string(b[1 : len(b)-1])
}

func redactBytes(b []byte, secrets []string) []byte {
	for _, v := range secrets {
		if v != "" && bytes.Contains(b, []byte(v)) {
			b = bytes.ReplaceAll(b, []byte(v), []byte(Redacted))
		}
	}
	return b
}

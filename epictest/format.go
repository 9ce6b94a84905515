package epictest

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/epicoauth/epicoauth/internal/redact"
)

// The fake's credentials are made up, but a test may register real-looking
// ones, and a failing test prints what it holds: every type of this package
// that holds a secret prints and marshals it as "[REDACTED]", like the
// library's own types. Tests read the fields directly.

// String shows the client id, never the secret.
func (c Client) String() string {
	return "epictest.Client{ID: " + c.ID + ", Secret: " + redact.Value(c.Secret) + "}"
}

// GoString makes %#v as safe as %v.
func (c Client) GoString() string { return c.String() }

// LogValue makes log/slog print the redacted form.
func (c Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Format prints the redacted String whatever the verb.
func (c Client) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// MarshalJSON encodes the client with Secret redacted.
func (c Client) MarshalJSON() ([]byte, error) {
	type plain Client // without methods, so no recursion
	p := plain(c)
	p.Secret = redact.Value(p.Secret)
	return json.Marshal(p)
}

// String shows the platform identity, never its token.
func (e ExternalAuth) String() string {
	return "epictest.ExternalAuth{Type: " + e.Type + ", Token: " + redact.Value(e.Token) + ", ExternalID: " + e.ExternalID + "}"
}

// GoString makes %#v as safe as %v.
func (e ExternalAuth) GoString() string { return e.String() }

// LogValue makes log/slog print the redacted form.
func (e ExternalAuth) LogValue() slog.Value { return slog.StringValue(e.String()) }

// Format prints the redacted String whatever the verb.
func (e ExternalAuth) Format(f fmt.State, verb rune) { redact.Format(f, verb, e.String()) }

// MarshalJSON encodes the identity with Token redacted.
func (e ExternalAuth) MarshalJSON() ([]byte, error) {
	type plain ExternalAuth
	p := plain(e)
	p.Token = redact.Value(p.Token)
	return json.Marshal(p)
}

// Format prints String (method, path, grant type, form field names)
// whatever the verb: the form values and headers hold credentials.
func (r Request) Format(f fmt.State, verb rune) { redact.Format(f, verb, r.String()) }

// LogValue makes log/slog print String.
func (r Request) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalJSON encodes String as a JSON string, for the same reason.
func (r Request) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// String describes the session without its id, which for Epic's opaque
// tokens may be the access token itself.
func (s Session) String() string {
	return fmt.Sprintf("epictest.Session{ID: %s, ClientID: %s, AccountID: %s, GrantType: %s}",
		redact.Value(s.ID), s.ClientID, s.AccountID, s.GrantType)
}

// GoString makes %#v as safe as %v.
func (s Session) GoString() string { return s.String() }

// LogValue makes log/slog print the redacted form.
func (s Session) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Format prints the redacted String whatever the verb.
func (s Session) Format(f fmt.State, verb rune) { redact.Format(f, verb, s.String()) }

// MarshalJSON encodes the session with ID redacted.
func (s Session) MarshalJSON() ([]byte, error) {
	type plain Session
	p := plain(s)
	p.ID = redact.Value(p.ID)
	return json.Marshal(p)
}

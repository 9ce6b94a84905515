package eos

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/epicoauth/epicoauth/internal/redact"
)

// The types of this package that hold a secret print through their redacted
// String with every fmt verb (Format), log through it (LogValue) and
// marshal to JSON with the secret replaced by "[REDACTED]" (MarshalJSON).

// Format prints the redacted String whatever the verb.
func (c Config) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// MarshalJSON encodes the Config with ClientSecret redacted, so that a
// Config logged as JSON does not give the secret away.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config // without methods, so no recursion
	p := plain(c)
	p.ClientSecret = redact.Value(p.ClientSecret)
	return json.Marshal(p)
}

// Format prints the redacted String whatever the verb.
func (g externalAuthFrom) Format(f fmt.State, verb rune) { redact.Format(f, verb, g.String()) }

// LogValue makes log/slog print the redacted form.
func (g externalAuthFrom) LogValue() slog.Value { return slog.StringValue(g.String()) }

// Format prints the redacted String whatever the verb.
func (c AuthConfig) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// MarshalJSON encodes the AuthConfig with ClientSecret redacted, so that an
// AuthConfig logged as JSON does not give the secret away.
func (c AuthConfig) MarshalJSON() ([]byte, error) {
	type plain AuthConfig // without methods, so no recursion
	p := plain(c)
	p.ClientSecret = redact.Value(p.ClientSecret)
	return json.Marshal(p)
}

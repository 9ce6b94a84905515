package epic

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/epicoauth/epicoauth/internal/redact"
)

// The types of this package that hold a secret print through their redacted
// String with every fmt verb (Format), log through it (LogValue) and
// marshal to JSON with the secret replaced by "[REDACTED]" (MarshalJSON).
// DeviceAuth and CreatedDeviceAuth are the exception under encoding/json:
// their JSON is the device-auth file, which exists to be saved.

// Format prints the redacted String whatever the verb.
func (d DeviceAuth) Format(f fmt.State, verb rune) { redact.Format(f, verb, d.String()) }

// Format prints the redacted String whatever the verb.
func (c Config) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// MarshalJSON encodes the Config with ClientSecret redacted, so that a
// Config logged as JSON (slog's JSON handler marshals structs) does not
// give the secret away.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config // without methods, so no recursion
	p := plain(c)
	p.ClientSecret = redact.Value(p.ClientSecret)
	return json.Marshal(p)
}

// Format prints the redacted String whatever the verb.
func (x ExchangeCodeResponse) Format(f fmt.State, verb rune) { redact.Format(f, verb, x.String()) }

// MarshalJSON encodes the response with Code redacted.
func (x ExchangeCodeResponse) MarshalJSON() ([]byte, error) {
	type plain ExchangeCodeResponse
	p := plain(x)
	p.Code = redact.Value(p.Code)
	return json.Marshal(p)
}

// Format prints the redacted String whatever the verb.
func (v Verification) Format(f fmt.State, verb rune) { redact.Format(f, verb, v.String()) }

// MarshalJSON encodes the Verification with SessionID redacted.
func (v Verification) MarshalJSON() ([]byte, error) {
	type plain Verification
	p := plain(v)
	p.SessionID = redact.Value(p.SessionID)
	return json.Marshal(p)
}

// String shows whether the redirect carries a code and where it leads,
// never the code, the session id or the next address's query.
func (r Redirect) String() string {
	s := r.redacted()
	return fmt.Sprintf("Redirect{RedirectURL: %s, AuthorizationCode: %s, ExchangeCode: %s, SID: %s}",
		s.RedirectURL, s.AuthorizationCode, s.ExchangeCode, s.SID)
}

// GoString makes %#v as safe as %v.
func (r Redirect) GoString() string { return r.String() }

// LogValue makes log/slog print the redacted form.
func (r Redirect) LogValue() slog.Value { return slog.StringValue(r.String()) }

// Format prints the redacted String whatever the verb.
func (r Redirect) Format(f fmt.State, verb rune) { redact.Format(f, verb, r.String()) }

// MarshalJSON encodes the redirect with its codes, session id and the
// next address's query redacted. ParseRedirect reads Epic's JSON, not
// this.
func (r Redirect) MarshalJSON() ([]byte, error) {
	type plain Redirect
	return json.Marshal(plain(r.redacted()))
}

func (r Redirect) redacted() Redirect {
	next := r.RedirectURL
	if u, err := url.Parse(next); err == nil {
		next = redact.URL(u)
	} else if next != "" {
		next = redact.Marker
	}
	return Redirect{RedirectURL: next, AuthorizationCode: redact.Value(r.AuthorizationCode),
		ExchangeCode: redact.Value(r.ExchangeCode), SID: redact.Value(r.SID)}
}

package epicoauth

import (
	"context"
	"log/slog"
	"net/url"
	"sort"
	"strings"
)

// Grant is one way of asking Epic for a token: an OAuth grant type and the
// form fields it sends. Packages epic and eos construct the grants Epic
// supports (epic.ClientCredentials, epic.DeviceAuth, eos.ExternalAuth ...).
//
// To send a grant this library does not know, implement Grant or use
// [NewGrant]; the Config adds grant_type, its own options (token_type,
// deployment_id ...) and client authentication.
type Grant interface {
	// GrantType is the grant_type form value, such as "device_auth".
	GrantType() string
	// Params returns the grant's form fields other than grant_type. It is
	// called for every request the grant is used for, so a grant can fetch
	// a fresh credential (eos.ExternalAuthFrom does).
	Params(ctx context.Context) (url.Values, error)
	// Repeatable reports whether the grant may be sent again once it has
	// succeeded: true for credentials that last (client credentials, device
	// auths), false for single-use ones (exchange, authorization and device
	// codes, refresh tokens, which Epic rotates). A token source re-runs a
	// repeatable grant when its refresh token is gone, and reports
	// ErrLoginRequired instead for one that is not.
	Repeatable() bool
}

// NewGrant returns a Grant that sends grantType with params. Use it for a
// grant that packages epic and eos do not offer. Its String and slog forms
// show the field names but never their values.
func NewGrant(grantType string, params url.Values, repeatable bool) Grant {
	return staticGrant{typ: grantType, params: cloneValues(params), repeatable: repeatable}
}

type staticGrant struct {
	typ        string
	params     url.Values
	repeatable bool
}

func (g staticGrant) GrantType() string { return g.typ }
func (g staticGrant) Repeatable() bool  { return g.repeatable }
func (g staticGrant) Params(context.Context) (url.Values, error) {
	return cloneValues(g.params), nil
}

// String names the grant type and its fields, with every value redacted.
func (g staticGrant) String() string {
	keys := make([]string, 0, len(g.params))
	for k := range g.params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("Grant(" + g.typ)
	for _, k := range keys {
		b.WriteString(" " + k + "=[REDACTED]")
	}
	b.WriteString(")")
	return b.String()
}

// GoString makes %#v as safe as %v.
func (g staticGrant) GoString() string { return g.String() }

// LogValue makes log/slog print the redacted form.
func (g staticGrant) LogValue() slog.Value { return slog.StringValue(g.String()) }

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

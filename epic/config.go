package epic

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/redact"
	"github.com/epicoauth/epicoauth/internal/session"
	"github.com/epicoauth/epicoauth/internal/wire"
)

// Grant is a way of asking the account service for a token. The constructors
// in this package (ClientCredentials, DeviceAuth, ExchangeCode ...) return
// the grants Epic supports; see epicoauth.Grant to send another.
type Grant = epicoauth.Grant

// Config is an Epic account-service client: its credentials and the options
// that apply to every token request it makes, refreshes included. The zero
// value of each optional field means Epic's default. A Config is safe for
// concurrent use once built; do not change it while it is in use.
type Config struct {
	// ClientID and ClientSecret identify the client (HTTP Basic auth).
	ClientID     string
	ClientSecret string

	// Endpoint is the service to talk to. Optional; the zero value means
	// epicoauth.AccountEndpoint. Tests point it at epictest.
	Endpoint oauth2.Endpoint

	// TokenType asks for a token format: "eg1" for a signed JWT (some Epic
	// APIs accept nothing else). Optional; Epic's default is an opaque
	// 32-hex token.
	TokenType string

	// DeviceID is sent as the X-Epic-Device-ID header. Optional; see
	// epicoauth.NewDeviceID.
	DeviceID string

	// IncludePerms asks Epic to list the session's permissions in the token
	// response (read them with Perms). Optional.
	IncludePerms bool

	// DeploymentID names an EOS deployment for the session. Optional.
	DeploymentID string

	// UserAgent replaces epicoauth.DefaultUserAgent. Optional.
	UserAgent string

	// Clock stamps and expires tokens. Optional; nil means the real clock.
	// Tests inject a fake one (epictest.Clock).
	Clock epicoauth.Clock

	// ExpiryDelta is how long before its Expiry a token source stops
	// handing a token out (epicoauth.TokenSourceOptions.ExpiryDelta, which
	// takes precedence when StoredTokenSource is given one). Optional; zero
	// means epicoauth.DefaultExpiryDelta, a negative value none.
	ExpiryDelta time.Duration

	// Retry says how failed token requests are retried. Optional; nil
	// means epicoauth's defaults (three attempts), epicoauth.NoRetry()
	// sends each request once.
	Retry *epicoauth.RetryPolicy

	// AllowInsecureHTTP lets an Endpoint with a plain http:// URL reach a
	// host that is not loopback. Optional; without it such requests fail
	// with epicoauth.ErrInsecureHTTP before anything is sent.
	AllowInsecureHTTP bool
}

// Token runs grant once and returns the token: one request, no caching, no
// refresh. Most programs want TokenSource or Client instead.
func (c *Config) Token(ctx context.Context, grant Grant) (*oauth2.Token, error) {
	return session.Once(ctx, c.fetch, grant)
}

// TokenSource returns a source that runs grant on its first Token call and
// then returns the cached token while it is valid. Near expiry it refreshes
// with grant_type=refresh_token, sending the same token_type, includePerms,
// deployment_id and device id; a rotated refresh token replaces the old one.
// When the refresh token is missing, expired or rejected, a repeatable grant
// (ClientCredentials, DeviceAuth) runs again; otherwise Token returns an
// error matching epicoauth.ErrLoginRequired.
//
// ctx carries the HTTP client (oauth2.HTTPClient) for every request the
// source makes, now and at every later renewal. Only its values are kept:
// cancelling ctx, or its deadline passing, does not stop the source (Close
// does), since the source outlives the call that built it; bound a single
// call with TokenContext. The source is safe for concurrent use and has at
// most one request in flight.
func (c *Config) TokenSource(ctx context.Context, grant Grant) *epicoauth.TokenSource {
	return c.newSource(ctx, grant, nil, nil)
}

// ResumeTokenSource continues a session from a saved token (one that
// TokenSource handed out, with its extras) without logging in again: it
// returns saved while it is valid and then refreshes with its refresh token.
// fallback, which may be nil, is the grant to run if that refresh token no
// longer works; a DeviceAuth is the usual choice. As with TokenSource, the
// source keeps ctx's values but not its cancellation.
func (c *Config) ResumeTokenSource(ctx context.Context, saved *oauth2.Token, fallback Grant) *epicoauth.TokenSource {
	return c.newSource(ctx, fallback, saved, nil)
}

// Client returns an HTTP client that authorizes its requests with tokens
// from TokenSource(ctx, grant): see epicoauth.NewClient for what it keeps
// of the *http.Client in ctx and where the token goes on a redirect (opts).
// Cancelling ctx does not stop the client's token renewals; cancel each
// request's own context.
func (c *Config) Client(ctx context.Context, grant Grant, opts ...epicoauth.ClientOption) *http.Client {
	return epicoauth.NewClient(ctx, c.TokenSource(ctx, grant), opts...)
}

// newSource builds a TokenSource; opts, which may be nil, adds options to
// the defaults ctx, c.Clock and c.ExpiryDelta.
func (c *Config) newSource(ctx context.Context, grant Grant, saved *oauth2.Token, opts *epicoauth.TokenSourceOptions) *epicoauth.TokenSource {
	var o epicoauth.TokenSourceOptions
	if opts != nil {
		o = *opts
	}
	if o.Context == nil {
		o.Context = ctx
	}
	if o.Clock == nil {
		o.Clock = c.Clock
	}
	if o.ExpiryDelta == 0 {
		o.ExpiryDelta = c.ExpiryDelta
	}
	src := session.New(c.fetch, grant, saved, c.Clock)
	// A token in a shared store is adopted only if it is this session's.
	src.SetCheck(func(tok *oauth2.Token) error { return c.checkSaved(tok, grant) })
	ts := epicoauth.NewTokenSource(src, &o)
	if saved != nil {
		ts.SetToken(saved)
	}
	return ts
}

// fetch sends one token request with the Config's options.
func (c *Config) fetch(ctx context.Context, grantType string, params url.Values) (*oauth2.Token, error) {
	form := session.Form(grantType, params)
	if c.TokenType != "" {
		form.Set("token_type", c.TokenType)
	}
	if c.IncludePerms {
		form.Set("includePerms", "true")
	}
	if c.DeploymentID != "" {
		form.Set("deployment_id", c.DeploymentID)
	}
	return wire.RetrieveToken(ctx, c.request(c.endpoint().TokenURL, form))
}

// request is the base of every request the Config sends.
func (c *Config) request(url string, form url.Values) *wire.Request {
	req := &wire.Request{
		URL:          url,
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Form:         form,
		UserAgent:    c.UserAgent,
		Clock:        c.Clock,

		Retry:             c.Retry,
		AllowInsecureHTTP: c.AllowInsecureHTTP,
	}
	if c.DeviceID != "" {
		req.Header = http.Header{epicoauth.DeviceIDHeader: {c.DeviceID}}
	}
	return req
}

func (c *Config) endpoint() oauth2.Endpoint {
	if c.Endpoint.TokenURL == "" {
		return epicoauth.AccountEndpoint
	}
	return c.Endpoint
}

// String describes the Config without its client secret.
func (c Config) String() string {
	return "epic.Config{ClientID: " + c.ClientID + ", ClientSecret: " + redact.Marker + ", TokenURL: " + c.endpoint().TokenURL + "}"
}

// GoString makes %#v as safe as %v.
func (c Config) GoString() string { return c.String() }

// LogValue makes log/slog print the redacted form.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

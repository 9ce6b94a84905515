package eos

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/redact"
	"github.com/epicoauth/epicoauth/internal/session"
	"github.com/epicoauth/epicoauth/internal/wire"
)

// AuthConfig is an EOS Auth client: Epic Account Services (EAS) for a
// product on the Epic Developer Portal, at api.epicgames.dev/epic/oauth/v2.
// Its tokens are Epic account tokens for one product; use Config for EOS
// Connect (product users) instead.
//
// It has the shape of oauth2.Config (AuthCodeURL, Exchange) for web logins,
// and the grant-based Token, TokenSource and Client of the other Configs
// for everything else. Every token request, refreshes included, sends
// DeploymentID, Scopes and TokenType. An AuthConfig is safe for concurrent
// use once built; do not change it while it is in use.
type AuthConfig struct {
	// ClientID and ClientSecret identify the EAS client (HTTP Basic auth).
	ClientID     string
	ClientSecret string

	// DeploymentID is the product's deployment, sent as deployment_id.
	// Optional for public deployments; for a private one, only entitled
	// accounts can log in.
	DeploymentID string

	// Scopes are the permissions asked for, such as "basic_profile",
	// "friends_list", "presence" or "openid" (which adds an ID token to
	// the response). Optional; sent space-separated as scope on the login
	// page and on every token request.
	Scopes []string

	// RedirectURL is the redirect URI registered for the client, where the
	// login page sends the person back with a code. Optional; needed for
	// AuthCodeURL and sent as redirect_uri when an authorization code is
	// redeemed, as oauth2.Config does.
	RedirectURL string

	// TokenType asks for a token format: "epic_id" for a signed JWT, as
	// the EOS SDK and fnbr.js ask for. Optional; Epic's default otherwise.
	TokenType string

	// Endpoint is the service to talk to. Optional; the zero value means
	// epicoauth.EOSAuthEndpoint. Its tokenInfo, revoke and userInfo
	// addresses sit next to TokenURL. Tests point it at epictest.
	Endpoint oauth2.Endpoint

	// UserAgent replaces epicoauth.DefaultUserAgent. Optional.
	UserAgent string

	// Clock stamps and expires tokens. Optional; nil means the real clock.
	// Tests inject a fake one (epictest.Clock).
	Clock epicoauth.Clock

	// ExpiryDelta is how long before its Expiry a token source stops
	// handing a token out (epicoauth.TokenSourceOptions.ExpiryDelta).
	// Optional; zero means epicoauth.DefaultExpiryDelta, a negative value
	// none.
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
func (c *AuthConfig) Token(ctx context.Context, grant Grant) (*oauth2.Token, error) {
	return session.Once(ctx, c.fetch, grant)
}

// TokenSource returns a source that runs grant on its first Token call and
// then returns the cached token while it is valid. Near expiry it refreshes
// with grant_type=refresh_token, sending the same deployment_id, scope and
// token_type; a rotated refresh token replaces the old one. When the
// refresh token is missing, expired or rejected, a repeatable grant
// (ClientCredentials, ExchangeCodeFrom, ExternalAuthFrom) runs again;
// otherwise Token returns an error matching epicoauth.ErrLoginRequired.
//
// ctx carries the HTTP client (oauth2.HTTPClient) for every request the
// source makes. The source is safe for concurrent use.
func (c *AuthConfig) TokenSource(ctx context.Context, grant Grant) *epicoauth.TokenSource {
	return c.newSource(ctx, grant, nil)
}

// ResumeTokenSource continues a session from a token, such as the one
// Exchange returned or one saved earlier with its extras: it returns saved
// while it is valid and then refreshes with its refresh token. fallback,
// which may be nil, is the grant to run if that refresh token no longer
// works.
func (c *AuthConfig) ResumeTokenSource(ctx context.Context, saved *oauth2.Token, fallback Grant) *epicoauth.TokenSource {
	return c.newSource(ctx, fallback, saved)
}

// Client returns an HTTP client that authorizes its requests with tokens
// from TokenSource(ctx, grant): see epicoauth.NewClient for what it keeps
// of the *http.Client in ctx and where the token goes on a redirect (opts).
func (c *AuthConfig) Client(ctx context.Context, grant Grant, opts ...epicoauth.ClientOption) *http.Client {
	return epicoauth.NewClient(ctx, c.TokenSource(ctx, grant), opts...)
}

func (c *AuthConfig) newSource(ctx context.Context, grant Grant, saved *oauth2.Token) *epicoauth.TokenSource {
	ts := epicoauth.NewTokenSource(session.New(c.fetch, grant, saved, c.Clock),
		&epicoauth.TokenSourceOptions{Context: ctx, Clock: c.Clock, ExpiryDelta: c.ExpiryDelta})
	if saved != nil {
		ts.SetToken(saved)
	}
	return ts
}

// fetch sends one token request with the AuthConfig's options. A grant's
// own scope or redirect_uri wins over the AuthConfig's.
func (c *AuthConfig) fetch(ctx context.Context, grantType string, params url.Values) (*oauth2.Token, error) {
	form := session.Form(grantType, params)
	setDefault := func(key, value string) {
		if value != "" && !form.Has(key) {
			form.Set(key, value)
		}
	}
	setDefault("deployment_id", c.DeploymentID)
	setDefault("scope", strings.Join(c.Scopes, " "))
	setDefault("token_type", c.TokenType)
	if grantType == "authorization_code" {
		setDefault("redirect_uri", c.RedirectURL)
	}
	return wire.RetrieveToken(ctx, c.request(c.endpoint().TokenURL, form))
}

// request is the base of every request the AuthConfig sends.
func (c *AuthConfig) request(url string, form url.Values) *wire.Request {
	return &wire.Request{
		URL:          url,
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Form:         form,
		UserAgent:    c.UserAgent,
		Clock:        c.Clock,

		Retry:             c.Retry,
		AllowInsecureHTTP: c.AllowInsecureHTTP,
	}
}

func (c *AuthConfig) endpoint() oauth2.Endpoint {
	e := c.Endpoint
	if e.TokenURL == "" {
		e.TokenURL = epicoauth.EOSAuthEndpoint.TokenURL
	}
	if e.AuthURL == "" {
		e.AuthURL = epicoauth.EOSAuthEndpoint.AuthURL
	}
	return e
}

// String describes the AuthConfig without its client secret.
func (c AuthConfig) String() string {
	return "eos.AuthConfig{ClientID: " + c.ClientID + ", ClientSecret: " + redact.Marker + ", DeploymentID: " + c.DeploymentID +
		", TokenURL: " + c.endpoint().TokenURL + "}"
}

// GoString makes %#v as safe as %v.
func (c AuthConfig) GoString() string { return c.String() }

// LogValue makes log/slog print the redacted form.
func (c AuthConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

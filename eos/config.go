package eos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
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

// Grant is a way of asking for a token: ClientCredentials or ExternalAuth
// for EOS Connect (Config); those, the code grants and RefreshToken for EOS
// Auth (AuthConfig).
type Grant = epicoauth.Grant

// ErrNoDeploymentID is returned, before any request is sent, by a Config
// without a DeploymentID: EOS Connect requires one on every token request.
var ErrNoDeploymentID = errors.New("eos: Config.DeploymentID is empty; EOS Connect needs the deployment id of your product")

// ErrNonceMismatch is returned when a token response does not echo the nonce
// its request sent. The token is discarded: it may answer another request.
var ErrNonceMismatch = errors.New("eos: token response nonce does not match the request")

// Config is an EOS Connect client: the client credentials and deployment of
// an EOS product. A Config is safe for concurrent use once built.
type Config struct {
	// ClientID and ClientSecret identify the EOS client (HTTP Basic auth).
	ClientID     string
	ClientSecret string

	// DeploymentID is the product's deployment (sandbox environment).
	// Required.
	DeploymentID string

	// Endpoint is the service to talk to. Optional; the zero value means
	// epicoauth.EOSConnectEndpoint.
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

// Token runs grant once and returns the token: one request, no caching.
func (c *Config) Token(ctx context.Context, grant Grant) (*oauth2.Token, error) {
	// Checked before Params, which may itself send a request
	// (ExternalAuthFrom asks its source for a token).
	if c.DeploymentID == "" {
		return nil, ErrNoDeploymentID
	}
	return session.Once(ctx, c.fetch, grant)
}

// TokenSource returns a source that runs grant on its first Token call,
// returns the cached token while it is valid, and runs grant again when it
// expires (EOS Connect tokens last about an hour and have no refresh token).
// ctx carries the HTTP client (oauth2.HTTPClient) for its requests, now and
// at every later renewal; only its values are kept, so cancelling ctx does
// not stop the source (Close does).
func (c *Config) TokenSource(ctx context.Context, grant Grant) *epicoauth.TokenSource {
	var src oauth2.TokenSource = session.New(c.fetch, grant, nil, c.Clock)
	if c.DeploymentID == "" {
		// Fail before the grant's Params can send a request.
		src = errSource{ErrNoDeploymentID}
	}
	return epicoauth.NewTokenSource(src, &epicoauth.TokenSourceOptions{Context: ctx, Clock: c.Clock, ExpiryDelta: c.ExpiryDelta})
}

// errSource is a token source that always fails with err.
type errSource struct{ err error }

func (s errSource) Token() (*oauth2.Token, error) { return nil, s.err }

// Client returns an HTTP client that authorizes its requests with tokens
// from TokenSource(ctx, grant): see epicoauth.NewClient for what it keeps
// of the *http.Client in ctx and where the token goes on a redirect (opts).
// Cancelling ctx does not stop the client's token renewals; cancel each
// request's own context.
func (c *Config) Client(ctx context.Context, grant Grant, opts ...epicoauth.ClientOption) *http.Client {
	return epicoauth.NewClient(ctx, c.TokenSource(ctx, grant), opts...)
}

// fetch sends one token request with deployment_id and a fresh nonce, and
// checks that the response echoes the nonce.
func (c *Config) fetch(ctx context.Context, grantType string, params url.Values) (*oauth2.Token, error) {
	if c.DeploymentID == "" {
		return nil, ErrNoDeploymentID
	}
	nonce := newNonce()
	form := session.Form(grantType, params)
	form.Set("deployment_id", c.DeploymentID)
	form.Set("nonce", nonce)
	endpoint := c.Endpoint
	if endpoint.TokenURL == "" {
		endpoint = epicoauth.EOSConnectEndpoint
	}
	tok, err := wire.RetrieveToken(ctx, &wire.Request{
		URL:          endpoint.TokenURL,
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Form:         form,
		UserAgent:    c.UserAgent,
		Clock:        c.Clock,

		Retry:             c.Retry,
		AllowInsecureHTTP: c.AllowInsecureHTTP,
	})
	if err != nil {
		return nil, err
	}
	if got := Nonce(tok); got != nonce {
		if got == "" {
			return nil, fmt.Errorf("%w: the response has no nonce", ErrNonceMismatch)
		}
		return nil, ErrNonceMismatch
	}
	return tok, nil
}

// newNonce returns 32 random hexadecimal characters (128 bits).
func newNonce() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("eos: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// String describes the Config without its client secret.
func (c Config) String() string {
	return "eos.Config{ClientID: " + c.ClientID + ", ClientSecret: " + redact.Marker + ", DeploymentID: " + c.DeploymentID + "}"
}

// GoString makes %#v as safe as %v.
func (c Config) GoString() string { return c.String() }

// LogValue makes log/slog print the redacted form.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

package epicoauth

import (
	"context"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/origin"
)

// ClientOption configures [NewClient] (and Config.Client in packages epic
// and eos).
type ClientOption interface {
	applyClient(*clientOptions)
}

type clientOptions struct {
	redirectHosts []string
}

type clientOptionFunc func(*clientOptions)

func (f clientOptionFunc) applyClient(o *clientOptions) { f(o) }

// BearerRedirectHosts lets the bearer token follow a redirect to the named
// hosts, such as a CDN host an Epic API sends you to. A host is a name or
// address as in url.URL.Hostname ("cdn.example.com"), matched exactly and
// without regard to case; a redirect from https to plain http never gets
// the token. Without this option the token goes only to the origin
// (scheme, host and port) of each request you make, as a browser would.
func BearerRedirectHosts(hosts ...string) ClientOption {
	return clientOptionFunc(func(o *clientOptions) { o.redirectHosts = append(o.redirectHosts, hosts...) })
}

// NewClient returns an HTTP client that authorizes every request with a
// token from src ("Authorization: Bearer ..."). Use it to call Epic's APIs
// with a token source of packages epic or eos; their Config.Client calls
// it.
//
// Like oauth2.NewClient, the client is a copy of the *http.Client in ctx
// (oauth2.HTTPClient), so its Transport, Timeout, Jar and CheckRedirect
// apply; without one it uses http.DefaultTransport. Unlike
// oauth2.NewClient it does not wrap src in a second cache
// (oauth2.ReuseTokenSource), which would judge expiry by the real clock
// instead of the source's, and it does not add the token to a redirected
// request that leaves the origin (scheme, host and port) of the request
// you made, which oauth2.Transport does on every hop; BearerRedirectHosts
// opts in for named hosts. A nil src returns the copy without a token.
func NewClient(ctx context.Context, src oauth2.TokenSource, opts ...ClientOption) *http.Client {
	c := &http.Client{}
	if ctx != nil {
		if hc, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && hc != nil {
			*c = *hc
		}
	}
	if src == nil {
		return c
	}
	var o clientOptions
	for _, opt := range opts {
		opt.applyClient(&o)
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &bearerTransport{bearer: &oauth2.Transport{Source: src, Base: base}, base: base, hosts: o.redirectHosts}
	return c
}

// bearerTransport adds the bearer token to a request unless it is a
// redirect out of the origin of the request the caller made.
type bearerTransport struct {
	bearer *oauth2.Transport
	base   http.RoundTripper
	hosts  []string // BearerRedirectHosts
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.mayCarry(req) {
		return t.bearer.RoundTrip(req)
	}
	if req.Header.Get("Authorization") != "" {
		req = req.Clone(req.Context()) // a RoundTripper must not change req
		req.Header.Del("Authorization")
	}
	return t.base.RoundTrip(req)
}

// mayCarry reports whether req may carry the bearer token: it is the
// caller's own request, or a redirect within that request's origin, or to
// an allowed host without a downgrade to plain http.
func (t *bearerTransport) mayCarry(req *http.Request) bool {
	first := req
	// net/http sets Response on each redirected request; its Request is
	// the hop before.
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	if first == req || origin.Same(first.URL, req.URL) {
		return true
	}
	if strings.EqualFold(first.URL.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https") {
		return false
	}
	for _, h := range t.hosts {
		if strings.EqualFold(strings.TrimSuffix(h, "."), strings.TrimSuffix(req.URL.Hostname(), ".")) {
			return true
		}
	}
	return false
}

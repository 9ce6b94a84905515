package wire

import (
	"context"
	"net"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// defaultClient is used when the context carries no *http.Client. Unlike
// http.DefaultClient it cannot hang forever: every stage of a request has a
// deadline.
var defaultClient = &http.Client{
	Timeout: 30 * time.Second,
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 20 * time.Second,
		ExpectContinueTimeout: time.Second,
	},
}

// HTTPClient returns the client stored in ctx under oauth2.HTTPClient, as
// golang.org/x/oauth2 does, or a default client with timeouts.
func HTTPClient(ctx context.Context) *http.Client {
	if ctx != nil {
		if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && c != nil {
			return c
		}
	}
	return defaultClient
}

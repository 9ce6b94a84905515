package epicoauth_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

const clientTestBearer = "at0SECRET0bearer0000000000000004"

// bearerLog records, per server, the Authorization header of every request
// it received.
type bearerLog struct {
	mu   sync.Mutex
	seen map[string][]string
}

func (l *bearerLog) handler(name string, next func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		if l.seen == nil {
			l.seen = map[string][]string{}
		}
		l.seen[name] = append(l.seen[name], r.Header.Get("Authorization"))
		l.mu.Unlock()
		if next != nil {
			next(w, r)
		}
	})
}

func (l *bearerLog) of(name string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[name]
}

// The bearer token goes to the origin of the request the caller made, and
// to another origin only when its host is allowed (and never over a
// downgrade to plain http).
func TestNewClientKeepsTheBearerInItsOrigin(t *testing.T) {
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: clientTestBearer, TokenType: "bearer"})
	tests := []struct {
		name   string
		target string // "same", "port" (same host, another port), "host" (localhost)
		status int
		method string
		opts   []epicoauth.ClientOption
		bearer bool // the target gets the token
	}{
		{name: "302 within the origin", target: "same", status: 302, method: "GET", bearer: true},
		{name: "302 to another port", target: "port", status: 302, method: "GET"},
		{name: "302 to another host", target: "host", status: 302, method: "GET"},
		{name: "307 POST to another host", target: "host", status: 307, method: "POST"},
		{name: "308 to another port", target: "port", status: 308, method: "GET"},
		{name: "302 to an allowed host", target: "host", status: 302, method: "GET", opts: []epicoauth.ClientOption{epicoauth.BearerRedirectHosts("LOCALHOST")}, bearer: true},
		{name: "302 to a host not allowed", target: "host", status: 302, method: "GET", opts: []epicoauth.ClientOption{epicoauth.BearerRedirectHosts("cdn.example.com")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bearerLog
			other := httptest.NewServer(log.handler("target", nil))
			defer other.Close()
			var first *httptest.Server
			first = httptest.NewServer(log.handler("first", func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/moved" {
					return
				}
				to := map[string]string{"same": first.URL, "port": other.URL, "host": strings.Replace(other.URL, "127.0.0.1", "localhost", 1)}[tt.target]
				http.Redirect(w, r, to+"/moved", tt.status)
			}))
			defer first.Close()

			client := epicoauth.NewClient(context.Background(), src, tt.opts...)
			req, err := http.NewRequest(tt.method, first.URL+"/start", strings.NewReader("a=b"))
			require.NoError(t, err)
			resp, err := client.Do(req)
			require.NoError(t, err)
			resp.Body.Close()

			name := "target"
			if tt.target == "same" {
				name = "first"
			}
			got := log.of(name)
			require.NotEmpty(t, got)
			hop := got[len(got)-1]
			assert.Equal(t, "Bearer "+clientTestBearer, log.of("first")[0], "the caller's own request carries the token")
			if tt.bearer {
				assert.Equal(t, "Bearer "+clientTestBearer, hop)
			} else {
				assert.Empty(t, hop, "the token does not leave its origin")
			}
		})
	}
}

// The client keeps the Timeout, Jar and CheckRedirect of the *http.Client
// in ctx, as oauth2.NewClient does, and its Transport carries the requests.
func TestNewClientKeepsTheContextClient(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			<-release
			return
		}
		http.Redirect(w, r, "/hang", http.StatusFound)
	}))
	defer srv.Close()
	defer close(release)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	var redirects, carried int
	var mu sync.Mutex
	base := &http.Client{
		Timeout: 100 * time.Millisecond,
		Jar:     jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			mu.Lock()
			redirects++
			mu.Unlock()
			return nil
		},
		Transport: roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			carried++
			mu.Unlock()
			return http.DefaultTransport.RoundTrip(r)
		}),
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, base)
	client := epicoauth.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: clientTestBearer}))
	assert.Same(t, jar, client.Jar)
	assert.Equal(t, base.Timeout, client.Timeout)

	_, err = client.Get(srv.URL + "/start")
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "the context client's Timeout applies: %v", err)
	mu.Lock()
	assert.Equal(t, 1, redirects, "the context client's CheckRedirect runs")
	assert.Equal(t, 2, carried, "the context client's Transport carries every hop")
	mu.Unlock()
	assert.NotSame(t, base, client)
	assert.IsType(t, roundTripperFunc(nil), base.Transport, "the context client is not changed")
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

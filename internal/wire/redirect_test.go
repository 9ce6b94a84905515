package wire

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// redirectHop is one request a redirect test server received.
type redirectHop struct {
	server, method, path, auth, body string
}

// redirectServers are an Epic endpoint that answers its first request with a
// redirect, and the places it may point to: another port of the same host
// and another host (localhost, while the endpoint is 127.0.0.1). Every
// request any of them receives is recorded.
type redirectServers struct {
	mu                   sync.Mutex
	hops                 []redirectHop
	endpoint, port, host *httptest.Server
	status               int
	location             func(s *redirectServers) string
}

func newRedirectServers(t *testing.T, status int, location func(s *redirectServers) string) *redirectServers {
	t.Helper()
	s := &redirectServers{status: status, location: location}
	handler := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body := make([]byte, 512)
			n, _ := r.Body.Read(body)
			s.mu.Lock()
			s.hops = append(s.hops, redirectHop{server: name, method: r.Method, path: r.URL.Path, auth: r.Header.Get("Authorization"), body: string(body[:n])})
			first := len(s.hops) == 1
			s.mu.Unlock()
			if first {
				w.Header().Set("Location", s.location(s))
				w.WriteHeader(s.status)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(fixture(t, "account-token-client_credentials.json"))
		}
	}
	s.endpoint = httptest.NewServer(handler("endpoint"))
	s.port = httptest.NewServer(handler("other port"))
	s.host = httptest.NewServer(handler("other host"))
	t.Cleanup(func() { s.endpoint.Close(); s.port.Close(); s.host.Close() })
	return s
}

// otherHost is the URL of s.host under the name localhost: same machine,
// another origin.
func (s *redirectServers) otherHost() string {
	return strings.Replace(s.host.URL, "127.0.0.1", "localhost", 1)
}

func (s *redirectServers) received() []redirectHop {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]redirectHop(nil), s.hops...)
}

// Token and session requests never follow a redirect out of their origin,
// and a request with a form or Basic credentials follows none: the refusal
// is a *epicoauth.RedirectError and nothing reaches the target.
func TestDoRedirectPolicy(t *testing.T) {
	const secretQuery = "?refresh_token=rt0SECRET0redirect0000000000000001"
	tokenForm := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt0SECRET0form0000000000000000002"}}
	tests := []struct {
		name     string
		status   int
		location func(s *redirectServers) string
		req      func(s *redirectServers) *Request
		followed bool // else refused
		insecure bool // the refusal also matches ErrInsecureHTTP
	}{
		{name: "token POST, 307 to another host", status: 307,
			location: func(s *redirectServers) string { return s.otherHost() + tokenPath + secretQuery },
			req: func(s *redirectServers) *Request {
				return &Request{URL: s.endpoint.URL + tokenPath, ClientID: testClientID, ClientSecret: testClientSecret, Form: tokenForm}
			}},
		{name: "token POST, 308 to another host over https", status: 308,
			location: func(*redirectServers) string { return "https://evil.example" + tokenPath },
			req: func(s *redirectServers) *Request {
				return &Request{URL: s.endpoint.URL + tokenPath, ClientID: testClientID, ClientSecret: testClientSecret, Form: tokenForm}
			}},
		{name: "token POST, 302 to another port", status: 302,
			location: func(s *redirectServers) string { return s.port.URL + tokenPath },
			req: func(s *redirectServers) *Request {
				return &Request{URL: s.endpoint.URL + tokenPath, ClientID: testClientID, ClientSecret: testClientSecret, Form: tokenForm}
			}},
		{name: "token POST, 307 to the same origin", status: 307,
			location: func(s *redirectServers) string { return s.endpoint.URL + "/elsewhere" },
			req: func(s *redirectServers) *Request {
				return &Request{URL: s.endpoint.URL + tokenPath, ClientID: testClientID, ClientSecret: testClientSecret, Form: tokenForm}
			}},
		{name: "Basic without a form, 308 to the same origin", status: 308,
			location: func(s *redirectServers) string { return s.endpoint.URL + "/elsewhere" },
			req: func(s *redirectServers) *Request {
				return &Request{Method: http.MethodDelete, URL: s.endpoint.URL + "/x", ClientID: testClientID, ClientSecret: testClientSecret}
			}},
		{name: "form without credentials, 303 to the same origin", status: 303,
			location: func(s *redirectServers) string { return s.endpoint.URL + "/elsewhere" },
			req: func(s *redirectServers) *Request {
				return &Request{URL: s.endpoint.URL + "/tokenInfo", Form: url.Values{"token": {"at0SECRET0introspected00000000003"}}}
			}},
		{name: "bearer GET, 302 to another port (Verify)", status: 302,
			location: func(s *redirectServers) string { return s.port.URL + "/account/api/oauth/verify" },
			req: func(s *redirectServers) *Request {
				return &Request{URL: s.endpoint.URL + "/account/api/oauth/verify", Bearer: "at0SECRET0bearer0000000000000004"}
			}},
		{name: "bearer GET, 301 to another host", status: 301,
			location: func(s *redirectServers) string { return s.otherHost() + "/x" + secretQuery },
			req: func(s *redirectServers) *Request {
				return &Request{URL: s.endpoint.URL + "/x", Bearer: "at0SECRET0bearer0000000000000004"}
			}},
		{name: "bearer GET, 302 to plain http on a remote host", status: 302, insecure: true,
			location: func(*redirectServers) string { return "http://evil.example/x" },
			req: func(s *redirectServers) *Request {
				return &Request{URL: s.endpoint.URL + "/x", Bearer: "at0SECRET0bearer0000000000000004"}
			}},
		{name: "bearer GET, 302 within the origin is followed", status: 302, followed: true,
			location: func(*redirectServers) string { return "/account/api/oauth/verify?moved=1" },
			req: func(s *redirectServers) *Request {
				return &Request{URL: s.endpoint.URL + "/old/verify", Bearer: "at0SECRET0bearer0000000000000004"}
			}},
		{name: "bearer DELETE, 307 within the origin is followed", status: 307, followed: true,
			location: func(s *redirectServers) string { return s.endpoint.URL + "/account/api/oauth/sessions/kill/x" },
			req: func(s *redirectServers) *Request {
				return &Request{Method: http.MethodDelete, URL: s.endpoint.URL + "/old/kill", Bearer: "at0SECRET0bearer0000000000000004"}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newRedirectServers(t, tt.status, tt.location)
			req := tt.req(s)
			_, err := Do(context.Background(), req)
			hops := s.received()
			if tt.followed {
				require.NoError(t, err)
				require.Len(t, hops, 2)
				assert.Equal(t, "endpoint", hops[1].server)
				assert.Equal(t, cmp.Or(req.Method, http.MethodGet), hops[1].method)
				assert.Equal(t, "bearer "+req.Bearer, hops[1].auth, "the bearer stays within its origin")
				return
			}
			var re *epicoauth.RedirectError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.status, re.StatusCode)
			assert.Len(t, hops, 1, "nothing reaches the target")
			assert.Equal(t, tt.insecure, errors.Is(err, epicoauth.ErrInsecureHTTP))
			var temp interface{ Temporary() bool }
			assert.False(t, errors.As(err, &temp) && temp.Temporary(), "not temporary")
			text := err.Error()
			assert.Contains(t, text, fmt.Sprintf("refused to follow a redirect (%d %s) to %s", tt.status, http.StatusText(tt.status), re.Target))
			assert.NotContains(t, text, "SECRET")
			assert.NotContains(t, re.Target, "SECRET")
			if strings.Contains(tt.location(s), "?") {
				assert.Contains(t, re.Target, "?[REDACTED]")
			}
		})
	}
}

// A refused redirect is never retried, even for a grant that may be resent.
func TestRetrieveTokenDoesNotRetryARedirect(t *testing.T) {
	s := newRedirectServers(t, 307, func(s *redirectServers) string { return s.port.URL + tokenPath })
	req := &Request{URL: s.endpoint.URL + tokenPath, ClientID: testClientID, ClientSecret: testClientSecret, Form: clientCredentials, Clock: newFakeClock()}
	_, err := RetrieveToken(context.Background(), req)
	var re *epicoauth.RedirectError
	require.ErrorAs(t, err, &re)
	assert.Len(t, s.received(), 1)
}

// The caller's client keeps its Transport, Jar, Timeout and CheckRedirect
// (which runs after ours on an allowed hop) and is not changed.
func TestDoRedirectPolicyKeepsCallersClient(t *testing.T) {
	s := newRedirectServers(t, 302, func(*redirectServers) string { return "/moved" })
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	var asked, carried int
	theirs := func(*http.Request, []*http.Request) error { asked++; return nil }
	client := &http.Client{
		Timeout: 7 * time.Second,
		Jar:     jar,
		Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			carried++
			return http.DefaultTransport.RoundTrip(r)
		}),
		CheckRedirect: theirs,
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
	_, err = Do(ctx, &Request{URL: s.endpoint.URL + "/x", Bearer: "at0SECRET0bearer0000000000000004"})
	require.NoError(t, err)
	assert.Equal(t, 1, asked, "the caller's CheckRedirect runs on an allowed hop")
	assert.Equal(t, 2, carried, "both hops go through the caller's transport")
	assert.Equal(t, 7*time.Second, client.Timeout)
	assert.Same(t, jar, client.Jar)
	assert.NotNil(t, client.CheckRedirect, "the caller's client is not changed")

	// The caller's policy cannot loosen ours.
	client.CheckRedirect = nil
	s2 := newRedirectServers(t, 307, func(s *redirectServers) string { return s.port.URL })
	_, err = Do(ctx, &Request{URL: s2.endpoint.URL, Bearer: "at0SECRET0bearer0000000000000004"})
	var re *epicoauth.RedirectError
	require.ErrorAs(t, err, &re)

	// The limit of ten redirects holds without a CheckRedirect of theirs.
	g := withRedirectPolicy(&http.Client{}, &Request{}, nil)
	r, _ := http.NewRequest(http.MethodGet, "https://example.com/", nil)
	via := []*http.Request{r}
	for len(via) < maxRedirects {
		via = append(via, r)
	}
	assert.Error(t, g.CheckRedirect(r, via))
	assert.NoError(t, g.CheckRedirect(r, via[:maxRedirects-1]))
}

package wire

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
)

// Helpers shared by the retry, hostile-response and redirect tests.

const (
	testClientID     = "ec684b8c687f479fadea3cb2ad83f5c6"
	testClientSecret = "e1f31c211f28413186262d37a13fc84d"
	tokenPath        = "/account/api/oauth/token"
)

// fixture reads a recorded Epic payload (copied from shared/fixtures).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures", name))
	require.NoError(t, err)
	return b
}

// fakeClock is a Clock whose Sleep returns at once and moves Now on; it
// records every wait so tests can check them without sleeping.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	sleeps  []time.Duration
	onSleep func() // called before a Sleep returns, if set
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2023, 11, 12, 9, 29, 34, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	hook := c.onSleep
	c.mu.Unlock()
	if hook != nil {
		hook()
	}
	return ctx.Err()
}

func (c *fakeClock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// reply is one scripted answer of a scriptServer.
type reply struct {
	status int
	header http.Header
	body   []byte
	reset  bool // close the connection after reading the request, without answering
}

func ok(body []byte) reply { return reply{status: http.StatusOK, body: body} }

func status(code int, body []byte) reply { return reply{status: code, body: body} }

// received is one request as the server saw it.
type received struct {
	method, path string
	form         url.Values
	user, pass   string
	header       http.Header
}

// scriptServer answers the n-th request with replies[n] (the last reply
// repeats) and records every request.
type scriptServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newScriptServer(t *testing.T, replies ...reply) *scriptServer {
	t.Helper()
	s := &scriptServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		user, pass, _ := r.BasicAuth()
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, received{method: r.Method, path: r.URL.Path, form: r.PostForm, user: user, pass: pass, header: r.Header.Clone()})
		s.mu.Unlock()
		rep := replies[min(n, len(replies)-1)]
		if rep.reset {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		for k, vs := range rep.header {
			w.Header()[k] = vs
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scriptServer) requests() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.reqs...)
}

// tokenRequest is a token request to s with form, on clock.
func (s *scriptServer) tokenRequest(form url.Values, clock epicoauth.Clock, retry *epicoauth.RetryPolicy) *Request {
	return &Request{
		URL:          s.URL + tokenPath,
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		Form:         form,
		Clock:        clock,
		Retry:        retry,
	}
}

// assertTokenRequests checks that every request s received is the exact
// token request: method, path, Basic auth, headers and form.
func assertTokenRequests(t *testing.T, s *scriptServer, form url.Values, n int) {
	t.Helper()
	reqs := s.requests()
	require.Len(t, reqs, n, "requests that reached the server")
	for i, r := range reqs {
		assert.Equal(t, http.MethodPost, r.method, "request %d", i)
		assert.Equal(t, tokenPath, r.path, "request %d", i)
		assert.Equal(t, testClientID, r.user, "request %d", i)
		assert.Equal(t, testClientSecret, r.pass, "request %d", i)
		assert.Equal(t, "application/x-www-form-urlencoded", r.header.Get("Content-Type"), "request %d", i)
		assert.Equal(t, "application/json", r.header.Get("Accept"), "request %d", i)
		assert.Equal(t, epicoauth.DefaultUserAgent, r.header.Get("User-Agent"), "request %d", i)
		assert.Equal(t, form, r.form, "request %d", i)
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// cannedResponse answers r with status and body.
func cannedResponse(r *http.Request, status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{
		StatusCode: status,
		Status:     http.StatusText(status),
		Header:     header,
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    r,
	}
}

package wire

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// fixedClock is an epicoauth.Clock that always says the same time.
type fixedClock time.Time

func (c fixedClock) Now() time.Time                                   { return time.Time(c) }
func (c fixedClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// arrival is when fixedClock says responses arrive: years after the
// fixtures' expires_at, so a test can tell the two apart.
var arrival = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// seen is what a test server recorded of one request.
type seen struct {
	method, path, query string
	header              http.Header
	body                string
	user, pass          string
	basic               bool
}

// recordServer answers every request with status and body and records it.
func recordServer(t *testing.T, status int, header http.Header, body []byte) (*httptest.Server, *seen) {
	t.Helper()
	var s seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		s = seen{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, header: r.Header.Clone(), body: string(b)}
		s.user, s.pass, s.basic = r.BasicAuth()
		for k, vs := range header {
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &s
}

func TestDoSendsTheRequestEnvelope(t *testing.T) {
	// The Dauntless client's secret has characters x/oauth2 would escape.
	const reservedSecret = "HG@XE&TGCxEJsgT#&_p2]=aRo#~>=>+c6PhR)zXP"
	form := url.Values{"grant_type": {"device_auth"}, "account_id": {"94b1569506b04f9f8557af611e8c5e47"}, "device_id": {"435b52ece6d347479531c5132e209e53"}, "secret": {"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}}
	tests := []struct {
		name       string
		req        Request
		wantMethod string
		wantUA     string
		wantAuth   string // the raw Authorization header when not Basic
		wantUser   string
		wantPass   string
		wantDevice string
		wantForm   url.Values
	}{
		{
			name:       "form post with basic auth and the default user agent",
			req:        Request{ClientID: testClientID, ClientSecret: testClientSecret, Form: form},
			wantMethod: http.MethodPost, wantUA: epicoauth.DefaultUserAgent,
			wantUser: testClientID, wantPass: testClientSecret, wantForm: form,
		},
		{
			name: "user agent and device id",
			req: Request{ClientID: testClientID, ClientSecret: testClientSecret, Form: form, UserAgent: "MyLauncher/1.0",
				Header: http.Header{epicoauth.DeviceIDHeader: {"63e3b71af76e4fc48841b92c5eb3d69d"}}},
			wantMethod: http.MethodPost, wantUA: "MyLauncher/1.0", wantDevice: "63e3b71af76e4fc48841b92c5eb3d69d",
			wantUser: testClientID, wantPass: testClientSecret, wantForm: form,
		},
		{
			name:       "secret with reserved characters goes unescaped",
			req:        Request{ClientID: "b070f20729f84693b5d621c904fc5bc2", ClientSecret: reservedSecret, Form: form},
			wantMethod: http.MethodPost, wantUA: epicoauth.DefaultUserAgent,
			wantUser: "b070f20729f84693b5d621c904fc5bc2", wantPass: reservedSecret, wantForm: form,
		},
		{
			name:       "bearer GET without a body",
			req:        Request{Bearer: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
			wantMethod: http.MethodGet, wantUA: epicoauth.DefaultUserAgent, wantAuth: "bearer aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		},
		{
			name:       "explicit method with a form",
			req:        Request{Method: http.MethodDelete, ClientID: testClientID, ClientSecret: testClientSecret, Form: url.Values{"prompt": {"login"}}},
			wantMethod: http.MethodDelete, wantUA: epicoauth.DefaultUserAgent,
			wantUser: testClientID, wantPass: testClientSecret, wantForm: url.Values{"prompt": {"login"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := recordServer(t, http.StatusOK, nil, fixture(t, "account-token-client_credentials.json"))
			req := tt.req
			req.URL = srv.URL + "/account/api/oauth/token"
			resp, err := Do(context.Background(), &req)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.JSONEq(t, string(fixture(t, "account-token-client_credentials.json")), string(resp.Body))

			assert.Equal(t, tt.wantMethod, got.method)
			assert.Equal(t, "/account/api/oauth/token", got.path)
			assert.Empty(t, got.query)
			assert.Equal(t, "application/json", got.header.Get("Accept"))
			assert.Equal(t, tt.wantUA, got.header.Get("User-Agent"))
			assert.Equal(t, tt.wantDevice, got.header.Get(epicoauth.DeviceIDHeader))
			if tt.wantAuth != "" {
				assert.False(t, got.basic)
				assert.Equal(t, tt.wantAuth, got.header.Get("Authorization"))
			} else {
				require.True(t, got.basic, "Basic auth")
				assert.Equal(t, tt.wantUser, got.user)
				assert.Equal(t, tt.wantPass, got.pass)
			}
			if tt.wantForm == nil {
				assert.Empty(t, got.body)
				assert.Empty(t, got.header.Get("Content-Type"))
				return
			}
			assert.Equal(t, "application/x-www-form-urlencoded", got.header.Get("Content-Type"))
			gotForm, err := url.ParseQuery(got.body)
			require.NoError(t, err)
			assert.Equal(t, tt.wantForm, gotForm)
		})
	}
}

// countingTransport counts the requests that go through it.
type countingTransport struct {
	n    atomic.Int32
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func TestDoUsesTheClientFromTheContext(t *testing.T) {
	srv, _ := recordServer(t, http.StatusOK, nil, fixture(t, "account-token-client_credentials.json"))
	tr := &countingTransport{base: srv.Client().Transport}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: tr})

	_, err := Do(ctx, &Request{URL: srv.URL, Form: url.Values{"grant_type": {"client_credentials"}}})
	require.NoError(t, err)
	assert.Equal(t, int32(1), tr.n.Load())

	assert.Same(t, defaultClient, HTTPClient(context.Background()))
	assert.NotZero(t, defaultClient.Timeout, "the default client must not wait forever")
}

func TestDoStampsTheArrivalTime(t *testing.T) {
	srv, _ := recordServer(t, http.StatusOK, nil, fixture(t, "account-token-client_credentials.json"))
	resp, err := Do(context.Background(), &Request{URL: srv.URL, Form: url.Values{}, Clock: fixedClock(arrival)})
	require.NoError(t, err)
	assert.Equal(t, arrival, resp.Received)
}

func TestDoBodyLimit(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{"exactly the limit", MaxBodyBytes, false},
		{"one byte over", MaxBodyBytes + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A JSON string padded to size, so only the size can be wrong.
			body := []byte(`"` + strings.Repeat("a", tt.size-2) + `"`)
			srv, _ := recordServer(t, http.StatusOK, nil, body)
			resp, err := Do(context.Background(), &Request{URL: srv.URL})
			if !tt.wantErr {
				require.NoError(t, err)
				assert.Len(t, resp.Body, tt.size)
				return
			}
			var e *epicoauth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, http.StatusOK, e.StatusCode)
			assert.Contains(t, e.Detail, "exceeds")
			assert.Contains(t, err.Error(), "200")
			assert.Nil(t, resp)
		})
	}
}

func TestDoCancelledContext(t *testing.T) {
	srv, _ := recordServer(t, http.StatusOK, nil, fixture(t, "account-token-client_credentials.json"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Do(ctx, &Request{URL: srv.URL + "/?code=" + "dddddddddddddddddddddddddddddddd", Form: url.Values{"code": {"dddddddddddddddddddddddddddddddd"}}})
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled))
	assert.NotContains(t, err.Error(), "dddddddddddddddddddddddddddddddd")
}

package epictest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth/epictest"
)

// fx is a fake with one client and one account, and raw HTTP helpers for
// the endpoints the library does not call itself.
type fx struct {
	t      *testing.T
	ctx    context.Context
	srv    *epictest.Server
	client epictest.Client
	alice  epictest.Account
}

func newFx(t *testing.T) *fx {
	t.Helper()
	srv := epictest.NewServer(nil)
	t.Cleanup(srv.Close)
	return &fx{
		t: t, ctx: context.Background(), srv: srv,
		client: srv.DefaultClient(),
		alice:  srv.AddAccount(epictest.Account{DisplayName: "alice"}),
	}
}

// reply is a raw HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map (or fails the test).
func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// do sends a request, without following a redirect; a non-nil form is
// sent as a form body.
func (f *fx) do(method, path string, h http.Header, form url.Values) reply {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(f.ctx, method, f.srv.URL+path, body)
	require.NoError(f.t, err)
	for k, vs := range h {
		req.Header[k] = vs
	}
	if form != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := *f.srv.HTTPClient()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse } // raw: the redirect itself
	resp, err := client.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func basic(c epictest.Client) http.Header {
	return http.Header{"Authorization": {"basic " + base64.StdEncoding.EncodeToString([]byte(c.ID+":"+c.Secret))}}
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"bearer " + token}}
}

// with adds a header to h.
func with(h http.Header, k, v string) http.Header {
	h = h.Clone()
	h.Set(k, v)
	return h
}

// token posts a token request for the default client and requires success.
func (f *fx) token(form url.Values, h http.Header) map[string]any {
	f.t.Helper()
	if h == nil {
		h = basic(f.client)
	}
	r := f.do(http.MethodPost, epictest.AccountTokenPath, h, form)
	require.Equal(f.t, http.StatusOK, r.status, "body: %s", r.body)
	return r.json(f.t)
}

// clientToken returns a client_credentials access token.
func (f *fx) clientToken() string {
	return f.token(url.Values{"grant_type": {"client_credentials"}}, nil)["access_token"].(string)
}

// userToken logs alice in with a fresh exchange code.
func (f *fx) userToken(extra url.Values) map[string]any {
	form := url.Values{"grant_type": {"exchange_code"}, "exchange_code": {f.srv.NewExchangeCode(f.alice.ID, f.client.ID)}}
	for k, v := range extra {
		form[k] = v
	}
	return f.token(form, nil)
}

// errorCode returns the errorCode of an error reply.
func errorCode(t *testing.T, r reply) string {
	t.Helper()
	code, _ := r.json(t)["errorCode"].(string)
	return code
}

// headerOr returns fn(f), or Basic auth of the default client when fn is
// nil: the usual header of a table case.
func headerOr(f *fx, fn func(*fx) http.Header) http.Header {
	if fn == nil {
		return basic(f.client)
	}
	return fn(f)
}

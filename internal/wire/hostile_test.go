package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/report"
)

// The access and refresh tokens of account-token-exchange_code.json.
const (
	fixtureAccess  = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	fixtureRefresh = "cccccccccccccccccccccccccccccccc"
)

// absent removes a field in tokenBody.
type absent struct{}

// tokenBody is the exchange_code token response with fields changed.
func tokenBody(t *testing.T, edits map[string]any) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "account-token-exchange_code.json"), &m))
	for k, v := range edits {
		if _, ok := v.(absent); ok {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// TestHostileTokenResponses gives every broken or hostile answer to a token
// request its defined outcome (see ParseToken and SECURITY.md): a typed
// error that keeps no credential, or a token whose expiry errs on the side
// of renewing early.
func TestHostileTokenResponses(t *testing.T) {
	html := []byte("<!DOCTYPE html><html><head><title>Access denied</title></head><body>Request blocked by the proxy</body></html>")
	exchange := fixture(t, "account-token-exchange_code.json")
	truncated := exchange[:bytes.Index(exchange, []byte(fixtureAccess))+10]
	pastAt := "2023-08-30T18:29:11.892Z"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        []byte
		// For a failure: text Detail contains, or ErrorCode.
		detail, code string
		// For a token: its Expiry is received+expiry (so expired on
		// arrival when expiry is 0), or absExpiry, or zero when noExpiry.
		expiry    time.Duration
		absExpiry string
		noExpiry  bool
		expiresIn int64
		// reported are the fields the token was kept without, in order.
		reported []string
		check    func(t *testing.T, tok *oauth2.Token)
	}{
		{name: "html page on 200", status: 200, contentType: "text/html", body: html, detail: `response is not a JSON object (text/html): "<!DOCTYPE html>`},
		{name: "plain text on 200", status: 200, contentType: "text/plain", body: []byte("OK"), detail: `response is not a JSON object (text/plain): "OK"`},
		{name: "empty 200", status: 200, body: nil, detail: `response is not a JSON object`},
		{name: "JSON array", status: 200, body: []byte(`[` + string(exchange) + `]`), detail: "response is not a JSON object"},
		{name: "JSON null", status: 200, body: []byte(`null`), detail: "response is not a JSON object"},
		{name: "truncated JSON", status: 200, body: truncated, detail: "response is not valid JSON: unexpected end of JSON input"},
		{name: "trailing garbage", status: 200, body: append(append([]byte{}, exchange...), "}"...), detail: "response is not valid JSON: invalid character '}' after top-level value"},
		{name: "missing access_token", status: 200, body: tokenBody(t, map[string]any{"access_token": absent{}}), detail: "response has no access_token"},
		{name: "null access_token", status: 200, body: tokenBody(t, map[string]any{"access_token": nil}), detail: "response has no access_token"},
		{name: "empty access_token", status: 200, body: tokenBody(t, map[string]any{"access_token": ""}), detail: "access_token is empty"},
		{name: "numeric access_token", status: 200, body: tokenBody(t, map[string]any{"access_token": 12345}), detail: "access_token is not a string"},
		{name: "object access_token", status: 200, body: tokenBody(t, map[string]any{"access_token": map[string]any{"value": fixtureAccess}}), detail: "access_token is not a string"},
		{name: "access_token with a header break", status: 200, body: tokenBody(t, map[string]any{"access_token": fixtureAccess + "\r\nX-Injected: 1"}), detail: "access_token has characters other than printable ASCII"},
		{name: "access_token with invalid UTF-8", status: 200, body: tokenBodyRaw(exchange, `"access_token": "bbbb`, "\"access_token\": \"\xffbbb"), detail: "access_token has characters other than printable ASCII"},
		// A credential is never altered: encoding/json would turn 0xFF into
		// U+FFFD and the refresh token sent back would not be Epic's.
		{name: "refresh_token with invalid UTF-8", status: 200, body: tokenBodyRaw(exchange, `"refresh_token": "cccc`, "\"refresh_token\": \"\xffccc"), detail: "refresh_token has characters other than printable ASCII"},
		{name: "refresh_token with an escaped non-ASCII character", status: 200, body: tokenBodyRaw(exchange, `"refresh_token": "cccc`, `"refresh_token": "\u00e9ccc`), detail: "refresh_token has characters other than printable ASCII"},
		{name: "duplicated refresh_token", status: 200, body: tokenBodyRaw(exchange, `"refresh_token": "cccccccccccccccccccccccccccccccc",`, `"refresh_token": "cccccccccccccccccccccccccccccccc", "refresh_token": "dddddddddddddddddddddddddddddddd",`), detail: `response repeats the key "refresh_token"`},
		{name: "duplicated access_token", status: 200, body: tokenBodyRaw(exchange, `"access_token": "`+fixtureAccess+`",`, `"access_token": "`+fixtureAccess+`", "access_token": "dddddddddddddddddddddddddddddddd",`), detail: `response repeats the key "access_token"`},
		{name: "error body on 200", status: 200, body: fixture(t, "error-invalid_refresh_token.json"), code: epicoauth.ErrorCodeInvalidRefreshToken},
		{name: "error body and a token on 200", status: 200, body: tokenBody(t, map[string]any{"errorCode": epicoauth.ErrorCodeServerError}), code: epicoauth.ErrorCodeServerError},
		{name: "body over 1 MiB", status: 200, body: append(tokenBody(t, nil), bytes.Repeat([]byte(" "), MaxBodyBytes)...), detail: "response body exceeds 1048576 bytes"},
		{name: "10 MiB body", status: 200, body: bytes.Repeat([]byte(`{"access_token":"`+fixtureAccess+`"}`), 10<<20/46), detail: "response body exceeds 1048576 bytes"},
		{name: "10 MiB error page", status: 502, contentType: "text/html", body: bytes.Repeat(html, 10<<20/len(html)), detail: "response body exceeds 1048576 bytes"},

		{name: "body of exactly 1 MiB", status: 200, body: padTo(tokenBody(t, nil), MaxBodyBytes), expiry: 2 * time.Hour, expiresIn: 7200},
		{name: "recorded exchange_code response", status: 200, body: exchange, expiry: 2 * time.Hour, expiresIn: 7200, check: func(t *testing.T, tok *oauth2.Token) {
			assert.Equal(t, fixtureAccess, tok.AccessToken)
			assert.Equal(t, fixtureRefresh, tok.RefreshToken)
			assert.Equal(t, "bearer", tok.TokenType)
			assert.Equal(t, "94b1569506b04f9f8557af611e8c5e47", tok.Extra("account_id"))
		}},
		{name: "numeric token_type is ignored", status: 200, body: tokenBody(t, map[string]any{"token_type": 1}), expiry: 2 * time.Hour, expiresIn: 7200, reported: []string{"token_type"}, check: func(t *testing.T, tok *oauth2.Token) {
			assert.Empty(t, tok.TokenType)
			assert.Equal(t, "Bearer", tok.Type())
		}},
		{name: "object refresh_token is ignored, the access token kept", status: 200, body: tokenBody(t, map[string]any{"refresh_token": map[string]any{}}), expiry: 2 * time.Hour, expiresIn: 7200, reported: []string{"refresh_token"}, check: func(t *testing.T, tok *oauth2.Token) {
			assert.Equal(t, fixtureAccess, tok.AccessToken)
			assert.Empty(t, tok.RefreshToken)
		}},
		{name: "expires_in as a numeric string", status: 200, body: tokenBody(t, map[string]any{"expires_in": "7200"}), expiry: 2 * time.Hour, expiresIn: 7200},
		{name: "negative expires_in falls back to a past expires_at", status: 200, body: tokenBody(t, map[string]any{"expires_in": -5}), absExpiry: pastAt, reported: []string{"expires_in"}},
		{name: "negative expires_in alone: expired on arrival", status: 200, body: tokenBody(t, map[string]any{"expires_in": -5, "expires_at": absent{}}), reported: []string{"expires_in"}},
		{name: "zero expires_in alone: expired on arrival", status: 200, body: tokenBody(t, map[string]any{"expires_in": 0, "expires_at": absent{}}), reported: []string{"expires_in"}},
		{name: "expires_in of the wrong type: expired on arrival", status: 200, body: tokenBody(t, map[string]any{"expires_in": "soon", "expires_at": absent{}}), reported: []string{"expires_in"}},
		{name: "expires_in as an object: expired on arrival", status: 200, body: tokenBody(t, map[string]any{"expires_in": map[string]any{"s": 1}, "expires_at": absent{}}), reported: []string{"expires_in"}},
		{name: "huge expires_in is capped", status: 200, body: tokenBody(t, map[string]any{"expires_in": 1e300}), expiry: MaxLifetime, expiresIn: int64(MaxLifetime / time.Second)},
		{name: "a year of expires_in is capped", status: 200, body: tokenBody(t, map[string]any{"expires_in": 365 * 24 * 3600}), expiry: MaxLifetime, expiresIn: int64(MaxLifetime / time.Second)},
		{name: "expires_at in the past is ignored next to expires_in", status: 200, body: exchange, expiry: 2 * time.Hour, expiresIn: 7200},
		{name: "expires_at in the past alone: expired", status: 200, body: tokenBody(t, map[string]any{"expires_in": absent{}}), absExpiry: pastAt},
		{name: "expires_at far ahead is capped", status: 200, body: tokenBody(t, map[string]any{"expires_in": absent{}, "expires_at": "2999-01-01T00:00:00Z"}), expiry: MaxLifetime, expiresIn: int64(MaxLifetime / time.Second)},
		{name: "expires_at of the zero time: expired on arrival", status: 200, body: tokenBody(t, map[string]any{"expires_in": absent{}, "expires_at": "0001-01-01T00:00:00Z"}), reported: []string{"expires_at"}},
		{name: "garbled expires_at alone: expired on arrival", status: 200, body: tokenBody(t, map[string]any{"expires_in": absent{}, "expires_at": "tomorrow"}), reported: []string{"expires_at"}},

		// Salvage: Epic has rotated the refresh token by the time it sends
		// these, so the token is kept without the broken optional field,
		// which is reported.
		{name: "expires_in out of float range", status: 200, body: tokenBodyRaw(exchange, `"expires_in": 7200`, `"expires_in": 1e309`), absExpiry: pastAt, reported: []string{"expires_in"}, check: keepsCredentials},
		{name: "expires_in out of range, no expires_at: expired on arrival", status: 200, body: tokenBodyRaw(tokenBody(t, map[string]any{"expires_at": absent{}}), `"expires_in":7200`, `"expires_in":1e309`), reported: []string{"expires_in"}, check: keepsCredentials},
		{name: "repeated expires_in", status: 200, body: tokenBodyRaw(exchange, `"expires_in": 7200,`, `"expires_in": 7200, "expires_in": 999999,`), absExpiry: pastAt, reported: []string{"expires_in"}, check: keepsCredentials},
		{name: "refresh_expires out of float range", status: 200, body: tokenBodyRaw(exchange, `"refresh_expires": 28800`, `"refresh_expires": 1e309`), expiry: 2 * time.Hour, expiresIn: 7200, reported: []string{"refresh_expires"}, check: func(t *testing.T, tok *oauth2.Token) {
			keepsCredentials(t, tok)
			assert.Nil(t, tok.Extra("refresh_expires"), "counts as absent")
			assert.Equal(t, time.Date(2023, 8, 31, 0, 29, 11, 893e6, time.UTC), RefreshExpiry(tok), "refresh_expires_at applies")
		}},
		{name: "unknown field out of float range", status: 200, body: tokenBodyRaw(exchange, `"expires_in": 7200,`, `"expires_in": 7200, "x_new": 1e309,`), expiry: 2 * time.Hour, expiresIn: 7200, reported: []string{"x_new"}, check: keepsCredentials},
		{name: "nested number out of float range", status: 200, body: tokenBodyRaw(exchange, `"expires_in": 7200,`, `"expires_in": 7200, "perms": [{"action": -1e309}],`), expiry: 2 * time.Hour, expiresIn: 7200, reported: []string{"perms"}, check: keepsCredentials},
		{name: "account_id of the wrong type", status: 200, body: tokenBody(t, map[string]any{"account_id": 42}), expiry: 2 * time.Hour, expiresIn: 7200, reported: []string{"account_id"}, check: keepsCredentials},
		{name: "refresh_expires of the wrong type", status: 200, body: tokenBody(t, map[string]any{"refresh_expires": "later"}), expiry: 2 * time.Hour, expiresIn: 7200, reported: []string{"refresh_expires"}, check: keepsCredentials},
		{name: "no expiry fields: no expiry, as x/oauth2", status: 200, body: tokenBody(t, map[string]any{"expires_in": absent{}, "expires_at": absent{}}), noExpiry: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{}
			if tt.contentType != "" {
				header.Set("Content-Type", tt.contentType)
			}
			srv := newScriptServer(t, reply{status: tt.status, header: header, body: tt.body})
			clock := newFakeClock()
			var reported []string
			ctx := report.With(context.Background(), func(err error) {
				var m *epicoauth.MalformedFieldError
				require.ErrorAs(t, err, &m)
				reported = append(reported, m.Field)
			})
			tok, err := RetrieveToken(ctx, srv.tokenRequest(exchangeCode, clock, epicoauth.NoRetry()))
			assertTokenRequests(t, srv, exchangeCode, 1)
			if tt.detail != "" || tt.code != "" {
				require.Error(t, err)
				assert.Nil(t, tok)
				var e *epicoauth.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tt.status, e.StatusCode)
				assert.Contains(t, e.Detail, tt.detail)
				assert.Equal(t, tt.code, e.ErrorCode)
				assert.LessOrEqual(t, len(e.Body), MaxBodyBytes)
				assertNoCredential(t, e)
				return
			}
			require.NoError(t, err)
			received := clock.Now()
			switch {
			case tt.noExpiry:
				assert.True(t, tok.Expiry.IsZero())
			case tt.absExpiry != "":
				want, err := time.Parse(time.RFC3339Nano, tt.absExpiry)
				require.NoError(t, err)
				assert.Equal(t, want, tok.Expiry)
			default:
				assert.Equal(t, received.Add(tt.expiry), tok.Expiry)
			}
			assert.Equal(t, tt.expiresIn, tok.ExpiresIn)
			assert.ElementsMatch(t, tt.reported, reported, "the fields the token was kept without")
			for _, k := range reported {
				assert.Nil(t, tok.Extra(k), "a reported field counts as absent")
			}
			if tt.check != nil {
				tt.check(t, tok)
			}
		})
	}
}

// tokenBodyRaw replaces old with new in body, for shapes json.Marshal
// cannot produce.
// keepsCredentials checks that a salvaged token kept both tokens of the
// recorded response, byte for byte.
func keepsCredentials(t *testing.T, tok *oauth2.Token) {
	t.Helper()
	assert.Equal(t, fixtureAccess, tok.AccessToken)
	assert.Equal(t, fixtureRefresh, tok.RefreshToken)
}

func tokenBodyRaw(body []byte, old, new string) []byte {
	if !bytes.Contains(body, []byte(old)) {
		panic("tokenBodyRaw: " + old + " not in body")
	}
	return bytes.Replace(body, []byte(old), []byte(new), 1)
}

// padTo pads a JSON body with spaces up to n bytes.
func padTo(body []byte, n int) []byte {
	return append(body, bytes.Repeat([]byte(" "), n-len(body))...)
}

// assertNoCredential checks that an error keeps none of the credentials of
// the exchange_code fixture, the request or the client.
func assertNoCredential(t *testing.T, e *epicoauth.Error) {
	t.Helper()
	for _, secret := range []string{fixtureAccess, fixtureRefresh, "dddddddddddddddddddddddddddddddd", testClientSecret, exchangeCode.Get("exchange_code"), fixtureAccess[:10]} {
		assert.NotContains(t, e.Error(), secret)
		assert.NotContains(t, string(e.Body), secret)
		if e.Response != nil && e.Response.Request != nil {
			assert.Empty(t, e.Response.Request.Header.Get("Authorization"), "the error must not lead to the Basic header")
			assert.Nil(t, e.Response.Request.GetBody, "nor to the form")
		}
	}
}

func TestParseErrorRetryAfter(t *testing.T) {
	date := "Sun, 12 Nov 2023 09:29:34 GMT"
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   time.Duration
	}{
		{"messageVars", 429, nil, `{"errorCode":"errors.com.epicgames.common.throttled","messageVars":["5588"]}`, 5588 * time.Second},
		{"header before messageVars", 429, http.Header{"Retry-After": {"12"}}, `{"errorCode":"errors.com.epicgames.common.throttled","messageVars":["5588"]}`, 12 * time.Second},
		{"message when messageVars is not a number", 429, nil, `{"errorCode":"errors.com.epicgames.common.throttled","errorMessage":"please try again in 120 second(s).","messageVars":["soon"]}`, 120 * time.Second},
		{"HTTP date counted from the server's Date", 429, http.Header{"Retry-After": {"Sun, 12 Nov 2023 09:30:04 GMT"}, "Date": {date}}, `{}`, 30 * time.Second},
		{"negative header falls back to messageVars", 429, http.Header{"Retry-After": {"-5"}}, `{"errorCode":"errors.com.epicgames.common.throttled","messageVars":["7"]}`, 7 * time.Second},
		{"huge header is capped", 429, http.Header{"Retry-After": {"99999999999999999999999"}}, `{}`, maxRetryAfter},
		{"header that overflows a Duration is capped", 503, http.Header{"Retry-After": {"9300000000"}}, `{}`, maxRetryAfter},
		{"huge messageVars is capped", 429, nil, `{"errorCode":"errors.com.epicgames.common.throttled","messageVars":["99999999999999999999999"]}`, maxRetryAfter},
		{"huge message number is capped", 429, nil, `{"errorCode":"errors.com.epicgames.common.throttled","errorMessage":"try again in 99999999999999999999999 second(s)"}`, maxRetryAfter},
		{"messageVars ignored when not throttled", 400, nil, `{"errorCode":"errors.com.epicgames.common.missing_permission","messageVars":["120"]}`, 0},
		{"garbled header", 429, http.Header{"Retry-After": {"soon"}}, `{}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tt.status, Header: tt.header}
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			e := ParseError(resp, []byte(tt.body), nil)
			assert.Equal(t, tt.want, e.RetryAfter)
		})
	}
}

// Epic's error fields of unexpected types are read leniently, never fatal.
func TestParseErrorWrongTypes(t *testing.T) {
	body := `{"errorCode":18036,"errorMessage":["x"],"messageVars":"5588","numericErrorCode":"18036","error":true,"error_description":null,"metadata":"none"}`
	e := ParseError(&http.Response{StatusCode: 400, Header: http.Header{}}, []byte(body), nil)
	assert.Equal(t, "18036", e.ErrorCode)
	assert.Empty(t, e.ErrorMessage)
	assert.Empty(t, e.MessageVars)
	assert.Equal(t, 18036, e.NumericErrorCode)
	assert.Equal(t, "true", e.OAuthError)
	assert.Equal(t, "epicoauth: 400 Bad Request: 18036 (true)", e.Error())
}

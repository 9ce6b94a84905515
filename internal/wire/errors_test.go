package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// failWith sends a token request to a server that answers status and body,
// and returns the *epicoauth.Error it produced.
func failWith(t *testing.T, status int, header http.Header, body []byte) (*epicoauth.Error, error) {
	t.Helper()
	srv, _ := recordServer(t, status, header, body)
	tok, err := RetrieveToken(context.Background(), &Request{
		URL: srv.URL, ClientID: testClientID, ClientSecret: testClientSecret,
		Form: url.Values{"grant_type": {"client_credentials"}},
		// These tests are about parsing one answer; retries have their own.
		Retry: epicoauth.NoRetry(),
	})
	require.Nil(t, tok)
	var e *epicoauth.Error
	require.ErrorAs(t, err, &e)
	return e, err
}

func TestErrorFixtures(t *testing.T) {
	tests := []struct {
		file          string
		status        int
		temporary     bool
		requiresLogin bool
		retryAfter    time.Duration
	}{
		{"error-invalid_refresh_token.json", 400, false, true, 0},
		{"error-throttled.json", 429, true, false, 5588 * time.Second},
		{"error-invalid_client.json", 400, false, false, 0},
		{"error-unauthorized_client-token_to_token.json", 400, false, false, 0},
		{"error-unsupported_grant_type.json", 400, false, false, 0},
		{"error-invalid_grant-device_code.json", 400, false, true, 0},
		{"error-slow_down-device_code.json", 400, false, false, 0},
		{"error-missing_permission-exchangeTokenCode.json", 403, false, false, 0},
		{"error-missing_permission-deviceAuths.json", 403, false, false, 0},
		{"error-token_verification_failed.json", 401, false, false, 0},
		{"error-unauthorized-example.json", 401, false, false, 0},
		{"error-corrective_action_required-web-eula.json", 400, false, true, 0},
		{"error-corrective_action_required-web-privacy.json", 400, false, true, 0},
		{"error-single_use_code_not_found-web.json", 400, false, true, 0},
		{"error-csrf_token_invalid-web.json", 403, false, false, 0},
		{"reconstructed/error-authorization_pending.json", 400, false, false, 0},
		{"reconstructed/error-scope_consent_required.json", 400, false, false, 0},
		{"reconstructed/error-exchange_code_not_found.json", 400, false, true, 0},
		{"reconstructed/error-authorization_code_not_found.json", 400, false, true, 0},
		{"reconstructed/error-invalid_account_credentials.json", 400, false, true, 0},
		{"reconstructed/error-too_many_sessions.json", 400, false, false, 0},
		{"reconstructed/error-eos-user_not_found.json", 401, false, true, 0},
		{"transcribed/error-authentication_failed-deviceAuthorization.json", 401, false, false, 0},
		{"transcribed/error-unauthorized-web-exchange-generate.json", 401, false, false, 0},
		{"transcribed/error-unauthorized_client-password.json", 400, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := fixture(t, tt.file)
			var raw map[string]any
			require.NoError(t, json.Unmarshal(body, &raw))
			str := func(k string) string { s, _ := raw[k].(string); return s }

			e, err := failWith(t, tt.status, http.Header{"Content-Type": {"application/json"}}, body)

			assert.Equal(t, tt.status, e.StatusCode)
			assert.Equal(t, str("errorCode"), e.ErrorCode)
			assert.Equal(t, str("errorMessage")+str("message"), e.ErrorMessage)
			wantVars := []string(nil)
			if vars, ok := raw["messageVars"].([]any); ok {
				for _, v := range vars {
					wantVars = append(wantVars, v.(string))
				}
			}
			assert.Equal(t, wantVars, e.MessageVars)
			if n, ok := raw["numericErrorCode"].(float64); ok {
				assert.Equal(t, int(n), e.NumericErrorCode)
			}
			assert.Equal(t, str("originatingService"), e.OriginatingService)
			assert.Equal(t, str("intent"), e.Intent)
			assert.Equal(t, str("error"), e.OAuthError)
			assert.Equal(t, str("error_description"), e.OAuthErrorDescription)
			assert.Equal(t, str("correlationId"), e.CorrelationID)
			md, _ := raw["metadata"].(map[string]any)
			assert.Equal(t, md["correctiveAction"], nilIfEmpty(e.CorrectiveAction))
			assert.Equal(t, md["continuation"], nilIfEmpty(e.Continuation))
			assert.Empty(t, e.Detail)
			assert.JSONEq(t, string(body), string(e.Body))
			assert.Same(t, e.Response, e.Unwrap().(*oauth2.RetrieveError).Response)

			// Code written for plain x/oauth2 keeps working.
			var re *oauth2.RetrieveError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, str("error"), re.ErrorCode)
			assert.Equal(t, str("error_description"), re.ErrorDescription)
			assert.Equal(t, tt.status, re.Response.StatusCode)

			msg := err.Error()
			assert.True(t, strings.HasPrefix(msg, "epicoauth: "+strconv.Itoa(tt.status)+" "), msg)
			assert.Contains(t, msg, e.ErrorCode)
			assert.NotContains(t, msg, testClientSecret)
			assert.Equal(t, msg, fmt.Sprintf("%v", err))
			assert.Equal(t, msg, fmt.Sprintf("%+v", err))
			assert.Equal(t, msg, fmt.Sprintf("%#v", err))

			assert.Equal(t, tt.temporary, e.Temporary())
			assert.Equal(t, tt.requiresLogin, e.RequiresLogin())
			assert.Equal(t, tt.retryAfter, e.RetryAfter)
		})
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// echoServer answers every request with the fixture after replacing each
// placeholder by the value of a form field or the client secret, the way
// Epic echoes a rejected refresh token.
func echoServer(t *testing.T, status int, body string, replace map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		_, secret, _ := r.BasicAuth()
		out := body
		for placeholder, field := range replace {
			v := r.PostForm.Get(field)
			if field == "client_secret" {
				v = secret
			}
			out = strings.ReplaceAll(out, placeholder, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestErrorNeverShowsSecrets(t *testing.T) {
	const refreshToken = "eg1~eyJraWQiOiJ0RkMyVUloRnBUTV9FYTNxY09kX01xUVQxY0JCbTlrRkxTRGZlSmhzUkc4In0"
	invalidClient := strings.ReplaceAll(string(fixture(t, "error-invalid_client.json")),
		"please verify that you are sending the correct headers.", "got CLIENT_SECRET")
	tests := []struct {
		name    string
		form    url.Values
		body    string
		replace map[string]string
		secrets []string
	}{
		{
			name:    "echoed refresh token",
			form:    url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}},
			body:    string(fixture(t, "error-invalid_refresh_token.json")),
			replace: map[string]string{"MY_REFRESH_TOKEN": "refresh_token"},
			secrets: []string{refreshToken},
		},
		{
			name:    "echoed client secret",
			form:    url.Values{"grant_type": {"client_credentials"}},
			body:    invalidClient,
			replace: map[string]string{"CLIENT_SECRET": "client_secret"},
			secrets: []string{testClientSecret},
		},
		{
			name:    "echoed device auth secret and exchange code",
			form:    url.Values{"grant_type": {"device_auth"}, "secret": {"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}, "exchange_code": {"22222222222222222222222222222222"}},
			body:    `{"errorCode":"errors.com.epicgames.account.invalid_account_credentials","errorMessage":"bad SECRET / CODE","messageVars":["SECRET","CODE"],"error":"invalid_grant","error_description":"bad SECRET"}`,
			replace: map[string]string{"SECRET": "secret", "CODE": "exchange_code"},
			secrets: []string{"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "22222222222222222222222222222222"},
		},
		{
			name:    "echoed external token in an HTML page",
			form:    url.Values{"grant_type": {"external_auth"}, "external_auth_token": {"140000006A7B3C9D"}},
			body:    "<html><body>rejected TOKEN</body></html>",
			replace: map[string]string{"TOKEN": "external_auth_token"},
			secrets: []string{"140000006A7B3C9D"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := echoServer(t, http.StatusBadRequest, tt.body, tt.replace)
			_, err := RetrieveToken(context.Background(), &Request{
				URL: srv.URL, ClientID: testClientID, ClientSecret: testClientSecret, Form: tt.form,
			})
			var e *epicoauth.Error
			require.ErrorAs(t, err, &e)
			var re *oauth2.RetrieveError
			require.ErrorAs(t, err, &re)
			texts := []string{
				err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%q", err),
				e.ErrorMessage, e.OAuthErrorDescription, strings.Join(e.MessageVars, " "), e.Detail, string(e.Body),
				re.Error(), re.ErrorDescription,
			}
			for _, s := range tt.secrets {
				for _, text := range texts {
					assert.NotContains(t, text, s)
				}
			}
			assert.Contains(t, string(e.Body), Redacted, "the echo was replaced, not dropped")
		})
	}
}

func TestErrorResponsesThatAreNotEpicErrors(t *testing.T) {
	html := "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center>" + strings.Repeat("<!-- padding -->", 40) + "</body></html>"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantDetail  string
		wantCode    string
		temporary   bool
	}{
		{"HTML page from a proxy", 502, "text/html", html, `response is not an Epic JSON error (text/html): "` + html[:excerptLen] + `…"`, "", true},
		{"empty body", 500, "", "", "empty response body", "", true},
		{"JSON without an error code", 400, "application/json", `{"status":"bad"}`, "response is a JSON object without an Epic error code", "", false},
		{"JSON array", 503, "application/json", `["down"]`, `response is not an Epic JSON error (application/json): "[\"down\"]"`, "", true},
		{"2xx with errorCode", 200, "application/json", string(fixture(t, "error-throttled.json")), "", epicoauth.ErrorCodeThrottled, true},
		{"2xx with an OAuth error only", 200, "application/json", `{"error":"invalid_grant","error_description":"expired"}`, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := failWith(t, tt.status, http.Header{"Content-Type": {tt.contentType}}, []byte(tt.body))
			assert.Equal(t, tt.status, e.StatusCode)
			assert.Equal(t, tt.wantDetail, e.Detail)
			assert.Equal(t, tt.wantCode, e.ErrorCode)
			assert.Equal(t, tt.temporary, e.Temporary())
			assert.Contains(t, err.Error(), strconv.Itoa(tt.status))
			assert.Less(t, len(err.Error()), 300, "the message quotes only an excerpt")
		})
	}
}

func TestRetryAfter(t *testing.T) {
	throttled := fixture(t, "error-throttled.json")
	noVars := withFields(t, "error-throttled.json", map[string]any{"messageVars": []any{}})
	bare := withFields(t, "error-throttled.json", map[string]any{"messageVars": []any{}, "errorMessage": "Too many requests"})
	negativeVars := withFields(t, "error-throttled.json", map[string]any{"messageVars": []any{"-18446744073"}, "errorMessage": "Too many requests"})
	tests := []struct {
		name   string
		status int
		header string
		body   []byte
		want   time.Duration
	}{
		{"header wins over messageVars", 429, "120", throttled, 120 * time.Second},
		{"messageVars without header", 429, "", throttled, 5588 * time.Second},
		{"message without messageVars", 429, "", noVars, 5588 * time.Second},
		{"capacity throttling says nothing", 429, "", []byte(`{"errorCode":"errors.com.epicgames.common.throttled","errorMessage":"no capacity","numericErrorCode":1041}`), 0},
		{"garbled header falls back", 429, "soon", throttled, 5588 * time.Second},
		{"huge value is capped", 429, "", withFields(t, "error-throttled.json", map[string]any{"messageVars": []any{"999999999"}}), 24 * time.Hour},
		{"header on a 503", 503, "30", []byte(`{"errorCode":"errors.com.epicgames.common.server_error","errorMessage":"down"}`), 30 * time.Second},
		{"no header on a 400", 400, "", fixture(t, "error-slow_down-device_code.json"), 0},
		// Hostile values: negative counts multiplied out used to wrap
		// around to a wait (30 s, 0.71 s); they are ignored.
		{"negative header is ignored", 429, "-36028797018963938", bare, 0},
		{"negative header falls back to messageVars", 429, "-36028797018963938", throttled, 5588 * time.Second},
		{"negative messageVars is ignored", 429, "", negativeVars, 0},
		{"header below the int64 range is ignored", 429, "-99999999999999999999999", bare, 0},
		{"minus zero is ignored", 429, "-0", bare, 0},
		{"fraction is ignored", 429, "1.5", bare, 0},
		{"date in the past is ignored", 429, "Wed, 21 Oct 2015 07:28:00 GMT", bare, 0},
		{"negative header on a 503", 503, "-36028797018963938", []byte(`{"errorCode":"errors.com.epicgames.common.server_error","errorMessage":"down"}`), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/json"}}
			if tt.header != "" {
				h.Set("Retry-After", tt.header)
			}
			e, err := failWith(t, tt.status, h, tt.body)
			assert.Equal(t, tt.want, e.RetryAfter)
			if tt.want > 0 {
				assert.Contains(t, err.Error(), "retry after "+tt.want.String())
			}
		})
	}
}

func TestCorrectiveAction(t *testing.T) {
	tests := []struct {
		name                             string
		body                             []byte
		action, continuation, contURL, s string
	}{
		{
			name:   "web shape nests the fields under metadata",
			body:   fixture(t, "error-corrective_action_required-web-eula.json"),
			action: "EULA_ACCEPTANCE", continuation: "77777777777777777777777777777777",
			s: "[corrective action EULA_ACCEPTANCE]",
		},
		{
			name:   "token endpoint shape has them at top level",
			body:   []byte(`{"errorCode":"errors.com.epicgames.oauth.corrective_action_required","errorMessage":"Corrective action is required to continue.","messageVars":[],"numericErrorCode":18206,"originatingService":"com.epicgames.account.public","intent":"prod","correctiveAction":"DATE_OF_BIRTH","continuation":"99999999999999999999999999999999","continuationUrl":"https://www.epicgames.com/id/login/correction?continuation=99999999999999999999999999999999","error_description":"Corrective action is required to continue.","error":"corrective_action_required"}`),
			action: "DATE_OF_BIRTH", continuation: "99999999999999999999999999999999",
			contURL: "https://www.epicgames.com/id/login/correction?continuation=99999999999999999999999999999999",
			s:       "[corrective action DATE_OF_BIRTH at https://www.epicgames.com/id/login/correction?continuation=99999999999999999999999999999999]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := failWith(t, http.StatusBadRequest, nil, tt.body)
			assert.Equal(t, epicoauth.ErrorCodeCorrectiveActionRequired, e.ErrorCode)
			assert.Equal(t, tt.action, e.CorrectiveAction)
			assert.Equal(t, tt.continuation, e.Continuation)
			assert.Equal(t, tt.contURL, e.ContinuationURL)
			assert.True(t, e.RequiresLogin())
			assert.Contains(t, err.Error(), tt.s)
		})
	}
}

func TestParseErrorIsLenient(t *testing.T) {
	// Fields of unexpected types are ignored, not fatal.
	body := []byte(`{"errorCode":["x"],"errorMessage":12,"messageVars":"120","numericErrorCode":"18036","intent":true,"error":"invalid_grant"}`)
	resp := &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{}}
	e := ParseError(resp, body, nil)
	assert.Empty(t, e.ErrorCode)
	assert.Equal(t, "12", e.ErrorMessage)
	assert.Nil(t, e.MessageVars)
	assert.Equal(t, 18036, e.NumericErrorCode)
	assert.Equal(t, "true", e.Intent)
	assert.Equal(t, "invalid_grant", e.OAuthError)
	assert.True(t, e.RequiresLogin())
	assert.True(t, errors.Is(e, epicoauth.ErrLoginRequired), "an Error that RequiresLogin matches ErrLoginRequired by itself")
}

package epicoauth_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

func TestErrorRequiresLogin(t *testing.T) {
	tests := []struct {
		code, oauthErr string
		want           bool
	}{
		{epicoauth.ErrorCodeInvalidRefreshToken, "invalid_grant", true},
		{epicoauth.ErrorCodeInvalidAccountCredentials, "", true},
		{epicoauth.ErrorCodeSingleUseCodeNotFound, "", true},
		{epicoauth.ErrorCodeExchangeCodeNotFound, "", true},
		{epicoauth.ErrorCodeExpiredExchangeCodeSession, "", true},
		{epicoauth.ErrorCodeAuthorizationCodeNotFound, "", true},
		{epicoauth.ErrorCodeDeviceAuthNotFound, "", true},
		{epicoauth.ErrorCodeContinuationTokenNotFound, "", true},
		{epicoauth.ErrorCodeCorrectiveActionRequired, "", true},
		{epicoauth.ErrorCodeAccountNotActive, "", true},
		{epicoauth.ErrorCodePasswordResetRequired, "", true},
		{epicoauth.ErrorCodeInvalidGrant, "invalid_grant", true},
		{epicoauth.ErrorCodeNotFound, "", true},
		{epicoauth.ErrorCodeEOSUserNotFound, "", true},
		{"errors.com.epicgames.some.future_code", "invalid_grant", true},
		// Polling and throttling say "wait", not "log in", even with invalid_grant.
		{epicoauth.ErrorCodeAuthorizationPending, "invalid_grant", false},
		{epicoauth.ErrorCodeSlowDown, "invalid_grant", false},
		{epicoauth.ErrorCodeThrottled, "", false},
		// Client misconfiguration and temporary failures are not login problems.
		{epicoauth.ErrorCodeInvalidClient, "invalid_client", false},
		{epicoauth.ErrorCodeInvalidClientCredentials, "", false},
		{epicoauth.ErrorCodeUnauthorizedClient, "unauthorized_client", false},
		{epicoauth.ErrorCodeUnsupportedGrantType, "unsupported_grant_type", false},
		{epicoauth.ErrorCodeInvalidRequest, "invalid_request", false},
		{epicoauth.ErrorCodeServerError, "", false},
		{epicoauth.ErrorCodeTooManySessions, "", false},
		{epicoauth.ErrorCodeMissingPermission, "", false},
		{epicoauth.ErrorCodeTokenVerificationFailed, "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.oauthErr, func(t *testing.T) {
			e := &epicoauth.Error{StatusCode: http.StatusBadRequest, ErrorCode: tt.code, OAuthError: tt.oauthErr}
			assert.Equal(t, tt.want, e.RequiresLogin())
		})
	}
}

func TestErrorTemporary(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   string
		want   bool
	}{
		{"429", http.StatusTooManyRequests, epicoauth.ErrorCodeThrottled, true},
		{"408", http.StatusRequestTimeout, "", true},
		{"500", http.StatusInternalServerError, "", true},
		{"502 proxy page", http.StatusBadGateway, "", true},
		{"503", http.StatusServiceUnavailable, "", true},
		{"throttled code on a 400", http.StatusBadRequest, epicoauth.ErrorCodeThrottled, true},
		{"server_error code on a 200", http.StatusOK, epicoauth.ErrorCodeServerError, true},
		{"400", http.StatusBadRequest, epicoauth.ErrorCodeInvalidGrant, false},
		{"401", http.StatusUnauthorized, epicoauth.ErrorCodeTokenVerificationFailed, false},
		{"403", http.StatusForbidden, epicoauth.ErrorCodeMissingPermission, false},
		{"404", http.StatusNotFound, epicoauth.ErrorCodeNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &epicoauth.Error{StatusCode: tt.status, ErrorCode: tt.code}
			assert.Equal(t, tt.want, e.Temporary())
		})
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *epicoauth.Error
		want string
	}{
		{
			name: "account shape",
			err: &epicoauth.Error{StatusCode: 400, ErrorCode: epicoauth.ErrorCodeInvalidRefreshToken, OAuthError: "invalid_grant",
				ErrorMessage: "Sorry the refresh token '[REDACTED]' is invalid", OAuthErrorDescription: "Sorry the refresh token '[REDACTED]' is invalid"},
			want: "epicoauth: 400 Bad Request: errors.com.epicgames.account.auth_token.invalid_refresh_token (invalid_grant): Sorry the refresh token '[REDACTED]' is invalid",
		},
		{
			name: "description used when there is no message",
			err:  &epicoauth.Error{StatusCode: 400, OAuthError: "invalid_grant", OAuthErrorDescription: "expired"},
			want: "epicoauth: 400 Bad Request (invalid_grant): expired",
		},
		{
			name: "description equal to the error is not repeated",
			err:  &epicoauth.Error{StatusCode: 400, OAuthError: "invalid_grant", OAuthErrorDescription: "invalid_grant"},
			want: "epicoauth: 400 Bad Request (invalid_grant)",
		},
		{
			name: "throttling",
			err:  &epicoauth.Error{StatusCode: 429, ErrorCode: epicoauth.ErrorCodeThrottled, ErrorMessage: "try again in 120 second(s).", RetryAfter: 2 * time.Minute},
			want: "epicoauth: 429 Too Many Requests: errors.com.epicgames.common.throttled: try again in 120 second(s). (retry after 2m0s)",
		},
		{
			name: "corrective action",
			err: &epicoauth.Error{StatusCode: 400, ErrorCode: epicoauth.ErrorCodeCorrectiveActionRequired, CorrectiveAction: "EULA_ACCEPTANCE",
				ContinuationURL: "https://www.epicgames.com/id/login/correction"},
			want: "epicoauth: 400 Bad Request: errors.com.epicgames.oauth.corrective_action_required [corrective action EULA_ACCEPTANCE at https://www.epicgames.com/id/login/correction]",
		},
		{
			name: "not an Epic error",
			err:  &epicoauth.Error{StatusCode: 502, Detail: `response is not an Epic JSON error (text/html): "<html>"`},
			want: `epicoauth: 502 Bad Gateway: response is not an Epic JSON error (text/html): "<html>"`,
		},
		{
			name: "unknown status",
			err:  &epicoauth.Error{StatusCode: 599, ErrorCode: "x"},
			want: "epicoauth: 599: x",
		},
		{
			name: "no status",
			err:  &epicoauth.Error{Detail: "response has no access_token"},
			want: "epicoauth: error: response has no access_token",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
			for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
				assert.Equal(t, tt.want, fmt.Sprintf(verb, tt.err), verb)
			}
			assert.Equal(t, fmt.Sprintf("%q", tt.want), fmt.Sprintf("%q", tt.err))
		})
	}
}

func TestErrorIsLoginRequired(t *testing.T) {
	tests := []struct {
		name string
		err  *epicoauth.Error
		want bool
	}{
		{"rejected refresh token", &epicoauth.Error{StatusCode: 400, ErrorCode: epicoauth.ErrorCodeInvalidRefreshToken, OAuthError: "invalid_grant"}, true},
		{"corrective action", &epicoauth.Error{StatusCode: 400, ErrorCode: epicoauth.ErrorCodeCorrectiveActionRequired}, true},
		{"throttled", &epicoauth.Error{StatusCode: 429, ErrorCode: epicoauth.ErrorCodeThrottled}, false},
		{"pending device code", &epicoauth.Error{StatusCode: 400, ErrorCode: epicoauth.ErrorCodeAuthorizationPending, OAuthError: "invalid_grant"}, false},
		{"bad client", &epicoauth.Error{StatusCode: 400, ErrorCode: epicoauth.ErrorCodeInvalidClient, OAuthError: "invalid_client"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, errors.Is(tt.err, epicoauth.ErrLoginRequired))
			assert.Equal(t, tt.want, errors.Is(fmt.Errorf("wrapped: %w", tt.err), epicoauth.ErrLoginRequired))
			assert.False(t, errors.Is(tt.err, errors.New("epicoauth: login required")), "only the sentinel itself")
		})
	}
}

func TestErrorUnwrapsToRetrieveError(t *testing.T) {
	resp := &http.Response{StatusCode: 400, Status: "400 Bad Request"}
	tests := []struct {
		name string
		err  *epicoauth.Error
	}{
		{"with the response", &epicoauth.Error{StatusCode: 400, ErrorCode: epicoauth.ErrorCodeInvalidGrant, OAuthError: "invalid_grant", OAuthErrorDescription: "bad", Body: []byte(`{}`), Response: resp}},
		{"built by hand without one", &epicoauth.Error{StatusCode: 503, ErrorCode: epicoauth.ErrorCodeServerError}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A token source wraps the Error together with ErrLoginRequired.
			wrapped := fmt.Errorf("%w: %w", epicoauth.ErrLoginRequired, tt.err)
			require.ErrorIs(t, wrapped, epicoauth.ErrLoginRequired)
			var e *epicoauth.Error
			require.ErrorAs(t, wrapped, &e)
			assert.Same(t, tt.err, e)

			var re *oauth2.RetrieveError
			require.ErrorAs(t, wrapped, &re)
			assert.Equal(t, tt.err.OAuthError, re.ErrorCode)
			assert.Equal(t, tt.err.OAuthErrorDescription, re.ErrorDescription)
			assert.Equal(t, tt.err.Body, re.Body)
			require.NotNil(t, re.Response)
			assert.Equal(t, tt.err.StatusCode, re.Response.StatusCode)
			assert.NotPanics(t, func() { _ = re.Error() })
		})
	}
}

package epicoauth

// Epic error codes that the token flows act on. Epic's numeric codes are not
// consistent (invalid_refresh_token has been seen as both 18033 and 18036), so
// compare [Error].ErrorCode with these strings.
const (
	ErrorCodeThrottled                  = "errors.com.epicgames.common.throttled"
	ErrorCodeServerError                = "errors.com.epicgames.common.server_error"
	ErrorCodeInvalidClient              = "errors.com.epicgames.common.oauth.invalid_client"
	ErrorCodeInvalidClientCredentials   = "errors.com.epicgames.account.invalid_client_credentials"
	ErrorCodeUnauthorizedClient         = "errors.com.epicgames.common.oauth.unauthorized_client"
	ErrorCodeUnsupportedGrantType       = "errors.com.epicgames.common.oauth.unsupported_grant_type"
	ErrorCodeInvalidRequest             = "errors.com.epicgames.common.oauth.invalid_request"
	ErrorCodeInvalidGrant               = "errors.com.epicgames.common.oauth.invalid_grant"
	ErrorCodeInvalidToken               = "errors.com.epicgames.common.oauth.invalid_token"
	ErrorCodeInvalidRefreshToken        = "errors.com.epicgames.account.auth_token.invalid_refresh_token"
	ErrorCodeInvalidAccountCredentials  = "errors.com.epicgames.account.invalid_account_credentials"
	ErrorCodeAuthorizationPending       = "errors.com.epicgames.account.oauth.authorization_pending"
	ErrorCodeSlowDown                   = "errors.com.epicgames.common.slow_down"
	ErrorCodeNotFound                   = "errors.com.epicgames.not_found"
	ErrorCodeSingleUseCodeNotFound      = "errors.com.epicgames.account.oauth.single_use_code_not_found"
	ErrorCodeExchangeCodeNotFound       = "errors.com.epicgames.account.oauth.exchange_code_not_found"
	ErrorCodeExpiredExchangeCodeSession = "errors.com.epicgames.account.oauth.expired_exchange_code_session"
	ErrorCodeExchangeCodeClientMismatch = "errors.com.epicgames.account.oauth.exchange_code_client_mismatch"
	ErrorCodeAuthorizationCodeNotFound  = "errors.com.epicgames.account.oauth.authorization_code_not_found"
	ErrorCodeDeviceAuthNotFound         = "errors.com.epicgames.account.device_auth.not_found"
	ErrorCodeContinuationTokenNotFound  = "errors.com.epicgames.account.continuation_token_not_found"
	ErrorCodeCorrectiveActionRequired   = "errors.com.epicgames.oauth.corrective_action_required"
	ErrorCodeTooManySessions            = "errors.com.epicgames.account.oauth.too_many_sessions"
	ErrorCodeAccountNotActive           = "errors.com.epicgames.account.account_not_active"
	ErrorCodePasswordResetRequired      = "errors.com.epicgames.account.oauth.password_reset_required"
	ErrorCodeMissingPermission          = "errors.com.epicgames.common.missing_permission"
	ErrorCodeAuthenticationFailed       = "errors.com.epicgames.common.authentication.authentication_failed"
	ErrorCodeTokenVerificationFailed    = "errors.com.epicgames.common.authentication.token_verification_failed"
	ErrorCodeEOSUserNotFound            = "errors.com.epicgames.eos.auth.user_not_found"
)

// RequiresLogin reports whether e means that the credentials a request used
// are no longer accepted, so that running the same grant or refresh again
// cannot succeed without the user logging in: an invalid grant, an invalid
// refresh token, a spent code, a deleted device auth, or a corrective action.
// Client misconfiguration (invalid_client, unauthorized_client) and temporary
// failures are not login problems.
func (e *Error) RequiresLogin() bool {
	switch e.ErrorCode {
	case ErrorCodeInvalidRefreshToken, ErrorCodeInvalidAccountCredentials,
		ErrorCodeSingleUseCodeNotFound, ErrorCodeExchangeCodeNotFound,
		ErrorCodeExpiredExchangeCodeSession, ErrorCodeAuthorizationCodeNotFound,
		ErrorCodeDeviceAuthNotFound, ErrorCodeContinuationTokenNotFound,
		ErrorCodeCorrectiveActionRequired, ErrorCodeAccountNotActive,
		ErrorCodePasswordResetRequired, ErrorCodeInvalidGrant, ErrorCodeNotFound,
		ErrorCodeEOSUserNotFound:
		return true
	case ErrorCodeAuthorizationPending, ErrorCodeSlowDown, ErrorCodeThrottled:
		return false
	}
	return e.OAuthError == "invalid_grant"
}

package epictest

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/epicoauth/epicoauth"
)

// apiError is an error answer in Epic's envelope. Codes, numeric codes,
// statuses and messages come from the recorded payloads in
// testdata/fixtures where one exists, else from the fact sheet's error table
// (numeric codes there are informational; Epic's own are inconsistent).
type apiError struct {
	status  int
	code    string
	message string
	vars    []string
	numeric int
	// oauth is the RFC 6749 error the token endpoints add (with
	// error_description); empty on resource APIs.
	oauth string
	// header holds extra response headers (Retry-After).
	header http.Header
	// corrective is the continuation of a corrective_action_required.
	corrective *corrective
}

// corrective is what a person must do before logging in, and where.
type corrective struct {
	action, continuation, url string
}

// errorJSON is the wire form, fields in Epic's order.
type errorJSON struct {
	ErrorCode          string   `json:"errorCode"`
	ErrorMessage       string   `json:"errorMessage"`
	MessageVars        []string `json:"messageVars"`
	NumericErrorCode   int      `json:"numericErrorCode"`
	OriginatingService string   `json:"originatingService"`
	Intent             string   `json:"intent"`
	CorrectiveAction   string   `json:"correctiveAction,omitempty"`
	Continuation       string   `json:"continuation,omitempty"`
	ContinuationURL    string   `json:"continuationUrl,omitempty"`
	ErrorDescription   string   `json:"error_description,omitempty"`
	Error              string   `json:"error,omitempty"`
}

func (e *apiError) json(service string) errorJSON {
	vars := e.vars
	if vars == nil {
		vars = []string{}
	}
	j := errorJSON{
		ErrorCode:          e.code,
		ErrorMessage:       e.message,
		MessageVars:        vars,
		NumericErrorCode:   e.numeric,
		OriginatingService: service,
		Intent:             "prod",
	}
	if e.oauth != "" {
		j.ErrorDescription, j.Error = e.message, e.oauth
	}
	if c := e.corrective; c != nil {
		j.CorrectiveAction, j.Continuation, j.ContinuationURL = c.action, c.continuation, c.url
	}
	return j
}

// oauthErr is a token-endpoint failure: HTTP 400 with error and
// error_description.
func oauthErr(oauth, code string, numeric int, message string, vars ...string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: message, vars: vars, numeric: numeric, oauth: oauth}
}

func errInvalidClient() *apiError {
	return oauthErr("invalid_client", epicoauth.ErrorCodeInvalidClient, 1011,
		"It appears that your Authorization header may be invalid or not present, please verify that you are sending the correct headers.")
}

func errInvalidClientCredentials() *apiError {
	return oauthErr("invalid_client", epicoauth.ErrorCodeInvalidClientCredentials, 18033,
		"Sorry the client credentials you are using are invalid")
}

func errUnsupportedGrantType(grantType string) *apiError {
	if grantType == "" {
		return oauthErr("unsupported_grant_type", epicoauth.ErrorCodeUnsupportedGrantType, 1016,
			"Malformed grant type in token request: null")
	}
	return oauthErr("unsupported_grant_type", epicoauth.ErrorCodeUnsupportedGrantType, 1016,
		"Unsupported grant type: "+grantType, grantType)
}

func errUnauthorizedClient(grantType string) *apiError {
	return oauthErr("unauthorized_client", epicoauth.ErrorCodeUnauthorizedClient, 1015,
		"Sorry your client is not allowed to use the grant type "+grantType)
}

func errInvalidRequest(message string, vars ...string) *apiError {
	return oauthErr("invalid_request", epicoauth.ErrorCodeInvalidRequest, 1013, message, vars...)
}

func errMissingParam(name string) *apiError {
	return errInvalidRequest(name+" is required.", name)
}

func errInvalidRefreshToken(token string) *apiError {
	return oauthErr("invalid_grant", epicoauth.ErrorCodeInvalidRefreshToken, 18036,
		"Sorry the refresh token '"+token+"' is invalid", token)
}

func errInvalidAccountCredentials() *apiError {
	return oauthErr("invalid_grant", epicoauth.ErrorCodeInvalidAccountCredentials, 18031,
		"Sorry the account credentials you are using are invalid")
}

func errAuthorizationPending() *apiError {
	return oauthErr("invalid_grant", epicoauth.ErrorCodeAuthorizationPending, 1012,
		"The authorization server request is still pending as the end user has yet to visit and enter the verification code.")
}

func errSlowDown(interval int) *apiError {
	n := strconv.Itoa(interval)
	return oauthErr("invalid_grant", epicoauth.ErrorCodeSlowDown, 1012,
		"Request frequency should not exceed one call per "+n+" seconds", n)
}

func errPinGrantNotFound() *apiError {
	return oauthErr("invalid_grant", epicoauth.ErrorCodeNotFound, 1004, "PIN grant data not found.")
}

func errPinGrantClientMismatch() *apiError {
	return oauthErr("invalid_grant", epicoauth.ErrorCodeInvalidToken, 1012,
		"Client id mismatch in credentials for this pin grant")
}

func errExchangeCodeNotFound() *apiError {
	return oauthErr("invalid_grant", epicoauth.ErrorCodeExchangeCodeNotFound, 18057,
		"Sorry the exchange code you supplied was not found. It is possible that it was no longer valid")
}

func errExpiredExchangeCodeSession() *apiError {
	return oauthErr("invalid_grant", epicoauth.ErrorCodeExpiredExchangeCodeSession, 18128,
		"Sorry the originating session for the exchange_code has expired.")
}

func errExchangeCodeClientMismatch() *apiError {
	return oauthErr("invalid_grant", epicoauth.ErrorCodeExchangeCodeClientMismatch, 18180,
		"Sorry the exchange code was not issued for your client")
}

func errAuthorizationCodeNotFound() *apiError {
	return oauthErr("invalid_grant", epicoauth.ErrorCodeAuthorizationCodeNotFound, 18059,
		"Sorry the authorization code you supplied was not found. It is possible that it was no longer valid")
}

func errCodeVerifier(required bool) *apiError {
	if required {
		return oauthErr("invalid_grant", "errors.com.epicgames.account.oauth.single_use_code_verifier_required", 1012,
			"A code_verifier is required for this code")
	}
	return oauthErr("invalid_grant", "errors.com.epicgames.account.oauth.single_use_code_verifier_invalid", 1012,
		"The code_verifier does not match the code challenge")
}

func errInvalidDeployment(id string) *apiError {
	return oauthErr("invalid_grant", "errors.com.epicgames.oauth.invalid_deployment", 1012,
		"Deployment '"+id+"' is invalid or not accessible by this client", id)
}

func errInvalidExternalAuthToken(typ string) *apiError {
	return oauthErr("invalid_grant", "errors.com.epicgames.account.ext_auth.invalid_external_auth_token", 18035,
		"Sorry the external auth token of type '"+typ+"' is invalid", typ)
}

func errUnknownExternalAuthType(typ string) *apiError {
	return oauthErr("invalid_grant", "errors.com.epicgames.account.ext_auth.unknown_external_auth_type", 18050,
		"Sorry the external auth type '"+typ+"' is not known", typ)
}

// errCorrectiveAction blocks a login until the person acts. No token-endpoint
// body was ever recorded: the fields are the top-level ones legendary and
// fortnitepy read (fact sheet 6.1), with 18206 from Epic's error list; the
// status and the absence of RFC 6749 fields follow the library's tests.
func errCorrectiveAction(action, continuation, continuationURL string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: epicoauth.ErrorCodeCorrectiveActionRequired, numeric: 18206,
		message: "Corrective action is required to continue.", corrective: &corrective{action, continuation, continuationURL}}
}

// Resource-API errors: no RFC 6749 fields.

func errTokenVerificationFailed() *apiError {
	return &apiError{status: http.StatusUnauthorized, code: epicoauth.ErrorCodeTokenVerificationFailed, numeric: 1031,
		message: "Sorry we couldn't validate your token. Please try with a new token."}
}

func errAuthenticationFailed(path string) *apiError {
	return &apiError{status: http.StatusUnauthorized, code: epicoauth.ErrorCodeAuthenticationFailed, numeric: 1032,
		message: "Authentication failed for " + path, vars: []string{path}}
}

func errMissingPermission(resource, action string) *apiError {
	return &apiError{status: http.StatusForbidden, code: epicoauth.ErrorCodeMissingPermission, numeric: 1023,
		message: "Sorry your login does not posses the permissions '" + resource + " " + action + "' needed to perform the requested operation",
		vars:    []string{resource, action}}
}

func errDeviceAuthNotFound(deviceID string) *apiError {
	return &apiError{status: http.StatusNotFound, code: epicoauth.ErrorCodeDeviceAuthNotFound, numeric: 18130,
		message: "Sorry we couldn't find a device auth with id " + deviceID, vars: []string{deviceID}}
}

func errDeviceCodeNotFound(userCode string) *apiError {
	return &apiError{status: http.StatusNotFound, code: epicoauth.ErrorCodeNotFound, numeric: 1004,
		message: "PIN grant data not found.", vars: []string{userCode}}
}

func errUnknownSession(token string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "errors.com.epicgames.account.auth_token.unknown_oauth_session", numeric: 18051,
		message: "Sorry we could not find the auth session '" + token + "'", vars: []string{token}}
}

func errNotOwnSession(token string) *apiError {
	return &apiError{status: http.StatusForbidden, code: "errors.com.epicgames.account.auth_token.not_own_session_removal", numeric: 18040,
		message: "Sorry you cannot remove the auth session '" + token + "'. It was not issued to you.", vars: []string{token}}
}

func errBadRequest(message string, vars ...string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "errors.com.epicgames.validation.validation_failed", numeric: 1040,
		message: message, vars: vars}
}

func errNotFound() *apiError {
	return &apiError{status: http.StatusNotFound, code: "errors.com.epicgames.common.not_found", numeric: 1004,
		message: "Sorry the resource you were trying to find could not be found"}
}

func errMethodNotAllowed() *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, code: "errors.com.epicgames.common.method_not_allowed", numeric: 1009,
		message: "Sorry the resource you were trying to access cannot be accessed with the HTTP method you used."}
}

// errThrottled is Epic's throttling answer. A zero wait gives the
// capacity-throttling form: no Retry-After header and no wait in the body.
func errThrottled(wait int) *apiError {
	e := &apiError{status: http.StatusTooManyRequests, code: epicoauth.ErrorCodeThrottled, numeric: 1041,
		message: "Operation access is limited by throttling policy."}
	if wait > 0 {
		n := strconv.Itoa(wait)
		e.message = "Operation access is limited by throttling policy, please try again in " + n + " second(s)."
		e.vars = []string{n}
		e.header = http.Header{"Retry-After": {n}}
	}
	return e
}

func errServerError(status int, trackingID string) *apiError {
	return &apiError{status: status, code: epicoauth.ErrorCodeServerError, numeric: 1000,
		message: fmt.Sprintf("Sorry an error occurred and we were unable to resolve it (tracking id: [%s])", trackingID),
		vars:    []string{trackingID}}
}

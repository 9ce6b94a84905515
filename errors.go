package epicoauth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// ErrLoginRequired reports that the saved credentials can no longer produce
// a token and a person must log in again: the refresh token expired or was
// rejected, a single-use code was already spent, a device auth was deleted,
// or Epic asks for a corrective action (accepting a new EULA, say).
//
// Token sources return it wrapped together with Epic's [*Error], so both
// checks work on one error:
//
//	if errors.Is(err, epicoauth.ErrLoginRequired) { ... ask the user to log in ... }
//	var e *epicoauth.Error
//	if errors.As(err, &e) { log.Print(e.ErrorCode) }
var ErrLoginRequired = errors.New("epicoauth: login required")

// Error is an error response from one of Epic's services, or a response that
// could not be understood (an HTML page from a proxy, a body that is not
// JSON, a success without an access token).
//
// Epic's own fields are copied from the body as they are, except that any
// secret the request carried (a refresh token, a code, a device-auth secret)
// is replaced by "[REDACTED]": Epic echoes a rejected refresh token inside
// errorMessage and messageVars.
//
// errors.As(err, &retrieveErr) with a *[oauth2.RetrieveError] also succeeds
// on an *Error, so code written for plain golang.org/x/oauth2 keeps working.
// Key any logic on ErrorCode: Epic's numeric codes are not consistent.
type Error struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int

	// ErrorCode is Epic's errorCode, such as
	// "errors.com.epicgames.account.auth_token.invalid_refresh_token".
	// The ErrorCode constants in this package name the common ones.
	ErrorCode string
	// ErrorMessage is Epic's errorMessage (or message, on the web id API).
	ErrorMessage string
	// MessageVars are the values Epic substituted into ErrorMessage. For a
	// throttled request, MessageVars[0] is the wait in seconds.
	MessageVars []string
	// NumericErrorCode is Epic's numericErrorCode. It is informational only.
	NumericErrorCode int
	// OriginatingService names the Epic service that produced the error.
	OriginatingService string
	// Intent is Epic's intent field, usually "prod".
	Intent string

	// OAuthError and OAuthErrorDescription are the RFC 6749 error and
	// error_description fields that token endpoints add, such as
	// "invalid_grant".
	OAuthError            string
	OAuthErrorDescription string

	// CorrectiveAction, Continuation and ContinuationURL are set when Epic
	// requires the user to act before logging in (ErrorCode
	// ErrorCodeCorrectiveActionRequired); CorrectiveAction is a value like
	// "EULA_ACCEPTANCE" or "DATE_OF_BIRTH", and ContinuationURL a page for
	// the user to open.
	CorrectiveAction string
	Continuation     string
	ContinuationURL  string
	// CorrelationID is the web id API's correlationId, useful in support
	// requests.
	CorrelationID string

	// RetryAfter is how long Epic asked the client to wait before trying
	// again: the Retry-After header, else the wait in a throttling error's
	// messageVars or message. Zero when Epic said nothing.
	RetryAfter time.Duration

	// Detail describes what was wrong with a response that carried no
	// Epic error: "response is not JSON", "response has no access_token".
	Detail string

	// Body is the response body with secrets redacted, at most 1 MiB.
	Body []byte
	// Response is the HTTP response; its body has already been read.
	Response *http.Response
}

// Error returns a one-line description that names the HTTP status and Epic's
// error code. It never contains a secret.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("epicoauth: ")
	if e.StatusCode != 0 {
		b.WriteString(strconv.Itoa(e.StatusCode))
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteString(" " + t)
		}
	} else {
		b.WriteString("error")
	}
	if e.ErrorCode != "" {
		b.WriteString(": " + e.ErrorCode)
	}
	if e.OAuthError != "" {
		b.WriteString(" (" + e.OAuthError + ")")
	}
	switch {
	case e.ErrorMessage != "":
		b.WriteString(": " + e.ErrorMessage)
	case e.OAuthErrorDescription != "" && e.OAuthErrorDescription != e.OAuthError:
		b.WriteString(": " + e.OAuthErrorDescription)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.CorrectiveAction != "" {
		b.WriteString(" [corrective action " + e.CorrectiveAction)
		if e.ContinuationURL != "" {
			b.WriteString(" at " + e.ContinuationURL)
		}
		b.WriteString("]")
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after " + e.RetryAfter.String() + ")")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrLoginRequired) true for an Error that
// RequiresLogin, so a single request (Config.Token) answers the same check as
// a token source, which wraps its Error with ErrLoginRequired.
func (e *Error) Is(target error) bool {
	return target == ErrLoginRequired && e.RequiresLogin()
}

// Unwrap returns the equivalent *[oauth2.RetrieveError], so that
// errors.As(err, &*oauth2.RetrieveError) works as with plain x/oauth2.
func (e *Error) Unwrap() error {
	resp := e.Response
	if resp == nil {
		// RetrieveError.Error reads Response.Status: an Error built by hand
		// (in a test, say) must not make it panic.
		resp = &http.Response{StatusCode: e.StatusCode, Status: strings.TrimSpace(strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode))}
	}
	return &oauth2.RetrieveError{
		Response:         resp,
		Body:             e.Body,
		ErrorCode:        e.OAuthError,
		ErrorDescription: e.OAuthErrorDescription,
	}
}

// Temporary reports whether the request may succeed if sent again later:
// throttling (429), a server error (5xx) or a gateway timeout. Rejections of
// the request itself (4xx) are not temporary.
func (e *Error) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests ||
		e.StatusCode == http.StatusRequestTimeout ||
		e.StatusCode >= 500 ||
		e.ErrorCode == ErrorCodeThrottled ||
		e.ErrorCode == ErrorCodeServerError
}

// Format makes %v, %+v and %#v print the same redacted text as Error, so a
// debugging printf cannot reveal what Error hides.
func (e *Error) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", e.Error())
	default:
		_, _ = f.Write([]byte(e.Error()))
	}
}

// MalformedFieldError reports an optional field of a token response that
// could not be used: a lifetime that is not a positive number or is out of
// range (1e309), a field of the wrong type, a key sent twice, any value
// too large for a float64. Once a response carries a well-formed
// access_token (and refresh_token), Epic has already spent the grant and
// rotated the refresh token, so the token is kept: the field counts as
// absent (the lifetime fallbacks of the token response apply) and the
// problem goes to TokenSourceOptions.OnError, never failing the request.
// It names the field, never its value.
type MalformedFieldError struct {
	// Field is the top-level JSON key, such as "expires_in".
	Field string
	// Problem says what was wrong: "not a positive number", "out of
	// range", "not a string", "repeated" ...
	Problem string
}

func (e *MalformedFieldError) Error() string {
	return "epicoauth: token response field " + strconv.Quote(e.Field) + " is unusable (" + e.Problem + "); the token was kept without it"
}

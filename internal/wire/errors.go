package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/redact"
)

// excerptLen is how much of a body that is not JSON an error quotes.
const excerptLen = 120

// errorBody is every field Epic's error bodies are known to carry: the
// account-service shape (errorMessage, messageVars ...), the RFC 6749 fields
// token endpoints add, and the web id API shape (message, metadata,
// correlationId). Values are decoded leniently: a field of an unexpected type
// is ignored, not fatal.
type errorBody struct {
	ErrorCode          any `json:"errorCode"`
	ErrorMessage       any `json:"errorMessage"`
	Message            any `json:"message"`
	MessageVars        any `json:"messageVars"`
	NumericErrorCode   any `json:"numericErrorCode"`
	OriginatingService any `json:"originatingService"`
	Intent             any `json:"intent"`
	Error              any `json:"error"`
	ErrorDescription   any `json:"error_description"`
	CorrectiveAction   any `json:"correctiveAction"`
	Continuation       any `json:"continuation"`
	ContinuationURL    any `json:"continuationUrl"`
	CorrelationID      any `json:"correlationId"`
	Metadata           any `json:"metadata"`
}

// ParseError builds the *epicoauth.Error for a failed response whose body has
// been read. It never fails: a body that is not an Epic error becomes an Error
// whose Detail quotes a short, redacted excerpt. Besides secrets (what the
// request sent), any credential the body itself carries (an access or
// refresh token in a 200 that also reports an error) is redacted.
func ParseError(resp *http.Response, body []byte, secrets []string) *epicoauth.Error {
	e, secrets := newError(resp, body, secrets)
	var eb errorBody
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		e.Detail = "empty response body"
	} else if trimmed[0] != '{' || json.Unmarshal(trimmed, &eb) != nil {
		e.Detail = "response is not an Epic JSON error" + quoteBody(resp, trimmed, secrets)
	} else {
		fill(e, &eb, secrets)
	}
	e.RetryAfter = retryAfter(resp.Header, e)
	return e
}

// newError starts the Error for resp. Its Body keeps neither the request's
// secrets nor the credentials the body carries, its Response no longer
// leads to the request's Authorization header or form, and the secrets it
// returns (the request's and the body's) are what the caller must redact
// from the fields it fills next.
func newError(resp *http.Response, body []byte, secrets []string) (*epicoauth.Error, []string) {
	body, found := redactResponse(body)
	secrets = slices.Concat(secrets, expandSecrets(found))
	return &epicoauth.Error{
		StatusCode: resp.StatusCode,
		Body:       redactBytes(body, secrets),
		Response:   withoutCredentials(resp, secrets),
	}, secrets
}

// withoutCredentials returns a copy of resp whose Request carries no
// Authorization header, no body and no secret in its URL: an Error keeps
// the response for its status and headers, and hands it on through
// oauth2.RetrieveError, but never what was sent.
func withoutCredentials(resp *http.Response, secrets []string) *http.Response {
	r := *resp
	if req := resp.Request; req != nil {
		c := req.Clone(req.Context())
		c.Header.Del("Authorization")
		c.Body, c.GetBody, c.Form, c.PostForm, c.MultipartForm = nil, nil, nil, nil, nil
		if u := c.URL.String(); redact.Secrets(u, secrets) != u {
			c.URL = &url.URL{Scheme: c.URL.Scheme, Host: c.URL.Host, Path: "/" + Redacted}
		}
		r.Request = c
	}
	return &r
}

func fill(e *epicoauth.Error, eb *errorBody, secrets []string) {
	r := func(v any) string { return redact.Secrets(asString(v), secrets) }
	e.ErrorCode = r(eb.ErrorCode)
	e.ErrorMessage = r(eb.ErrorMessage)
	if e.ErrorMessage == "" {
		e.ErrorMessage = r(eb.Message)
	}
	if vars, ok := eb.MessageVars.([]any); ok {
		for _, v := range vars {
			e.MessageVars = append(e.MessageVars, r(v))
		}
	}
	if n, ok := asInt(eb.NumericErrorCode); ok {
		e.NumericErrorCode = n
	}
	e.OriginatingService = r(eb.OriginatingService)
	e.Intent = r(eb.Intent)
	e.OAuthError = r(eb.Error)
	e.OAuthErrorDescription = r(eb.ErrorDescription)
	e.CorrectiveAction = r(eb.CorrectiveAction)
	e.Continuation = r(eb.Continuation)
	e.ContinuationURL = r(eb.ContinuationURL)
	e.CorrelationID = r(eb.CorrelationID)
	// The web id API nests the corrective-action fields under metadata.
	if md, ok := eb.Metadata.(map[string]any); ok {
		if e.CorrectiveAction == "" {
			e.CorrectiveAction = r(md["correctiveAction"])
		}
		if e.Continuation == "" {
			e.Continuation = r(md["continuation"])
		}
		if e.ContinuationURL == "" {
			e.ContinuationURL = r(md["continuationUrl"])
		}
	}
	if e.ErrorCode == "" && e.OAuthError == "" && e.ErrorMessage == "" {
		e.Detail = "response is a JSON object without an Epic error code"
	}
}

// retryAfterSeconds finds "in 120 second(s)" in a throttling message.
var retryAfterSeconds = regexp.MustCompile(`in (\d+) second`)

// maxRetryAfter caps a wait read from a response, so a garbled value cannot
// turn into a wait of years.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads the wait Epic asked for: the Retry-After header (seconds
// or an HTTP date), else, on a throttling error, messageVars[0] or the number
// of seconds in the message. The result is between 0 and maxRetryAfter; a
// value that is negative, in the past or not a number is ignored.
func retryAfter(h http.Header, e *epicoauth.Error) time.Duration {
	d := time.Duration(0)
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
			d = seconds(s)
		} else if t, err := http.ParseTime(v); err == nil {
			// Counted from the server's own Date when it sent one, so
			// that a skewed local clock does not stretch the wait.
			now := time.Now()
			if date, err := http.ParseTime(h.Get("Date")); err == nil {
				now = date
			}
			d = t.Sub(now)
		}
	}
	if d <= 0 && (e.ErrorCode == epicoauth.ErrorCodeThrottled || e.StatusCode == http.StatusTooManyRequests) {
		if len(e.MessageVars) > 0 {
			if s, err := strconv.ParseInt(strings.TrimSpace(e.MessageVars[0]), 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
				d = seconds(s)
			}
		}
		if d <= 0 {
			if m := retryAfterSeconds.FindStringSubmatch(e.ErrorMessage); m != nil {
				s, _ := strconv.ParseInt(m[1], 10, 64) // MaxInt64 when too long
				d = seconds(s)
			}
		}
	}
	return max(0, min(d, maxRetryAfter))
}

// seconds converts a count of seconds from a response into a Duration
// without overflowing: anything past maxRetryAfter is maxRetryAfter, and a
// count below zero (which Epic never sends; multiplied out it could wrap
// around to any wait) is 0, ignored.
func seconds(s int64) time.Duration {
	if s <= 0 {
		return 0
	}
	if s > int64(maxRetryAfter/time.Second) {
		return maxRetryAfter
	}
	return time.Duration(s) * time.Second
}

// quoteBody describes a body that could not be understood by its content
// type and a short, redacted excerpt.
func quoteBody(resp *http.Response, body []byte, secrets []string) string {
	q := ""
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		q = " (" + ct + ")"
	}
	return q + ": " + strconv.Quote(excerpt(redact.Secrets(string(body), secrets)))
}

func excerpt(s string) string {
	if len(s) <= excerptLen {
		return s
	}
	cut := excerptLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// asString returns v as a string: strings as they are, numbers and booleans
// formatted, anything else empty.
func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	}
	return ""
}

// asInt returns v as an int when it is a whole number or a string holding one.
func asInt(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) && x >= -1<<53 && x <= 1<<53 {
			return int(x), true
		}
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	case json.Number:
		n, err := strconv.Atoi(x.String())
		return n, err == nil
	}
	return 0, false
}

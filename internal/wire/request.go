package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/redact"
)

// MaxBodyBytes is the most of a response body that is read, as in
// golang.org/x/oauth2. A larger body is an error, never silently truncated.
const MaxBodyBytes = 1 << 20

// Request is one HTTP request to an Epic service.
type Request struct {
	// Method defaults to POST when Form is set, else GET.
	Method string
	URL    string
	// ClientID and ClientSecret are sent as HTTP Basic auth when ClientID
	// is set.
	ClientID     string
	ClientSecret string
	// Bearer, when set, is sent as "Authorization: bearer <Bearer>".
	Bearer string
	// Form, when non-nil, is the application/x-www-form-urlencoded body.
	Form url.Values
	// Header holds extra headers, such as X-Epic-Device-ID.
	Header http.Header
	// UserAgent overrides epicoauth.DefaultUserAgent.
	UserAgent string
	// Secrets lists values to redact from errors besides the ones Request
	// already knows are secret (client secret, bearer, every form field
	// but the public ones such as grant_type).
	Secrets []string
	// Clock stamps the response and times retries; nil means the real
	// clock.
	Clock epicoauth.Clock
	// Retry is the retry policy of RetrieveToken; nil means the defaults
	// (see epicoauth.RetryPolicy). Do sends once.
	Retry *epicoauth.RetryPolicy
	// AllowInsecureHTTP lets the request go to a plain http:// URL whose
	// host is not loopback; without it such a request fails with
	// epicoauth.ErrInsecureHTTP before anything is sent.
	AllowInsecureHTTP bool
}

// Response is a successful (2xx) response.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// Received is when the response headers arrived, by Request.Clock.
	Received time.Time
	// HTTP is the underlying response; its body has been read.
	HTTP *http.Response
}

// Do sends req with the client from ctx and reads the body. A non-2xx
// status, a body over MaxBodyBytes, or a 2xx JSON object that carries an Epic
// errorCode or an OAuth error is returned as a redacted *epicoauth.Error.
// Transport errors are returned with any secret in the URL redacted; one
// raised before any byte of the request was written (a failed dial) also
// matches errNotSent, which tells RetrieveToken that even a single-use
// grant may be sent again. A plain http:// URL whose host is not loopback
// fails with epicoauth.ErrInsecureHTTP unless req.AllowInsecureHTTP. A
// redirect is followed only as epicoauth.RedirectError allows, else that
// error is returned.
func Do(ctx context.Context, req *Request) (*Response, error) {
	secrets := secretsOf(req)
	hreq, err := newHTTPRequest(ctx, req)
	if err != nil {
		return nil, errors.New(redact.Secrets(err.Error(), secrets))
	}
	if err := checkURL(hreq.URL, req.AllowInsecureHTTP); err != nil {
		return nil, err
	}
	var wrote atomic.Bool
	hreq = hreq.WithContext(httptrace.WithClientTrace(hreq.Context(), &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
	}))
	resp, err := withRedirectPolicy(HTTPClient(ctx), req, secrets).Do(hreq)
	if err != nil {
		var redirect *epicoauth.RedirectError
		if errors.As(err, &redirect) {
			return nil, redirect // not inside a *url.Error, which would print the URL again
		}
		err = redactTransportError(err, secrets)
		if !wrote.Load() && isDialError(err) {
			err = &notSentError{err}
		}
		return nil, err
	}
	defer resp.Body.Close()
	received := epicoauth.ClockOrReal(req.Clock).Now()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, redactTransportError(fmt.Errorf("epicoauth: reading response: %w", err), secrets)
	}
	if len(body) > MaxBodyBytes {
		e, _ := newError(resp, nil, secrets)
		e.Detail = fmt.Sprintf("response body exceeds %d bytes", MaxBodyBytes)
		return nil, e
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 || carriesError(body) {
		return nil, ParseError(resp, body, secrets)
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body, Received: received, HTTP: resp}, nil
}

func newHTTPRequest(ctx context.Context, req *Request) (*http.Request, error) {
	method := req.Method
	var body io.Reader
	if req.Form != nil {
		body = strings.NewReader(req.Form.Encode())
		if method == "" {
			method = http.MethodPost
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	hreq, err := http.NewRequestWithContext(ctx, method, req.URL, body)
	if err != nil {
		return nil, fmt.Errorf("epicoauth: bad request URL: %w", err)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	if req.Form != nil {
		hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	hreq.Header.Set("Accept", "application/json")
	ua := req.UserAgent
	if ua == "" {
		ua = epicoauth.DefaultUserAgent
	}
	hreq.Header.Set("User-Agent", ua)
	switch {
	case req.Bearer != "":
		hreq.Header.Set("Authorization", "bearer "+req.Bearer)
	case req.ClientID != "":
		// Epic's client ids and secrets are plain ASCII; x/oauth2 escapes
		// them (RFC 6749 2.3.1), which changes nothing for such values but
		// breaks secrets with reserved characters, like the Dauntless one.
		hreq.SetBasicAuth(req.ClientID, req.ClientSecret)
	}
	return hreq, nil
}

// carriesError reports whether a 2xx body is a JSON object with Epic's
// errorCode or an OAuth error: Epic and proxies sometimes answer 200 with an
// error body.
func carriesError(body []byte) bool {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return false
	}
	var probe struct {
		ErrorCode json.RawMessage `json:"errorCode"`
		Error     json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &probe) != nil {
		return false
	}
	return isNonEmpty(probe.ErrorCode) || isNonEmpty(probe.Error)
}

func isNonEmpty(m json.RawMessage) bool {
	s := string(bytes.TrimSpace(m))
	return s != "" && s != "null" && s != `""`
}

// redactTransportError removes secrets from a transport error's text while
// keeping it matchable with errors.Is (context.DeadlineExceeded and so on).
func redactTransportError(err error, secrets []string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redact.Secrets(ue.URL, secrets), Err: ue.Err}
	}
	if msg := err.Error(); redact.Secrets(msg, secrets) != msg {
		return &redactedError{msg: redact.Secrets(msg, secrets), err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// errNotSent is matched (errors.Is) by a transport error raised before any
// byte of the request was written.
var errNotSent = errors.New("epicoauth: request not sent")

// notSentError marks such an error without changing its text.
type notSentError struct{ err error }

func (e *notSentError) Error() string   { return e.err.Error() }
func (e *notSentError) Unwrap() []error { return []error{e.err, errNotSent} }

// isDialError reports whether err comes from opening a connection (DNS, TCP
// connect, proxy connect): the only transport failures after which the
// server cannot have seen the request.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

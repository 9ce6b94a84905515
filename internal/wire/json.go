package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/redact"
)

// DoJSON sends req (see Do) and decodes the JSON body of the successful
// response into a T. A body that does not decode into a T is a redacted
// *epicoauth.Error whose Detail says what was wrong. The response is
// returned too, for its Received time and headers.
func DoJSON[T any](ctx context.Context, req *Request) (T, *Response, error) {
	var v T
	resp, err := Do(ctx, req)
	if err != nil {
		return v, nil, err
	}
	if err := json.Unmarshal(resp.Body, &v); err != nil {
		return v, resp, BadResponse(req, resp, "response does not decode: "+err.Error())
	}
	return v, resp, nil
}

// BadResponse is the error for a 2xx response to req whose body is not what
// was expected (problem says how). Besides the request's secrets, any
// credential the body itself carries (a new device auth's secret, an
// exchange code) is redacted from the error.
func BadResponse(req *Request, resp *Response, problem string) *epicoauth.Error {
	e, secrets := newError(resp.HTTP, resp.Body, secretsOf(req))
	e.Detail = redact.Secrets(problem, secrets)
	if body := bytes.TrimSpace(resp.Body); len(body) == 0 || (body[0] != '{' && body[0] != '[') {
		e.Detail += quoteBody(resp.HTTP, body, secrets)
	}
	return e
}

// Expiry is when something ends that Epic says lasts expiresIn seconds
// (else until the instant expiresAt), counting from received as ParseToken
// does for tokens. It is zero when neither value is usable.
func Expiry(expiresIn, expiresAt any, received time.Time) time.Time {
	if secs, ok := Seconds(expiresIn); ok && secs > 0 {
		return received.Add(time.Duration(secs) * time.Second)
	}
	t, _ := Time(expiresAt)
	return t
}

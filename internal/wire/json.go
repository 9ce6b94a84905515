package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/epicoauth/epicoauth"
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
	secrets := append(secretsOf(req), responseSecrets(resp.Body)...)
	e := newError(resp.HTTP, resp.Body, secrets)
	e.Detail = RedactString(problem, secrets)
	if body := bytes.TrimSpace(resp.Body); len(body) == 0 || (body[0] != '{' && body[0] != '[') {
		e.Detail += quoteBody(resp.HTTP, body, secrets)
	}
	return e
}

// responseSecrets lists the string values a JSON body holds under the names
// of credential fields (secretFields), at any depth. A body that is not JSON
// yields nothing.
func responseSecrets(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if s, ok := val.(string); ok && slices.Contains(secretFields, k) && len(s) >= minSecretLen {
					out = append(out, s)
				}
				walk(val)
			}
		case []any:
			for _, val := range x {
				walk(val)
			}
		}
	}
	walk(v)
	return out
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

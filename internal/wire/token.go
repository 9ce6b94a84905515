package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/redact"
	"github.com/epicoauth/epicoauth/internal/report"
)

// retrieveOnce sends a token request once and parses the response. The
// optional fields the token was kept without are reported through ctx
// (package report), with any secret of the request redacted from their
// names.
func retrieveOnce(ctx context.Context, req *Request) (*oauth2.Token, error) {
	resp, err := Do(ctx, req)
	if err != nil {
		return nil, err
	}
	tok, problem, malformed := ParseToken(resp.Body, resp.Received)
	if problem != "" {
		return nil, BadResponse(req, resp, problem)
	}
	if len(malformed) > 0 {
		secrets := secretsOf(req)
		for _, m := range malformed {
			m.Field = excerpt(redact.Secrets(m.Field, secrets))
			report.Problem(ctx, m)
		}
	}
	return tok, nil
}

// MaxLifetime caps how long a token is trusted, whatever its response says.
// Epic's access tokens last at most 8 hours; a longer lifetime is a garbled
// or hostile response, and believing it would cache a token long after
// Epic stopped accepting it. The cost of the cap is one early renewal.
const MaxLifetime = 24 * time.Hour

// ParseToken turns a token response body into an *oauth2.Token whose Extra
// holds every raw field. On failure it returns a description of what is
// wrong, and RetrieveToken returns it as an *epicoauth.Error.
//
// Once a response carries a usable access token, Epic has very likely spent
// the grant (a refresh token rotates, a code is used up), so a broken
// optional field never throws the token away:
//
//   - not a JSON object, invalid or truncated JSON, access_token or
//     refresh_token repeated (two values and no way to know which is
//     true), access_token missing, empty, not a string, or either token
//     holding anything but the printable ASCII (VSCHAR) RFC 6749 allows:
//     failure. A token is never altered: encoding/json would turn a byte
//     of invalid UTF-8 into U+FFFD, so such a token is refused, not
//     changed;
//   - any other field repeated, of the wrong type (see tokenFields), a
//     lifetime that is not a positive number, or a number too large for a
//     float64 (1e309) at any depth: the field is dropped from Extra, counts
//     as absent, and is returned in malformed;
//   - expires_in, a positive number of seconds (or a numeric string),
//     counts from received, when the response arrived, so a skewed server
//     clock does not matter; it is capped at MaxLifetime;
//   - else expires_at, an ISO 8601 string or epoch seconds, capped at
//     received+MaxLifetime; one in the past gives an expired token;
//   - else, when either field was sent but is unusable, the token is
//     expired on arrival: the caller of Config.Token may use it at once,
//     and a TokenSource renews it on its next call;
//   - else, with neither field sent, the token has no expiry, as in
//     golang.org/x/oauth2.
//
// tok.ExpiresIn is the lifetime counted from received (from expires_in, or
// from expires_at when it is later than received), so that RefreshExpiry
// can count refresh_expires from the same instant.
func ParseToken(body []byte, received time.Time) (tok *oauth2.Token, problem string, malformed []*epicoauth.MalformedFieldError) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, "response is not a JSON object", nil
	}
	raw, problem := decodeObject(trimmed)
	if problem != "" {
		return nil, problem, nil
	}
	sentExpiry := raw["expires_in"] != nil || raw["expires_at"] != nil
	for _, k := range scanJSON(trimmed).dupKeys {
		if k == "access_token" || k == "refresh_token" {
			return nil, fmt.Sprintf("response repeats the key %q", k), nil
		}
		delete(raw, k)
		malformed = append(malformed, &epicoauth.MalformedFieldError{Field: k, Problem: "repeated"})
	}
	access, ok := raw["access_token"].(string)
	switch {
	case !ok && raw["access_token"] != nil:
		return nil, "access_token is not a string", nil
	case !ok:
		return nil, "response has no access_token", nil
	case access == "":
		return nil, "access_token is empty", nil
	case !headerSafe(access):
		return nil, "access_token has characters other than printable ASCII (invalid UTF-8 or control characters)", nil
	}
	if refresh, ok := raw["refresh_token"].(string); ok && !headerSafe(refresh) {
		return nil, "refresh_token has characters other than printable ASCII (invalid UTF-8 or control characters); it is refused rather than altered", nil
	}
	malformed = append(malformed, dropUnusable(raw)...)
	tok = &oauth2.Token{AccessToken: access}
	tok.TokenType, _ = raw["token_type"].(string)
	tok.RefreshToken, _ = raw["refresh_token"].(string)
	tok.Expiry, tok.ExpiresIn = expiry(raw, received, sentExpiry)
	return tok.WithExtra(raw), "", malformed
}

// expiry applies ParseToken's expiry rules to the usable fields of raw; the
// second result is the lifetime in whole seconds from received, 0 when the
// token has no expiry or is expired.
func expiry(raw map[string]any, received time.Time, sent bool) (time.Time, int64) {
	if secs, ok := Seconds(raw["expires_in"]); ok && secs > 0 {
		secs = min(secs, int64(MaxLifetime/time.Second))
		return received.Add(time.Duration(secs) * time.Second), secs
	}
	if t, ok := Time(raw["expires_at"]); ok {
		if limit := received.Add(MaxLifetime); t.After(limit) {
			t = limit
		}
		// Rounded up, so that received as RefreshExpiry recomputes it is
		// never later than the truth.
		return t, max(0, int64((t.Sub(received)+time.Second-1)/time.Second))
	}
	if sent {
		return received, 0
	}
	return time.Time{}, 0
}

// headerSafe reports whether s is made of VSCHARs (RFC 6749 appendix A),
// which an Authorization header can carry as they are.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// maxSeconds bounds a lifetime in seconds so that it fits a time.Duration
// (about 292 years); anything longer is treated as that long.
const maxSeconds = int64(math.MaxInt64 / int64(time.Second))

// Seconds reads a JSON number of seconds (or a numeric string) as a whole
// number, clamped to what a time.Duration can hold.
func Seconds(v any) (int64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	case string:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(x), 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	switch {
	case f >= float64(maxSeconds):
		return maxSeconds, true
	case f <= -float64(maxSeconds):
		return -maxSeconds, true
	}
	return int64(f), true
}

// Time reads an instant the way Epic writes it: an ISO 8601 / RFC 3339 string
// (usually with milliseconds and Z), or a NumericDate (epoch seconds) as the
// EOS documentation describes. The zero instant is refused: callers read a
// zero Time as "no expiry".
func Time(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return time.Time{}, false
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, !t.IsZero() // the zero Time means "no expiry" to callers
		}
		if secs, ok := Seconds(s); ok && secs > 0 {
			return time.Unix(secs, 0).UTC(), true
		}
	case float64, json.Number:
		if secs, ok := Seconds(x); ok && secs > 0 {
			return time.Unix(secs, 0).UTC(), true
		}
	}
	return time.Time{}, false
}

// RefreshExpiry is when tok's refresh token stops working, from the fields
// Epic sends: refresh_expires or refresh_expires_in (seconds, counted from
// when the token arrived, which tok.Expiry minus tok.ExpiresIn gives, as
// ParseToken sets them whether the expiry came from expires_in or
// expires_at), else refresh_expires_at. It is zero when tok says nothing
// usable, or its token arrived expired (no instant to count from).
func RefreshExpiry(tok *oauth2.Token) time.Time {
	if tok == nil {
		return time.Time{}
	}
	if !tok.Expiry.IsZero() && tok.ExpiresIn > 0 {
		received := tok.Expiry.Add(-time.Duration(tok.ExpiresIn) * time.Second)
		for _, k := range []string{"refresh_expires", "refresh_expires_in"} {
			if secs, ok := Seconds(tok.Extra(k)); ok && secs > 0 {
				return received.Add(time.Duration(secs) * time.Second)
			}
		}
	}
	t, _ := Time(tok.Extra("refresh_expires_at"))
	return t
}

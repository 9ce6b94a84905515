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
)

// RetrieveToken posts a token request (req.Form holds grant_type and the
// grant's fields) and parses the response into a token.
func RetrieveToken(ctx context.Context, req *Request) (*oauth2.Token, error) {
	resp, err := Do(ctx, req)
	if err != nil {
		return nil, err
	}
	tok, problem := ParseToken(resp.Body, resp.Received)
	if problem != "" {
		return nil, BadResponse(req, resp, problem)
	}
	return tok, nil
}

// ParseToken turns a token response body into an *oauth2.Token whose Extra
// holds every raw field. Expiry is counted from received (when the response
// arrived) by expires_in, so a skewed server clock does not matter; without a
// usable expires_in it falls back to expires_at (an ISO 8601 string or epoch
// seconds). On failure it returns a description of what is wrong.
func ParseToken(body []byte, received time.Time) (tok *oauth2.Token, problem string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, "response is not a JSON object"
	}
	var raw map[string]any
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		return nil, "response is not valid JSON: " + err.Error()
	}
	access, ok := raw["access_token"].(string)
	if !ok {
		if _, present := raw["access_token"]; present {
			return nil, "access_token is not a string"
		}
		return nil, "response has no access_token"
	}
	if access == "" {
		return nil, "access_token is empty"
	}
	tok = &oauth2.Token{AccessToken: access}
	if v, present := raw["token_type"]; present {
		s, ok := v.(string)
		if !ok {
			return nil, "token_type is not a string"
		}
		tok.TokenType = s
	}
	if v, present := raw["refresh_token"]; present && v != nil {
		s, ok := v.(string)
		if !ok {
			return nil, "refresh_token is not a string"
		}
		tok.RefreshToken = s
	}
	if v, present := raw["expires_in"]; present && v != nil {
		secs, ok := Seconds(v)
		if !ok {
			return nil, fmt.Sprintf("expires_in is not a number of seconds: %v", v)
		}
		if secs > 0 {
			tok.ExpiresIn = secs
			tok.Expiry = received.Add(time.Duration(secs) * time.Second)
		}
	}
	if tok.Expiry.IsZero() {
		if t, ok := Time(raw["expires_at"]); ok {
			tok.Expiry = t
		}
	}
	return tok.WithExtra(raw), ""
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
// EOS documentation describes.
func Time(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return time.Time{}, false
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, true
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
// when the token arrived), else refresh_expires_at. It is zero when tok says
// nothing.
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

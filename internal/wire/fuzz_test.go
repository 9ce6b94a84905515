package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// Fuzz targets for every parser of this package. Their seed corpora in
// testdata/fuzz are the recorded Epic payloads of shared/fixtures (plain
// go test runs them); run one for longer with
//
//	go test -run '^$' -fuzz '^FuzzParseToken$' -fuzztime 3m ./internal/wire/

// The secrets of the fuzzed requests. None contains a space, a colon or a
// character of "[REDACTED]" other than '_', so no redaction or
// concatenation can form one by accident.
var fuzzRequest = &Request{
	ClientSecret: "cs_secret_4f2a9",
	Bearer:       "at_secret_9e6f1",
	Form: url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {"rt_secret_77c1e"},
		"secret":        {"da_secret_0b3d8"},
	},
}

var fuzzSecrets = []string{"cs_secret_4f2a9", "at_secret_9e6f1", "rt_secret_77c1e", "da_secret_0b3d8"}

var fuzzReceived = time.Date(2023, 11, 12, 9, 29, 34, 0, time.UTC)

// assertNoSecret fails if any text holds a secret of fuzzRequest.
func assertNoSecret(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range fuzzSecrets {
		for _, text := range texts {
			if strings.Contains(text, s) {
				t.Fatalf("secret %q leaked into %q", s, text)
			}
		}
	}
}

// errorTexts is every way an Error can be printed or read as text.
func errorTexts(e *epicoauth.Error) []string {
	var re *oauth2.RetrieveError
	re, _ = e.Unwrap().(*oauth2.RetrieveError)
	texts := []string{
		e.Error(), fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), fmt.Sprintf("%q", e),
		string(e.Body), re.Error(), e.ErrorCode, e.ErrorMessage, e.OAuthError, e.OAuthErrorDescription,
		e.Detail, e.CorrectiveAction, e.Continuation, e.ContinuationURL, e.CorrelationID, e.OriginatingService, e.Intent,
	}
	return append(texts, e.MessageVars...)
}

// assertCredentialsRedacted fails if a JSON body still holds a string under
// a credential key.
func assertCredentialsRedacted(t *testing.T, body []byte) {
	t.Helper()
	var v any
	if json.Unmarshal(body, &v) != nil {
		return
	}
	var walk func(v any, secret bool)
	walk = func(v any, secret bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(c, secret || isCredentialKey(k))
			}
		case []any:
			for _, c := range x {
				walk(c, secret)
			}
		case string:
			if secret && x != Redacted {
				t.Fatalf("credential %q kept in %s", x, body)
			}
		}
	}
	walk(v, false)
}

func FuzzParseToken(f *testing.F) {
	f.Add([]byte(`{"access_token":"rt_secret_77c1e","expires_in":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, problem, malformed := ParseToken(body, fuzzReceived)
		if problem != "" {
			if tok != nil {
				t.Fatal("a token and a problem")
			}
			e := BadResponse(fuzzRequest, &Response{StatusCode: 200, Body: body, HTTP: &http.Response{StatusCode: 200, Header: http.Header{}}}, problem)
			assertNoSecret(t, errorTexts(e)...)
			assertCredentialsRedacted(t, e.Body)
			return
		}
		if tok.AccessToken == "" || !headerSafe(tok.AccessToken) {
			t.Fatalf("unusable access token %q", tok.AccessToken)
		}
		// Never altered: encoding/json's U+FFFD for invalid UTF-8 is not
		// printable ASCII, so a kept token is the bytes Epic sent.
		if !headerSafe(tok.RefreshToken) || !bytes.Contains(body, []byte(tok.RefreshToken)) {
			t.Fatalf("refresh token %q altered", tok.RefreshToken)
		}
		for _, m := range malformed {
			if tok.Extra(m.Field) != nil {
				t.Fatalf("reported field %q kept", m.Field)
			}
		}
		// Whatever was salvaged can be saved and read back.
		saved, err := epicoauth.MarshalToken(tok)
		if err != nil {
			t.Fatalf("salvaged token does not save: %v", err)
		}
		if _, err := epicoauth.UnmarshalToken(saved); err != nil {
			t.Fatalf("saved token does not load: %v", err)
		}
		if tok.Extra("access_token") != tok.AccessToken {
			t.Fatal("Extra and AccessToken disagree")
		}
		maxSecs := int64(MaxLifetime / time.Second)
		if tok.ExpiresIn < 0 || tok.ExpiresIn > maxSecs {
			t.Fatalf("ExpiresIn %d out of range", tok.ExpiresIn)
		}
		if upTo := fuzzReceived.Add(time.Duration(tok.ExpiresIn) * time.Second); tok.ExpiresIn > 0 && (tok.Expiry.After(upTo) || !tok.Expiry.After(upTo.Add(-time.Second))) {
			t.Fatalf("Expiry %v does not follow ExpiresIn %d", tok.Expiry, tok.ExpiresIn)
		}
		if tok.Expiry.After(fuzzReceived.Add(MaxLifetime)) {
			t.Fatalf("Expiry %v past the lifetime cap", tok.Expiry)
		}
		if tok.Expiry.IsZero() && (tok.Extra("expires_in") != nil || tok.Extra("expires_at") != nil) {
			t.Fatal("a token that says when it expires never expires")
		}
		_ = RefreshExpiry(tok)
	})
}

func FuzzParseError(f *testing.F) {
	f.Add([]byte(`{"errorCode":"errors.com.epicgames.account.auth_token.invalid_refresh_token","errorMessage":"Sorry the refresh token 'rt_secret_77c1e' is invalid","messageVars":["rt_secret_77c1e"]}`), 400, "")
	f.Fuzz(func(t *testing.T, body []byte, status int, retryAfterHeader string) {
		if status < 100 || status > 999 {
			status = 500
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {retryAfterHeader}}}
		e := ParseError(resp, body, secretsOf(fuzzRequest))
		assertNoSecret(t, errorTexts(e)...)
		assertCredentialsRedacted(t, e.Body)
		if !strings.HasPrefix(e.Error(), "epicoauth: ") || !utf8.ValidString(fmt.Sprintf("%q", e)) {
			t.Fatalf("bad error text %q", e.Error())
		}
		if e.RetryAfter < 0 || e.RetryAfter > maxRetryAfter {
			t.Fatalf("RetryAfter %v out of range", e.RetryAfter)
		}
		if h := strings.TrimSpace(retryAfterHeader); strings.HasPrefix(h, "-") && !isThrottled(e) && e.RetryAfter != 0 {
			t.Fatalf("negative Retry-After %q read as %v", h, e.RetryAfter)
		}
		if status >= 500 && !e.Temporary() {
			t.Fatal("a server error is temporary")
		}
	})
}

// FuzzExpiry feeds one JSON value to every reader of expiry fields.
func FuzzExpiry(f *testing.F) {
	f.Add(`7200`)
	f.Add(`"2023-11-12T13:29:34.070Z"`)
	f.Fuzz(func(t *testing.T, value string) {
		var v any
		if json.Unmarshal([]byte(value), &v) != nil {
			v = value
		}
		if secs, ok := Seconds(v); ok {
			if secs < -maxSeconds || secs > maxSeconds {
				t.Fatalf("Seconds %d out of range", secs)
			}
			if f, isFloat := v.(float64); isFloat && f == float64(int64(f)) && secs != min(max(int64(f), -maxSeconds), maxSeconds) {
				t.Fatalf("Seconds(%v) = %d, want it clamped to ±%d", f, secs, maxSeconds)
			}
		}
		if at, ok := Time(v); ok && at.IsZero() {
			t.Fatal("Time accepted the zero instant, which means no expiry")
		}
		for _, raw := range []map[string]any{{"expires_in": v}, {"expires_at": v}, {"expires_in": v, "expires_at": v}} {
			exp, secs := expiry(raw, fuzzReceived, v != nil)
			if exp.IsZero() && v != nil {
				t.Fatalf("%v: a sent expiry field gave no expiry", raw)
			}
			if exp.After(fuzzReceived.Add(MaxLifetime)) || secs < 0 || secs > int64(MaxLifetime/time.Second) {
				t.Fatalf("%v: expiry %v (%d s) past the cap", raw, exp, secs)
			}
			if upTo := fuzzReceived.Add(time.Duration(secs) * time.Second); secs > 0 && (exp.After(upTo) || !exp.After(upTo.Add(-time.Second))) {
				t.Fatalf("%v: expiry %v is not %d s (rounded up) after arrival", raw, exp, secs)
			}
		}
		tok := (&oauth2.Token{AccessToken: "a", Expiry: fuzzReceived.Add(time.Hour), ExpiresIn: 3600}).
			WithExtra(map[string]any{"refresh_expires": v, "refresh_expires_in": v, "refresh_expires_at": v})
		_ = RefreshExpiry(tok)
	})
}

// FuzzRedactResponse checks the scanner that cuts credentials out of
// response bodies.
func FuzzRedactResponse(f *testing.F) {
	f.Add([]byte(`{"access\u005ftoken":"abc\u0064","a":{"refresh_token":["x",{"b":"y"}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if scanJSON(body).valid != json.Valid(body) {
			t.Fatalf("scanJSON and json.Valid disagree (decodeObject relies on them agreeing): %q", body)
		}
		out, _ := redactResponse(body)
		assertCredentialsRedacted(t, out)
		if json.Valid(body) != json.Valid(out) {
			t.Fatalf("validity changed: %s -> %s", body, out)
		}
		var in, got any
		if json.Unmarshal(body, &in) == nil {
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("redacted body is not JSON: %v", err)
			}
			if want := redactedValue(in, false); !reflect.DeepEqual(want, got) {
				t.Fatalf("redaction changed more than credentials:\n%v\n%v", want, got)
			}
		}
	})
}

// redactedValue is the reference redaction: every string under a credential
// key replaced.
func redactedValue(v any, secret bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, c := range x {
			out[k] = redactedValue(c, secret || isCredentialKey(k))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			out[i] = redactedValue(c, secret)
		}
		return out
	case string:
		if secret {
			return Redacted
		}
	}
	return v
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://account-public-service-prod.ol.epicgames.com/account/api/oauth/token", "http://127.0.0.1:8080/token", "http://[::1]/t", "http://localhost/t", "http://example.com/t", "http://[fe80::1%25lo]/t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		if checkURL(u, true) != nil {
			t.Fatal("AllowInsecureHTTP refused a URL")
		}
		if checkURL(u, false) != nil || !strings.EqualFold(u.Scheme, "http") {
			return
		}
		// Allowed over plain http: the host must be loopback by an
		// independent reading.
		host := u.Hostname()
		if i := strings.IndexByte(host, '%'); i >= 0 {
			host = host[:i]
		}
		if ip := net.ParseIP(host); ip != nil {
			if !ip.IsLoopback() {
				t.Fatalf("%q allowed over http", raw)
			}
			return
		}
		if !strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
			t.Fatalf("%q allowed over http", raw)
		}
	})
}

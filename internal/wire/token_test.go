package wire

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// withFields returns a fixture with fields set (nil deletes a field).
func withFields(t *testing.T, name string, fields map[string]any) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, name), &m))
	for k, v := range fields {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func TestParseTokenExpiry(t *testing.T) {
	const exchange = "account-token-exchange_code.json"
	tests := []struct {
		name string
		body []byte
		want time.Time
	}{
		{"expires_in counts from arrival, not the server clock", fixture(t, exchange), arrival.Add(7200 * time.Second)},
		{"expires_in as a numeric string", withFields(t, exchange, map[string]any{"expires_in": "7200"}), arrival.Add(7200 * time.Second)},
		{"fallback to expires_at as ISO 8601", withFields(t, exchange, map[string]any{"expires_in": nil}), time.Date(2023, 8, 30, 18, 29, 11, 892e6, time.UTC)},
		{"fallback to expires_at as epoch seconds", withFields(t, exchange, map[string]any{"expires_in": nil, "expires_at": 1893553445}), time.Unix(1893553445, 0)},
		{"fallback to expires_at as an epoch string", withFields(t, exchange, map[string]any{"expires_in": nil, "expires_at": "1893553445"}), time.Unix(1893553445, 0)},
		{"zero expires_in falls back to expires_at", withFields(t, exchange, map[string]any{"expires_in": 0}), time.Date(2023, 8, 30, 18, 29, 11, 892e6, time.UTC)},
		{"EOS expires_at string beside expires_in", fixture(t, "eos-connect-token-external_auth.json"), arrival.Add(3599 * time.Second)},
		{"no expiry at all", withFields(t, exchange, map[string]any{"expires_in": nil, "expires_at": nil}), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, problem, _ := ParseToken(tt.body, arrival)
			require.Empty(t, problem)
			assert.True(t, tt.want.Equal(tok.Expiry), "Expiry = %v, want %v", tok.Expiry, tt.want)
		})
	}
}

func TestParseTokenKeepsEveryField(t *testing.T) {
	for _, name := range []string{
		"account-token-client_credentials.json",
		"account-token-authorization_code.json",
		"account-token-exchange_code.json",
		"eos-connect-token-client_credentials.json",
		"eos-connect-token-external_auth.json",
	} {
		t.Run(name, func(t *testing.T) {
			body := fixture(t, name)
			tok, problem, _ := ParseToken(body, arrival)
			require.Empty(t, problem)
			var raw map[string]any
			require.NoError(t, json.Unmarshal(body, &raw))
			assert.Equal(t, raw["access_token"], tok.AccessToken)
			assert.Equal(t, "bearer", tok.TokenType)
			if rt, ok := raw["refresh_token"]; ok {
				assert.Equal(t, rt, tok.RefreshToken)
			} else {
				assert.Empty(t, tok.RefreshToken)
			}
			for k, v := range raw {
				assert.Equal(t, v, tok.Extra(k), "Extra(%q)", k)
			}
		})
	}
}

func TestParseTokenProblems(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", "", "not a JSON object"},
		{"HTML", "<html><body>Bad Gateway</body></html>", "not a JSON object"},
		{"array", `[{"access_token":"x"}]`, "not a JSON object"},
		{"broken JSON", `{"access_token":`, "not valid JSON"},
		{"no access_token", `{"token_type":"bearer","expires_in":7200}`, "no access_token"},
		{"access_token not a string", `{"access_token":42}`, "access_token is not a string"},
		{"access_token empty", `{"access_token":""}`, "access_token is empty"},
		// Wrong-typed token_type, refresh_token and expires_in are not
		// problems: see TestHostileTokenResponses for their outcomes.
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, problem, _ := ParseToken([]byte(tt.body), arrival)
			assert.Nil(t, tok)
			assert.Contains(t, problem, tt.want)
		})
	}
}

func TestRefreshExpiry(t *testing.T) {
	const exchange = "account-token-exchange_code.json"
	atFixture := time.Date(2023, 8, 31, 0, 29, 11, 893e6, time.UTC)
	tests := []struct {
		name string
		body []byte
		want time.Time
	}{
		{"refresh_expires counts from arrival", fixture(t, exchange), arrival.Add(28800 * time.Second)},
		{"refresh_expires_in counts from arrival", withFields(t, exchange, map[string]any{"refresh_expires": nil, "refresh_expires_in": 115200}), arrival.Add(115200 * time.Second)},
		{"fallback to refresh_expires_at", withFields(t, exchange, map[string]any{"refresh_expires": nil}), atFixture},
		{"refresh_expires_at as epoch seconds", withFields(t, exchange, map[string]any{"refresh_expires": nil, "refresh_expires_at": 1893553445}), time.Unix(1893553445, 0)},
		// An expires_at already past leaves no instant to count
		// refresh_expires from, so only the absolute field can be used.
		{"past expires_at uses refresh_expires_at", withFields(t, exchange, map[string]any{"expires_in": nil}), atFixture},
		// expires_at without expires_in: refresh_expires counts from
		// arrival as well (it used to be ignored, read as "never").
		{"expires_at without expires_in", withFields(t, exchange, map[string]any{"expires_in": nil, "refresh_expires_at": nil, "expires_at": isoTime(arrival.Add(2 * time.Hour))}), arrival.Add(28800 * time.Second)},
		{"epoch expires_at without expires_in", withFields(t, exchange, map[string]any{"expires_in": nil, "refresh_expires_at": nil, "expires_at": arrival.Add(2 * time.Hour).Unix()}), arrival.Add(28800 * time.Second)},
		{"expires_at without expires_in, refresh_expires_in", withFields(t, exchange, map[string]any{"expires_in": nil, "refresh_expires_at": nil, "refresh_expires": nil, "refresh_expires_in": 3600, "expires_at": isoTime(arrival.Add(time.Hour))}), arrival.Add(time.Hour)},
		// A fraction of a second in expires_at is rounded so that the
		// refresh token is taken to expire early, never late.
		{"fractional expires_at rounds early", withFields(t, exchange, map[string]any{"expires_in": nil, "refresh_expires_at": nil, "expires_at": isoTime(arrival.Add(2*time.Hour + 500*time.Millisecond))}), arrival.Add(28800*time.Second - 500*time.Millisecond)},
		{"past expires_at and no refresh_expires_at: unknown", withFields(t, exchange, map[string]any{"expires_in": nil, "refresh_expires_at": nil}), time.Time{}},
		{"client token has none", fixture(t, "account-token-client_credentials.json"), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, problem, _ := ParseToken(tt.body, arrival)
			require.Empty(t, problem)
			got := RefreshExpiry(tok)
			assert.True(t, tt.want.Equal(got), "RefreshExpiry = %v, want %v", got, tt.want)
			// A saved token says the same.
			saved, err := epicoauth.MarshalToken(tok)
			require.NoError(t, err)
			loaded, err := epicoauth.UnmarshalToken(saved)
			require.NoError(t, err)
			got = RefreshExpiry(loaded)
			assert.True(t, tt.want.Equal(got), "after a save, RefreshExpiry = %v, want %v", got, tt.want)
		})
	}
	assert.True(t, RefreshExpiry(nil).IsZero())
}

func TestSecondsAndTime(t *testing.T) {
	secs := []struct {
		name string
		in   any
		want int64
		ok   bool
	}{
		{"number", float64(7200), 7200, true},
		{"json.Number", json.Number("28800"), 28800, true},
		{"string", " 300 ", 300, true},
		{"fraction truncated", 1.9, 1, true},
		{"clamped", 1e300, maxSeconds, true},
		{"NaN string", "NaN", 0, false},
		{"word", "soon", 0, false},
		{"bool", true, 0, false},
		{"nil", nil, 0, false},
	}
	for _, tt := range secs {
		t.Run("Seconds/"+tt.name, func(t *testing.T) {
			got, ok := Seconds(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
	times := []struct {
		name string
		in   any
		want time.Time
	}{
		{"ISO with ms and Z", "2023-11-12T13:06:47.813Z", time.Date(2023, 11, 12, 13, 6, 47, 813e6, time.UTC)},
		{"RFC 3339 with offset", "2023-11-12T15:06:47+02:00", time.Date(2023, 11, 12, 13, 6, 47, 0, time.UTC)},
		{"epoch number", float64(1699794407), time.Unix(1699794407, 0)},
		{"epoch string", "1699794407", time.Unix(1699794407, 0)},
		{"empty", "", time.Time{}},
		{"garbage", "tomorrow", time.Time{}},
		{"negative", float64(-5), time.Time{}},
		{"bool", false, time.Time{}},
	}
	for _, tt := range times {
		t.Run("Time/"+tt.name, func(t *testing.T) {
			got, ok := Time(tt.in)
			assert.Equal(t, !tt.want.IsZero(), ok)
			assert.True(t, tt.want.Equal(got), "Time = %v, want %v", got, tt.want)
		})
	}
}

func TestExtraReaders(t *testing.T) {
	tok := (&oauth2.Token{AccessToken: "x"}).WithExtra(map[string]any{
		"s": "v", "b": true, "arr": []any{"a", 1.0, "b"}, "strs": []string{"c"}, "spaced": "basic_profile friends_list",
		"when": "2023-11-12T13:06:47.813Z", "num": 3.0,
	})
	assert.Equal(t, "v", ExtraString(tok, "s"))
	assert.Empty(t, ExtraString(tok, "num"), "wrong type")
	assert.Empty(t, ExtraString(nil, "s"))
	assert.True(t, ExtraBool(tok, "b"))
	assert.False(t, ExtraBool(tok, "s"))
	assert.False(t, ExtraBool(nil, "b"))
	assert.Equal(t, []string{"a", "b"}, ExtraStrings(tok, "arr"), "non-strings skipped")
	assert.Equal(t, []string{"c"}, ExtraStrings(tok, "strs"))
	assert.Equal(t, []string{"basic_profile", "friends_list"}, ExtraStrings(tok, "spaced"))
	assert.Nil(t, ExtraStrings(tok, "num"))
	assert.Nil(t, ExtraStrings(nil, "arr"))
	assert.True(t, time.Date(2023, 11, 12, 13, 6, 47, 813e6, time.UTC).Equal(ExtraTime(tok, "when")))
	assert.True(t, ExtraTime(tok, "s").IsZero())
	assert.True(t, ExtraTime(nil, "when").IsZero())
}

func TestRetrieveToken(t *testing.T) {
	t.Run("success", func(t *testing.T) {
		srv, got := recordServer(t, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, fixture(t, "account-token-exchange_code.json"))
		form := url.Values{"grant_type": {"exchange_code"}, "exchange_code": {"11111111111111111111111111111111"}}
		tok, err := RetrieveToken(context.Background(), &Request{URL: srv.URL, ClientID: testClientID, ClientSecret: testClientSecret, Form: form, Clock: fixedClock(arrival)})
		require.NoError(t, err)
		assert.Equal(t, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", tok.AccessToken)
		assert.Equal(t, "cccccccccccccccccccccccccccccccc", tok.RefreshToken)
		assert.Equal(t, arrival.Add(2*time.Hour), tok.Expiry)
		gotForm, err := url.ParseQuery(got.body)
		require.NoError(t, err)
		assert.Equal(t, form, gotForm)
	})

	failures := []struct {
		name, contentType, body, wantDetail string
	}{
		{"2xx without access_token", "application/json", `{"token_type":"bearer","expires_in":7200}`, "response has no access_token"},
		{"2xx HTML", "text/html", "<html><body>Welcome</body></html>", `response is not a JSON object (text/html): "<html><body>Welcome</body></html>"`},
		{"2xx empty", "", "", `response is not a JSON object: ""`},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := recordServer(t, http.StatusOK, http.Header{"Content-Type": {tt.contentType}}, []byte(tt.body))
			tok, err := RetrieveToken(context.Background(), &Request{URL: srv.URL, Form: url.Values{"grant_type": {"client_credentials"}}})
			assert.Nil(t, tok)
			var e *epicoauth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, http.StatusOK, e.StatusCode)
			assert.Equal(t, tt.wantDetail, e.Detail)
			assert.Contains(t, err.Error(), "200")
		})
	}
}

// isoTime formats t as Epic does: UTC, milliseconds, Z.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

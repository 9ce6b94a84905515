package wire_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/wire"
)

func TestDoJSON(t *testing.T) {
	type created struct {
		DeviceID string `json:"deviceId"`
		Secret   string `json:"secret"`
		Created  struct {
			Location string `json:"location"`
		} `json:"created"`
	}
	const (
		bearer = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		secret = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	)
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		want       created
		wantStatus int    // of the *epicoauth.Error; 0: no error
		wantCode   string // Epic's error code
		wantDetail string
	}{
		{
			name:   "decodes",
			status: http.StatusOK,
			body:   `{"deviceId":"435b52ece6d347479531c5132e209e53","secret":"` + secret + `","created":{"location":"Germany"}}`,
			want: created{DeviceID: "435b52ece6d347479531c5132e209e53", Secret: secret, Created: struct {
				Location string `json:"location"`
			}{"Germany"}},
		},
		{
			name:       "wrong shape hides the body's own secret",
			status:     http.StatusOK,
			body:       `{"deviceId":"435b52ece6d347479531c5132e209e53","secret":"` + secret + `","created":"Germany"}`,
			wantStatus: http.StatusOK,
			wantDetail: "response does not decode: json: cannot unmarshal string into Go struct field",
		},
		{
			name:       "secret nested in a list",
			status:     http.StatusOK,
			body:       `[{"secret":"` + secret + `"}]`,
			wantStatus: http.StatusOK,
			wantDetail: "response does not decode",
		},
		{
			name:       "not JSON is quoted",
			status:     http.StatusOK,
			body:       `<html>down for maintenance</html>`,
			wantStatus: http.StatusOK,
			wantDetail: `response does not decode: invalid character '<' looking for beginning of value (text/html): "<html>down for maintenance</html>"`,
		},
		{
			name:       "Epic error",
			status:     http.StatusForbidden,
			body:       `{"errorCode":"errors.com.epicgames.common.missing_permission","errorMessage":"Sorry your login does not posses the permissions 'account:public:account:deviceAuths CREATE' needed to perform the requested operation","messageVars":["account:public:account:deviceAuths","CREATE"],"numericErrorCode":1023,"originatingService":"com.epicgames.account.public","intent":"prod"}`,
			wantStatus: http.StatusForbidden,
			wantCode:   epicoauth.ErrorCodeMissingPermission,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, http.MethodPost, r.Method)
				assert.Equal(t, "bearer "+bearer, r.Header.Get("Authorization"))
				ct := "application/json"
				if tc.body[0] == '<' {
					ct = "text/html"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			received := time.Date(2023, 11, 12, 13, 0, 0, 0, time.UTC)

			got, resp, err := wire.DoJSON[created](context.Background(), &wire.Request{
				Method: http.MethodPost, URL: srv.URL + "/deviceAuth", Bearer: bearer, Clock: jsonTestClock{received},
			})

			if tc.wantStatus == 0 {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				assert.Equal(t, received, resp.Received)
				return
			}
			var e *epicoauth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.wantStatus, e.StatusCode)
			assert.Equal(t, tc.wantCode, e.ErrorCode)
			assert.Contains(t, e.Detail, tc.wantDetail)
			for _, text := range []string{e.Error(), string(e.Body), e.Detail} {
				assert.NotContains(t, text, secret)
				assert.NotContains(t, text, bearer)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	received := time.Date(2023, 11, 12, 13, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		expiresIn any
		expiresAt any
		want      time.Time
	}{
		{name: "seconds from arrival", expiresIn: float64(600), expiresAt: "2000-01-01T00:00:00Z", want: received.Add(600 * time.Second)},
		{name: "numeric string", expiresIn: "299", want: received.Add(299 * time.Second)},
		{name: "instant when no seconds", expiresAt: "2023-06-11T02:35:48.010Z", want: time.Date(2023, 6, 11, 2, 35, 48, 10e6, time.UTC)},
		{name: "zero seconds fall back", expiresIn: float64(0), expiresAt: float64(1700000000), want: time.Unix(1700000000, 0).UTC()},
		{name: "nothing usable", expiresIn: "soon", expiresAt: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, wire.Expiry(tc.expiresIn, tc.expiresAt, received))
		})
	}
}

func TestStrings(t *testing.T) {
	assert.Equal(t, []string{"basic_profile", "openid"}, wire.Strings([]any{"basic_profile", 7, "openid"}))
	assert.Equal(t, []string{"basic_profile", "openid"}, wire.Strings("basic_profile openid"))
	assert.Nil(t, wire.Strings(nil))
	assert.Nil(t, wire.Strings(map[string]any{}))
}

// jsonTestClock is a clock that always tells the same time.
type jsonTestClock struct{ t time.Time }

func (c jsonTestClock) Now() time.Time { return c.t }

func (c jsonTestClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

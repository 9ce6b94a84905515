package wire

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

var (
	clientCredentials = url.Values{"grant_type": {"client_credentials"}}
	deviceAuthGrant   = url.Values{"grant_type": {"device_auth"}, "account_id": {"94b1569506b04f9f8557af611e8c5e47"}, "device_id": {"435b52ece6d347479531c5132e209e53"}, "secret": {"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}}
	exchangeCode      = url.Values{"grant_type": {"exchange_code"}, "exchange_code": {"11111111111111111111111111111111"}}
	refreshGrant      = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"cccccccccccccccccccccccccccccccc"}}
	authCodeGrant     = url.Values{"grant_type": {"authorization_code"}, "code": {"22222222222222222222222222222222"}}
	deviceCodeGrant   = url.Values{"grant_type": {"device_code"}, "device_code": {"UFBQUFBQUFBQUFBQUFBQUFBQUFBQLlZGU0JCVzlX"}}
)

// throttledAfter is Epic's throttling error asking for a wait of secs.
func throttledAfter(t *testing.T, secs string) []byte {
	return []byte(strings.ReplaceAll(string(fixture(t, "error-throttled.json")), "5588", secs))
}

func TestRetrieveTokenRetries(t *testing.T) {
	serverError := []byte(`{"errorCode":"errors.com.epicgames.common.server_error","errorMessage":"Sorry an error occurred and we were unable to resolve it (tracking id: [5c1a0f1e-6a4b-4c1a-9b1e-4f0c5d9e3a7b])","numericErrorCode":1000,"originatingService":"com.epicgames.account.public","intent":"prod"}`)
	gateway := []byte("<html><body><h1>502 Bad Gateway</h1></body></html>")
	second := time.Second
	tests := []struct {
		name       string
		form       url.Values
		policy     *epicoauth.RetryPolicy
		replies    []reply
		requests   int                // that reach the server
		waits      [][2]time.Duration // the range of each wait
		wantStatus int                // of the *epicoauth.Error returned; 0 for a token
	}{
		{
			name: "client credentials survive two server errors", form: clientCredentials,
			replies:  []reply{status(503, serverError), {status: 502, body: gateway, header: http.Header{"Content-Type": {"text/html"}}}, ok(fixture(t, "account-token-client_credentials.json"))},
			requests: 3, waits: [][2]time.Duration{{second / 2, second}, {second, 2 * second}},
		},
		{
			name: "client credentials give up after three attempts", form: clientCredentials,
			replies:  []reply{status(500, serverError)},
			requests: 3, waits: [][2]time.Duration{{second / 2, second}, {second, 2 * second}}, wantStatus: 500,
		},
		{
			name: "device auth survives a reset connection", form: deviceAuthGrant,
			replies:  []reply{{reset: true}, ok(fixture(t, "account-token-exchange_code.json"))},
			requests: 2, waits: [][2]time.Duration{{second / 2, second}},
		},
		{
			name: "exchange code is not sent again after a server error", form: exchangeCode,
			replies:  []reply{status(503, serverError), ok(fixture(t, "account-token-exchange_code.json"))},
			requests: 1, wantStatus: 503,
		},
		{
			name: "rotating refresh token is not sent again after a gateway error", form: refreshGrant,
			replies:  []reply{status(502, gateway), ok(fixture(t, "account-token-exchange_code.json"))},
			requests: 1, wantStatus: 502,
		},
		{
			name: "throttled authorization code waits for messageVars and retries", form: authCodeGrant,
			replies:  []reply{status(429, throttledAfter(t, "5")), ok(fixture(t, "account-token-authorization_code.json"))},
			requests: 2, waits: [][2]time.Duration{{5 * second, 5 * second}},
		},
		{
			name: "throttle waits for the Retry-After header", form: clientCredentials,
			replies:  []reply{{status: 429, header: http.Header{"Retry-After": {"7"}}, body: throttledAfter(t, "30")}, ok(fixture(t, "account-token-client_credentials.json"))},
			requests: 2, waits: [][2]time.Duration{{7 * second, 7 * second}},
		},
		{
			name: "throttle without a wait backs off", form: clientCredentials,
			replies:  []reply{status(429, []byte(`{"errorCode":"errors.com.epicgames.common.throttled","numericErrorCode":1041}`)), ok(fixture(t, "account-token-client_credentials.json"))},
			requests: 2, waits: [][2]time.Duration{{second / 2, second}},
		},
		{
			name: "throttle longer than MaxRetryAfter returns at once", form: clientCredentials,
			replies:  []reply{status(429, fixture(t, "error-throttled.json"))},
			requests: 1, wantStatus: 429,
		},
		{
			name: "NoRetry sends once", form: clientCredentials, policy: epicoauth.NoRetry(),
			replies:  []reply{status(503, serverError), ok(fixture(t, "account-token-client_credentials.json"))},
			requests: 1, wantStatus: 503,
		},
		{
			name: "more attempts, capped backoff", form: clientCredentials,
			policy:   &epicoauth.RetryPolicy{MaxAttempts: 5, Backoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond},
			replies:  []reply{status(503, serverError)},
			requests: 5, wantStatus: 503,
			waits: [][2]time.Duration{{50 * time.Millisecond, 100 * time.Millisecond}, {100 * time.Millisecond, 200 * time.Millisecond}, {150 * time.Millisecond, 300 * time.Millisecond}, {150 * time.Millisecond, 300 * time.Millisecond}},
		},
		{
			name: "a rejected client is not retried", form: clientCredentials,
			replies:  []reply{status(400, fixture(t, "error-invalid_client.json"))},
			requests: 1, wantStatus: 400,
		},
		{
			name: "a pending device code is not retried", form: deviceCodeGrant,
			replies:  []reply{status(400, fixture(t, "reconstructed/error-authorization_pending.json"))},
			requests: 1, wantStatus: 400,
		},
		{
			name: "an HTML page on 200 is not retried", form: clientCredentials,
			replies:  []reply{{status: 200, body: gateway, header: http.Header{"Content-Type": {"text/html"}}}},
			requests: 1, wantStatus: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, tt.replies...)
			clock := newFakeClock()
			tok, err := RetrieveToken(context.Background(), srv.tokenRequest(tt.form, clock, tt.policy))
			assertTokenRequests(t, srv, tt.form, tt.requests)
			waits := clock.waits()
			require.Len(t, waits, len(tt.waits))
			for i, w := range waits {
				assert.GreaterOrEqual(t, w, tt.waits[i][0], "wait %d", i)
				assert.LessOrEqual(t, w, tt.waits[i][1], "wait %d", i)
			}
			if tt.wantStatus == 0 {
				require.NoError(t, err)
				assert.NotEmpty(t, tok.AccessToken)
				return
			}
			require.Error(t, err)
			assert.Nil(t, tok)
			var e *epicoauth.Error
			require.ErrorAs(t, err, &e, "the last server error comes back typed")
			assert.Equal(t, tt.wantStatus, e.StatusCode)
		})
	}
}

func TestRetrieveTokenResetConnection(t *testing.T) {
	tests := []struct {
		name     string
		form     url.Values
		requests int
	}{
		{"client credentials retry until attempts run out", clientCredentials, 3},
		{"refresh token is never sent twice", refreshGrant, 1},
		{"exchange code is never sent twice", exchangeCode, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptServer(t, reply{reset: true})
			_, err := RetrieveToken(context.Background(), srv.tokenRequest(tt.form, newFakeClock(), nil))
			assertTokenRequests(t, srv, tt.form, tt.requests)
			var ue *url.Error
			require.ErrorAs(t, err, &ue)
			assert.NotErrorIs(t, err, errNotSent, "the request was written")
		})
	}
}

// A connection that could not be opened carried nothing, so even a
// single-use code is sent again.
func TestRetrieveTokenRetriesFailedDial(t *testing.T) {
	for _, form := range []url.Values{exchangeCode, refreshGrant, clientCredentials} {
		t.Run(form.Get("grant_type"), func(t *testing.T) {
			srv := newScriptServer(t, ok(fixture(t, "account-token-exchange_code.json")))
			var dials atomic.Int32
			dialer := &net.Dialer{}
			client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if dials.Add(1) == 1 {
					return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
				}
				return dialer.DialContext(ctx, network, addr)
			}}}
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
			clock := newFakeClock()
			tok, err := RetrieveToken(ctx, srv.tokenRequest(form, clock, nil))
			require.NoError(t, err)
			assert.Equal(t, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", tok.AccessToken)
			assert.Equal(t, int32(2), dials.Load())
			assert.Len(t, clock.waits(), 1)
			assertTokenRequests(t, srv, form, 1)
		})
	}
}

func TestRetrieveTokenDeadline(t *testing.T) {
	t.Run("a throttle wait past the deadline returns the typed error at once", func(t *testing.T) {
		srv := newScriptServer(t, status(429, throttledAfter(t, "30")), ok(fixture(t, "account-token-client_credentials.json")))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		clock := newFakeClock()
		_, err := RetrieveToken(ctx, srv.tokenRequest(clientCredentials, clock, nil))
		var e *epicoauth.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, 30*time.Second, e.RetryAfter)
		assert.Equal(t, epicoauth.ErrorCodeThrottled, e.ErrorCode)
		assert.Empty(t, clock.waits())
		assertTokenRequests(t, srv, clientCredentials, 1)
	})
	t.Run("a throttle wait within the deadline is waited out", func(t *testing.T) {
		srv := newScriptServer(t, status(429, throttledAfter(t, "5")), ok(fixture(t, "account-token-client_credentials.json")))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		clock := newFakeClock()
		tok, err := RetrieveToken(ctx, srv.tokenRequest(clientCredentials, clock, nil))
		require.NoError(t, err)
		assert.Equal(t, clock.Now().Add(14400*time.Second), tok.Expiry, "expiry counts from the second response")
		assert.Equal(t, []time.Duration{5 * time.Second}, clock.waits())
		assertTokenRequests(t, srv, clientCredentials, 2)
	})
	t.Run("context ending during a wait matches both errors", func(t *testing.T) {
		srv := newScriptServer(t, status(503, []byte(`{"errorCode":"errors.com.epicgames.common.server_error"}`)))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		clock := newFakeClock()
		clock.onSleep = cancel
		_, err := RetrieveToken(ctx, srv.tokenRequest(clientCredentials, clock, nil))
		require.ErrorIs(t, err, context.Canceled)
		var e *epicoauth.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, 503, e.StatusCode)
		assert.Contains(t, err.Error(), "gave up after 1 attempts")
		assertTokenRequests(t, srv, clientCredentials, 1)
	})
	t.Run("context ending during a retry matches both errors", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var n atomic.Int32
		srv := newScriptServer(t, status(502, []byte("bad gateway")))
		// The second request hangs until the client gives up.
		srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leave
			if n.Add(1) == 1 {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			cancel()
			<-r.Context().Done()
		})
		_, err := RetrieveToken(ctx, srv.tokenRequest(clientCredentials, newFakeClock(), nil))
		require.ErrorIs(t, err, context.Canceled)
		var e *epicoauth.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, 502, e.StatusCode)
		assert.Equal(t, int32(2), n.Load())
	})
	t.Run("a context already done sends nothing and returns its error", func(t *testing.T) {
		srv := newScriptServer(t, ok(fixture(t, "account-token-client_credentials.json")))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		clock := newFakeClock()
		_, err := RetrieveToken(ctx, srv.tokenRequest(clientCredentials, clock, nil))
		require.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, clock.waits())
		assertTokenRequests(t, srv, clientCredentials, 0)
	})
}

func TestPolicyDefaults(t *testing.T) {
	for _, p := range []*epicoauth.RetryPolicy{nil, {}, {MaxAttempts: -1, Backoff: -1, MaxBackoff: -1, MaxRetryAfter: -1}} {
		got := policyOf(p)
		assert.Equal(t, policy{MaxAttempts: 3, Backoff: time.Second, MaxBackoff: 10 * time.Second, MaxRetryAfter: time.Minute}, got)
	}
	assert.Equal(t, 1, policyOf(epicoauth.NoRetry()).MaxAttempts)
	p := policyOf(nil)
	for attempt := 1; attempt <= 10; attempt++ {
		d := p.backoff(attempt)
		assert.GreaterOrEqual(t, d, time.Second/2)
		assert.LessOrEqual(t, d, 10*time.Second, "attempt %d", attempt)
	}
	assert.GreaterOrEqual(t, p.backoff(100), 5*time.Second, "no overflow on a long run")
}

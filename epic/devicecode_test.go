package epic_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

func TestDeviceAuthorization(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []epic.GrantOption
		wantForm url.Values
	}{
		{name: "no prompt", wantForm: url.Values{}},
		{name: "prompt login", opts: []epic.GrantOption{epic.Prompt("login")}, wantForm: url.Values{"prompt": {"login"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var grants []string
			mux := http.NewServeMux()
			mux.HandleFunc("POST /account/api/oauth/token", tokenEndpoint(t, map[string]http.HandlerFunc{
				"client_credentials": func(w http.ResponseWriter, r *http.Request) {
					grants = append(grants, r.PostForm.Get("grant_type"))
					serveFixture(http.StatusOK, "account-token-client_credentials.json")(w, r)
				},
			}))
			mux.HandleFunc("POST /account/api/oauth/deviceAuthorization", func(w http.ResponseWriter, r *http.Request) {
				assertBearer(t, r, fixtureClientToken)
				assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
				assert.NoError(t, r.ParseForm())
				assert.Equal(t, tc.wantForm, r.PostForm)
				reply(w, http.StatusOK, mustFixture("account-deviceAuthorization.json"))
			})
			cfg, clock := newSessionConfig(t, mux)
			start := clock.Now()

			da, err := cfg.DeviceAuthorization(context.Background(), tc.opts...)
			require.NoError(t, err)
			assert.Equal(t, []string{"client_credentials"}, grants)
			assert.Equal(t, &oauth2.DeviceAuthResponse{
				DeviceCode:              fixtureDeviceCode,
				UserCode:                "VFSBBW9W",
				VerificationURI:         "https://www.epicgames.com/activate",
				VerificationURIComplete: "https://www.epicgames.com/activate?userCode=VFSBBW9W",
				Expiry:                  start.Add(600 * time.Second),
				Interval:                10,
			}, da)
		})
	}
}

func TestDeviceAuthorizationErrors(t *testing.T) {
	for _, tc := range []struct {
		name        string
		client      http.HandlerFunc // the client_credentials answer
		device      http.HandlerFunc // the deviceAuthorization answer
		wantCode    string
		wantStatus  int
		wantDetail  string
		wantNoCalls bool // deviceAuthorization must not be called
	}{
		{
			name:        "client rejected",
			client:      serveFixture(http.StatusBadRequest, "error-invalid_client.json"),
			wantCode:    epicoauth.ErrorCodeInvalidClient,
			wantStatus:  http.StatusBadRequest,
			wantNoCalls: true,
		},
		{
			name:       "bearer rejected",
			device:     serveFixture(http.StatusUnauthorized, "transcribed/error-authentication_failed-deviceAuthorization.json"),
			wantCode:   epicoauth.ErrorCodeAuthenticationFailed,
			wantStatus: http.StatusUnauthorized,
		},
		{
			name:       "throttled",
			device:     serveFixture(http.StatusTooManyRequests, "error-throttled.json"),
			wantCode:   epicoauth.ErrorCodeThrottled,
			wantStatus: http.StatusTooManyRequests,
		},
		{
			name: "no device code",
			device: func(w http.ResponseWriter, _ *http.Request) {
				reply(w, http.StatusOK, []byte(`{"user_code":"VFSBBW9W","expires_in":600}`))
			},
			wantStatus: http.StatusOK,
			wantDetail: "response has no device_code or user_code",
		},
		{
			name: "not JSON",
			device: func(w http.ResponseWriter, _ *http.Request) {
				reply(w, http.StatusOK, []byte(`<html>maintenance</html>`))
			},
			wantStatus: http.StatusOK,
			wantDetail: "response does not decode",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.client == nil {
				tc.client = serveFixture(http.StatusOK, "account-token-client_credentials.json")
			}
			called := false
			mux := http.NewServeMux()
			mux.HandleFunc("POST /account/api/oauth/token", tokenEndpoint(t, map[string]http.HandlerFunc{"client_credentials": tc.client}))
			mux.HandleFunc("POST /account/api/oauth/deviceAuthorization", func(w http.ResponseWriter, r *http.Request) {
				called = true
				tc.device(w, r)
			})
			cfg, _ := newSessionConfig(t, mux)

			da, err := cfg.DeviceAuthorization(context.Background())
			require.Nil(t, da)
			e := requireEpicError(t, err, tc.wantStatus, tc.wantCode)
			assert.Contains(t, e.Detail, tc.wantDetail)
			assert.Equal(t, !tc.wantNoCalls, called)
			requireNoSecret(t, err, switchClientSecret, fixtureClientToken)
		})
	}
}

func TestDeviceAccessToken(t *testing.T) {
	slowDown30 := pollAnswer{status: http.StatusBadRequest, body: []byte(strings.Replace(string(answerSlowDown.body), `"10"`, `"30"`, 1))}
	retryAfter20 := answerThrottled
	retryAfter20.header = http.Header{"Retry-After": {"20"}}
	s := time.Second
	for _, tc := range []struct {
		name      string
		answers   []pollAnswer
		wantPolls []time.Duration // when each poll happened, from the start
		wantCode  string          // Epic's error code of the returned error
		wantErr   error           // a sentinel the error must match
		wantToken bool
	}{
		{
			name:      "approved after two pending polls",
			answers:   []pollAnswer{answerPending, answerPending, answerToken},
			wantPolls: []time.Duration{10 * s, 20 * s, 30 * s},
			wantToken: true,
		},
		{
			name:      "slow_down adds five seconds for good",
			answers:   []pollAnswer{answerSlowDown, answerPending, answerToken},
			wantPolls: []time.Duration{10 * s, 25 * s, 40 * s},
			wantToken: true,
		},
		{
			name:      "slow_down asking for more waits that long",
			answers:   []pollAnswer{slowDown30, answerPending, answerToken},
			wantPolls: []time.Duration{10 * s, 40 * s, 70 * s},
			wantToken: true,
		},
		{
			name:      "bare invalid_grant is waited through",
			answers:   []pollAnswer{answerInvalid, answerPending, answerInvalid, answerInvalid, answerInvalid, answerToken},
			wantPolls: []time.Duration{10 * s, 20 * s, 30 * s, 40 * s, 50 * s, 60 * s},
			wantToken: true,
		},
		{
			name:      "four bare invalid_grants in a row stop",
			answers:   []pollAnswer{answerInvalid, answerInvalid, answerInvalid, answerInvalid},
			wantPolls: []time.Duration{10 * s, 20 * s, 30 * s, 40 * s},
			wantCode:  epicoauth.ErrorCodeInvalidGrant,
		},
		{
			name:      "server error is waited through",
			answers:   []pollAnswer{answerUnavailable, answerToken},
			wantPolls: []time.Duration{10 * s, 20 * s},
			wantToken: true,
		},
		{
			name:      "throttled waits Retry-After",
			answers:   []pollAnswer{retryAfter20, answerToken},
			wantPolls: []time.Duration{10 * s, 30 * s},
			wantToken: true,
		},
		{
			name:      "throttled past the code's expiry stops",
			answers:   []pollAnswer{answerThrottled}, // wait 5588 s
			wantPolls: []time.Duration{10 * s},
			wantCode:  epicoauth.ErrorCodeThrottled,
			wantErr:   epic.ErrDeviceCodeExpired,
		},
		{
			name:      "expired code",
			answers:   []pollAnswer{answerPending, answerNotFound},
			wantPolls: []time.Duration{10 * s, 20 * s},
			wantCode:  epicoauth.ErrorCodeNotFound,
			wantErr:   epic.ErrDeviceCodeExpired,
		},
		{
			name:      "wrong client",
			answers:   []pollAnswer{answerMismatch},
			wantPolls: []time.Duration{10 * s},
			wantCode:  epicoauth.ErrorCodeInvalidToken,
		},
		{
			name:      "client not allowed the grant",
			answers:   []pollAnswer{answerNotAllowed},
			wantPolls: []time.Duration{10 * s},
			wantCode:  epicoauth.ErrorCodeUnauthorizedClient,
		},
		{
			name:      "corrective action",
			answers:   []pollAnswer{answerPending, answerCorrective},
			wantPolls: []time.Duration{10 * s, 20 * s},
			wantCode:  epicoauth.ErrorCodeCorrectiveActionRequired,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newDeviceCodeFake(t, tc.answers...)
			ctx := context.Background()
			da, err := f.cfg.DeviceAuthorization(ctx)
			require.NoError(t, err)
			start := f.clock.Now()

			tok, err := f.cfg.DeviceAccessToken(ctx, da)

			assert.Equal(t, tc.wantPolls, f.pollTimes(start))
			if tc.wantToken {
				require.NoError(t, err)
				assert.Equal(t, fixtureUserToken, tok.AccessToken)
				assert.Equal(t, fixtureAccountID, epic.AccountID(tok))
				return
			}
			require.Nil(t, tok)
			requireEpicError(t, err, 0, tc.wantCode)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
			} else {
				assert.NotErrorIs(t, err, epic.ErrDeviceCodeExpired)
			}
			requireNoSecret(t, err, fixtureDeviceCode, switchClientSecret)
		})
	}
}

func TestDeviceAccessTokenCorrectiveActionIsSurfaced(t *testing.T) {
	f := newDeviceCodeFake(t, answerCorrective)
	da, err := f.cfg.DeviceAuthorization(context.Background())
	require.NoError(t, err)

	_, err = f.cfg.DeviceAccessToken(context.Background(), da)

	e := requireEpicError(t, err, http.StatusBadRequest, epicoauth.ErrorCodeCorrectiveActionRequired)
	assert.Equal(t, "PRIVACY_POLICY_ACCEPTANCE", e.CorrectiveAction)
	assert.Equal(t, "https://www.epicgames.com/id/continue?continuation=88888888888888888888888888888888", e.ContinuationURL)
	assert.Contains(t, err.Error(), "corrective action PRIVACY_POLICY_ACCEPTANCE at https://www.epicgames.com/id/continue")
	assert.True(t, e.RequiresLogin())
}

func TestDeviceAccessTokenLocalExpiry(t *testing.T) {
	f := newDeviceCodeFake(t) // pending forever
	da, err := f.cfg.DeviceAuthorization(context.Background())
	require.NoError(t, err)
	start := f.clock.Now()

	tok, err := f.cfg.DeviceAccessToken(context.Background(), da)

	require.Nil(t, tok)
	require.ErrorIs(t, err, epic.ErrDeviceCodeExpired)
	var e *epicoauth.Error
	assert.False(t, errors.As(err, &e), "plain pending answers are not reported")
	polls := f.pollTimes(start)
	require.Len(t, polls, 59, "every 10 s until the 600 s lifetime would pass")
	for i := 1; i < len(polls); i++ {
		assert.GreaterOrEqual(t, polls[i]-polls[i-1], 10*time.Second, "poll %d came too early", i)
	}
	assert.Less(t, polls[len(polls)-1], 600*time.Second)
	assert.False(t, f.clock.Now().After(da.Expiry), "no wait past the expiry")
}

func TestDeviceAccessTokenWithoutInterval(t *testing.T) {
	f := newDeviceCodeFake(t, answerToken)
	da, err := f.cfg.DeviceAuthorization(context.Background())
	require.NoError(t, err)
	da.Interval = 0
	da.Expiry = time.Time{}
	start := f.clock.Now()

	_, err = f.cfg.DeviceAccessToken(context.Background(), da)

	require.NoError(t, err)
	assert.Equal(t, []time.Duration{10 * time.Second}, f.pollTimes(start), "Epic's 10 s when the response names no interval")
}

func TestDeviceAccessTokenCancel(t *testing.T) {
	t.Run("during the wait", func(t *testing.T) {
		f := newDeviceCodeFake(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f.onPoll = func(n int) {
			if n == 3 {
				cancel()
			}
		}
		da, err := f.cfg.DeviceAuthorization(ctx)
		require.NoError(t, err)

		_, err = f.cfg.DeviceAccessToken(ctx, da)

		require.ErrorIs(t, err, context.Canceled)
		assert.Len(t, f.pollTimes(time.Time{}), 3)
	})
	t.Run("before the first poll", func(t *testing.T) {
		f := newDeviceCodeFake(t)
		da, err := f.cfg.DeviceAuthorization(context.Background())
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()

		_, err = f.cfg.DeviceAccessToken(ctx, da)

		require.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, f.pollTimes(time.Time{}))
	})
}

func TestDeviceAccessTokenBadInput(t *testing.T) {
	cfg := &epic.Config{ClientID: switchClientID, ClientSecret: switchClientSecret, Clock: newAutoClock()}
	for _, da := range []*oauth2.DeviceAuthResponse{nil, {UserCode: "VFSBBW9W"}} {
		_, err := cfg.DeviceAccessToken(context.Background(), da)
		assert.ErrorContains(t, err, "device code is empty")
	}
	assert.ErrorContains(t, cfg.CancelDeviceAuthorization(context.Background(), nil), "user code is empty")
}

func TestCancelDeviceAuthorization(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answer   http.HandlerFunc
		wantCode string
	}{
		{name: "deleted", answer: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }},
		{name: "throttled", answer: serveFixture(http.StatusTooManyRequests, "error-throttled.json"), wantCode: epicoauth.ErrorCodeThrottled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			deleted := 0
			mux := http.NewServeMux()
			mux.HandleFunc("POST /account/api/oauth/token", tokenEndpoint(t, map[string]http.HandlerFunc{
				"client_credentials": serveFixture(http.StatusOK, "account-token-client_credentials.json"),
			}))
			mux.HandleFunc("DELETE /account/api/oauth/deviceAuthorization/VFSBBW9W", func(w http.ResponseWriter, r *http.Request) {
				deleted++
				assertBearer(t, r, fixtureClientToken)
				tc.answer(w, r)
			})
			cfg, _ := newSessionConfig(t, mux)

			err := cfg.CancelDeviceAuthorization(context.Background(), &oauth2.DeviceAuthResponse{UserCode: "VFSBBW9W", DeviceCode: fixtureDeviceCode})

			assert.Equal(t, 1, deleted)
			requireOutcome(t, err, tc.wantCode)
		})
	}
}

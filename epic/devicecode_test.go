package epic_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// Bodies with no recorded fixture, built from the fact sheet (section 5.5
// and 6.1) in the envelope of the recorded token-endpoint errors.
var (
	// "PIN grant data not found." is the documented answer for an expired
	// or unknown device code.
	bodyDeviceCodeNotFound = []byte(`{"errorCode":"errors.com.epicgames.not_found","errorMessage":"PIN grant data not found.","messageVars":[],"numericErrorCode":1004,"originatingService":"com.epicgames.account.public","intent":"prod"}`)
	// Verbatim from xMistt/DeviceAuthGenerator#11: a poll from a client
	// other than the one that created the code.
	bodyClientMismatch = []byte(`{"errorCode":"errors.com.epicgames.common.oauth.invalid_token","errorMessage":"Client id mismatch in credentials for this pin grant","messageVars":[],"numericErrorCode":1012,"originatingService":"com.epicgames.account.public","intent":"prod","error_description":"Client id mismatch in credentials for this pin grant","error":"invalid_grant"}`)
	// A token-endpoint corrective action: the fields are those legendary
	// and fortnitepy read (fact sheet 6.1); the continuation URL is made up.
	bodyCorrectiveAction = []byte(`{"errorCode":"errors.com.epicgames.oauth.corrective_action_required","errorMessage":"Corrective action is required to continue.","messageVars":[],"numericErrorCode":18206,"originatingService":"com.epicgames.account.public","intent":"prod","correctiveAction":"PRIVACY_POLICY_ACCEPTANCE","continuation":"88888888888888888888888888888888","continuationUrl":"https://www.epicgames.com/id/continue?continuation=88888888888888888888888888888888"}`)
)

// pollAnswer is one answer of the fake token endpoint to a device_code poll.
type pollAnswer struct {
	status int
	body   []byte
	header http.Header
}

var (
	answerPending     = pollAnswer{status: http.StatusBadRequest, body: fixture("reconstructed/error-authorization_pending.json")}
	answerSlowDown    = pollAnswer{status: http.StatusBadRequest, body: fixture("error-slow_down-device_code.json")}
	answerInvalid     = pollAnswer{status: http.StatusBadRequest, body: fixture("error-invalid_grant-device_code.json")}
	answerThrottled   = pollAnswer{status: http.StatusTooManyRequests, body: fixture("error-throttled.json")}
	answerNotFound    = pollAnswer{status: http.StatusBadRequest, body: bodyDeviceCodeNotFound}
	answerMismatch    = pollAnswer{status: http.StatusBadRequest, body: bodyClientMismatch}
	answerNotAllowed  = pollAnswer{status: http.StatusBadRequest, body: fixture("error-unauthorized_client-token_to_token.json")}
	answerCorrective  = pollAnswer{status: http.StatusBadRequest, body: bodyCorrectiveAction}
	answerUnavailable = pollAnswer{status: http.StatusServiceUnavailable, body: []byte("<html>503 Service Temporarily Unavailable</html>")}
	answerToken       = pollAnswer{status: http.StatusOK, body: fixture("account-token-exchange_code.json")}
)

// fixtureDeviceCode is the device_code of account-deviceAuthorization.json.
var fixtureDeviceCode = func() string {
	var v struct {
		DeviceCode string `json:"device_code"`
	}
	if err := json.Unmarshal(fixture("account-deviceAuthorization.json"), &v); err != nil {
		panic(err)
	}
	return v.DeviceCode
}()

// deviceCodeFake is a fake account service for device-code logins: it
// issues client tokens, answers deviceAuthorization with the fixture, and
// answers polls with answers in turn (then pending forever), recording the
// fake-clock time of each poll.
type deviceCodeFake struct {
	cfg   *epic.Config
	clock *autoClock

	mu        sync.Mutex
	answers   []pollAnswer
	polls     []time.Time
	onPoll    func(n int) // called before answering poll n (1-based)
	refreshes int
}

func newDeviceCodeFake(t *testing.T, answers ...pollAnswer) *deviceCodeFake {
	f := &deviceCodeFake{answers: answers}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /account/api/oauth/token", tokenEndpoint(t, map[string]http.HandlerFunc{
		"client_credentials": serveFixture(http.StatusOK, "account-token-client_credentials.json"),
		"device_code": func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, fixtureDeviceCode, r.PostForm.Get("device_code"))
			a := f.next()
			for k, vs := range a.header {
				w.Header()[k] = vs
			}
			reply(w, a.status, a.body)
		},
		"refresh_token": func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			f.refreshes++
			f.mu.Unlock()
			assert.Equal(t, "cccccccccccccccccccccccccccccccc", r.PostForm.Get("refresh_token"))
			reply(w, http.StatusOK, fixture("account-token-authorization_code.json"))
		},
	}))
	mux.HandleFunc("POST /account/api/oauth/deviceAuthorization", func(w http.ResponseWriter, r *http.Request) {
		assertBearer(t, r, fixtureClientToken)
		assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
		reply(w, http.StatusOK, fixture("account-deviceAuthorization.json"))
	})
	f.cfg, f.clock = newSessionConfig(t, mux)
	return f
}

func (f *deviceCodeFake) next() pollAnswer {
	f.mu.Lock()
	f.polls = append(f.polls, f.clock.Now())
	n, onPoll := len(f.polls), f.onPoll
	a := answerPending
	if len(f.answers) > 0 {
		a, f.answers = f.answers[0], f.answers[1:]
	}
	f.mu.Unlock()
	if onPoll != nil {
		onPoll(n)
	}
	return a
}

// pollTimes returns the times of the polls as offsets from start.
func (f *deviceCodeFake) pollTimes(start time.Time) []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]time.Duration, len(f.polls))
	for i, p := range f.polls {
		out[i] = p.Sub(start)
	}
	return out
}

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
				reply(w, http.StatusOK, fixture("account-deviceAuthorization.json"))
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
			var e *epicoauth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.wantStatus, e.StatusCode)
			assert.Equal(t, tc.wantCode, e.ErrorCode)
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
			var e *epicoauth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.wantCode, e.ErrorCode)
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

	var e *epicoauth.Error
	require.ErrorAs(t, err, &e)
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
			if tc.wantCode == "" {
				require.NoError(t, err)
				return
			}
			var e *epicoauth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.wantCode, e.ErrorCode)
		})
	}
}

func TestDeviceTokenSource(t *testing.T) {
	f := newDeviceCodeFake(t, answerPending, answerToken)
	da, err := f.cfg.DeviceAuthorization(context.Background())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())

	ts, err := f.cfg.DeviceTokenSource(ctx, da)
	require.NoError(t, err)
	cancel() // the wait is over; the source must not depend on ctx's deadline

	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, fixtureUserToken, tok.AccessToken)

	// Once the token expires the source refreshes, despite the cancelled ctx.
	f.clock.Advance(3 * time.Hour)
	tok, err = ts.Token()
	require.NoError(t, err)
	assert.Equal(t, "dddddddddddddddddddddddddddddddd", tok.AccessToken)
	f.mu.Lock()
	assert.Equal(t, 1, f.refreshes)
	f.mu.Unlock()
}

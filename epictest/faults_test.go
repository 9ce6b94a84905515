package epictest_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault epictest.Fault
		check func(t *testing.T, err error)
	}{
		{"throttle", epictest.Fault{Kind: epictest.Throttle, RetryAfter: 120 * time.Second}, func(t *testing.T, err error) {
			e := epicErr(t, err)
			assert.Equal(t, http.StatusTooManyRequests, e.StatusCode)
			assert.Equal(t, epicoauth.ErrorCodeThrottled, e.ErrorCode)
			assert.Equal(t, 120*time.Second, e.RetryAfter)
			assert.Equal(t, []string{"120"}, e.MessageVars)
			assert.True(t, e.Temporary())
		}},
		{"throttle without a retry value", epictest.Fault{Kind: epictest.Throttle}, func(t *testing.T, err error) {
			e := epicErr(t, err)
			assert.Equal(t, epicoauth.ErrorCodeThrottled, e.ErrorCode)
			assert.Zero(t, e.RetryAfter)
		}},
		{"server error", epictest.Fault{Kind: epictest.ServerError, Status: http.StatusServiceUnavailable}, func(t *testing.T, err error) {
			e := epicErr(t, err)
			assert.Equal(t, http.StatusServiceUnavailable, e.StatusCode)
			assert.Equal(t, epicoauth.ErrorCodeServerError, e.ErrorCode)
			assert.True(t, e.Temporary())
		}},
		{"HTML page", epictest.Fault{Kind: epictest.HTMLPage}, func(t *testing.T, err error) {
			e := epicErr(t, err)
			assert.Equal(t, http.StatusBadGateway, e.StatusCode)
			assert.Empty(t, e.ErrorCode)
			assert.Contains(t, e.Detail, "not an Epic JSON error")
			assert.Contains(t, e.Detail, "text/html")
		}},
		{"huge body", epictest.Fault{Kind: epictest.HugeBody}, func(t *testing.T, err error) {
			e := epicErr(t, err)
			assert.Equal(t, http.StatusOK, e.StatusCode)
			assert.Contains(t, e.Detail, "exceeds")
		}},
		{"malformed JSON", epictest.Fault{Kind: epictest.MalformedJSON}, func(t *testing.T, err error) {
			e := epicErr(t, err)
			assert.Equal(t, http.StatusOK, e.StatusCode)
			assert.Contains(t, e.Detail, "not valid JSON")
		}},
		{"dropped connection", epictest.Fault{Kind: epictest.DropConnection}, func(t *testing.T, err error) {
			var e *epicoauth.Error
			assert.NotErrorAs(t, err, &e, "a transport error, not an answer")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFx(t)
			cfg := f.srv.EpicConfig(f.client)
			cfg.Retry = epicoauth.NoRetry() // see each fault as the library's retries would
			tt.fault.Path = epictest.AccountTokenPath
			tt.fault.Times = 2
			f.srv.Inject(tt.fault)
			for range 2 {
				_, err := cfg.Token(f.ctx, epic.ClientCredentials())
				require.Error(t, err)
				tt.check(t, err)
			}
			_, err := cfg.Token(f.ctx, epic.ClientCredentials())
			require.NoError(t, err, "the fault is spent")

			reqs := f.srv.Requests()
			require.Len(t, reqs, 3)
			assert.Equal(t, tt.fault.Kind, reqs[0].Fault)
			assert.Equal(t, epictest.NoFault, reqs[2].Fault)
			assert.Equal(t, 3, f.srv.Count("client_credentials"), "faulted requests count")
			if tt.fault.Kind == epictest.DropConnection {
				assert.Zero(t, reqs[0].Status)
			}
		})
	}
}

func TestFaultPathAndOrder(t *testing.T) {
	f := newFx(t)
	f.srv.Inject(epictest.Fault{Kind: epictest.ServerError, Path: "/account/api/oauth/verify"})
	f.srv.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: time.Second})
	f.srv.Inject(epictest.Fault{Kind: epictest.HTMLPage})

	r := f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"client_credentials"}})
	assert.Equal(t, http.StatusTooManyRequests, r.status, "the verify fault skips other paths")
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	r = f.do("GET", "/account/api/oauth/verify", nil, nil)
	assert.Equal(t, http.StatusInternalServerError, r.status)
	f.srv.ClearFaults()
	r = f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"client_credentials"}})
	assert.Equal(t, http.StatusOK, r.status, "cleared")
}

func TestDelayFault(t *testing.T) {
	f := newFx(t)
	cfg := f.srv.EpicConfig(f.client)

	f.srv.Inject(epictest.Fault{Kind: epictest.Delay, Delay: time.Millisecond})
	_, err := cfg.Token(f.ctx, epic.ClientCredentials())
	require.NoError(t, err, "a short delay, then a normal answer")

	// A delay far beyond the caller's deadline: the caller gives up.
	f.srv.Inject(epictest.Fault{Kind: epictest.Delay, Delay: time.Hour}) // capped at MaxDelay
	ctx, cancel := context.WithTimeout(f.ctx, 50*time.Millisecond)
	defer cancel()
	_, err = cfg.Token(ctx, epic.ClientCredentials())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, epictest.Delay, f.srv.Requests()[1].Fault)
}

func TestFaultKindString(t *testing.T) {
	assert.Equal(t, "Throttle", epictest.Throttle.String())
	assert.Equal(t, "FaultKind(42)", epictest.FaultKind(42).String())
}

package epicoauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// The fault matrix of SECURITY.md: for every fault Epic or the network can
// produce, a token source on the epictest fake gets either a token or a
// precise error, loses no valid credential (the next call recovers without
// a new login where it can), and sends no more requests than the retry
// policy allows. Retry waits run on the fake's clock, which moves when
// slept on, so only the Delay row waits for real (a few hundred ms).

// matrixFixture is one fake Epic with an account, its device auth and a
// client, fresh for each row.
type matrixFixture struct {
	srv     *epictest.Server
	ctx     context.Context
	cfg     *epic.Config
	account epictest.Account
	da      epic.DeviceAuth
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	srv := epictest.NewServer(nil)
	t.Cleanup(srv.Close)
	f := &matrixFixture{srv: srv, ctx: srv.Context(context.Background()), cfg: srv.EpicConfig(srv.DefaultClient())}
	f.account = srv.AddAccount(epictest.Account{DisplayName: "matrix"})
	f.da = srv.NewDeviceAuth(f.account.ID, f.cfg.ClientID)
	return f
}

// assertNoSecrets checks that err, however printed, carries none of the
// row's credentials.
func (f *matrixFixture) assertNoSecrets(t *testing.T, err error, tok *oauth2.Token) {
	t.Helper()
	secrets := []string{f.cfg.ClientSecret, f.da.Secret}
	if tok != nil {
		secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
	}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		text := fmt.Sprintf(verb, err)
		for _, s := range secrets {
			assert.NotContains(t, text, s, "a secret in %s of the error", verb)
		}
	}
}

// grant returns a fresh grant of the given type for the fixture's account.
func (f *matrixFixture) grant(grantType string) epic.Grant {
	if grantType == "exchange_code" {
		return epic.ExchangeCode(f.srv.NewExchangeCode(f.account.ID, f.cfg.ClientID))
	}
	return f.da
}

// source returns a token source for grantType, closed when the row ends.
func (f *matrixFixture) source(t *testing.T, grantType string) *epicoauth.TokenSource {
	ts := f.cfg.TokenSource(f.ctx, f.grant(grantType))
	t.Cleanup(ts.Close)
	return ts
}

// login returns a source for grantType and the token of its first call.
func (f *matrixFixture) login(t *testing.T, grantType string) (*epicoauth.TokenSource, *oauth2.Token) {
	t.Helper()
	ts := f.source(t, grantType)
	tok, err := ts.Token()
	require.NoError(t, err)
	return ts, tok
}

// pastBackoff moves the clock past any backoff the source set after a
// failure (at most 1 min, or a throttle's Retry-After), well within a
// token's 2 h life.
func (f *matrixFixture) pastBackoff() { f.srv.Clock().Advance(3 * time.Minute) }

// expire moves the clock past the access token's life (2 h) but not the
// refresh token's (8 h), so the next call refreshes, and empties the
// request log.
func (f *matrixFixture) expire() {
	f.srv.Clock().Advance(2*time.Hour + time.Minute)
	f.srv.ResetRequests()
}

// wantEpicError returns a check that err is an *epicoauth.Error with the
// given status, error code (if any) and Detail fragment (if any).
func wantEpicError(status int, code, detail string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var e *epicoauth.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, status, e.StatusCode)
		if code != "" {
			assert.Equal(t, code, e.ErrorCode)
		}
		if detail != "" {
			assert.Contains(t, e.Detail, detail)
		}
		assert.NotErrorIs(t, err, epicoauth.ErrLoginRequired, "a passing fault must not end the session")
	}
}

// wantConnectionLost checks for a transport error: no Epic error, no login
// required.
func wantConnectionLost(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	var e *epicoauth.Error
	assert.False(t, errors.As(err, &e), "a dropped connection has no Epic error: %v", err)
	assert.True(t, errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF), "want EOF, got %v", err)
	assert.NotErrorIs(t, err, epicoauth.ErrLoginRequired)
}

func wantDeadline(t *testing.T, err error) {
	t.Helper()
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// assertFresh checks that tok is usable on the fake's clock (Token.Valid
// reads the real one).
func assertFresh(t *testing.T, clock *epictest.Clock, tok *oauth2.Token) {
	t.Helper()
	require.NotNil(t, tok)
	assert.NotEmpty(t, tok.AccessToken)
	assert.True(t, tok.Expiry.After(clock.Now().Add(epicoauth.DefaultExpiryDelta)), "token expired on the fake clock")
}

const tokenPath = epictest.AccountTokenPath

// faultRow is a fault injected into a grant, either at login or at the
// first refresh of the session it started.
type faultRow struct {
	name    string
	grant   string // "device_auth" (repeatable) or "exchange_code" (single use)
	refresh bool   // inject at the refresh after the login, not at the login
	fault   epictest.Fault
	timeout time.Duration // the caller's deadline on TokenContext; 0 for none

	want func(*testing.T, error) // nil: the faulted call gets a token
	sent int                     // token requests the faulted call sends
}

var faultRows = []faultRow{
	{name: "throttle short Retry-After is waited out", grant: "device_auth",
		fault: epictest.Fault{Kind: epictest.Throttle, RetryAfter: 5 * time.Second}, sent: 2},
	{name: "throttle short Retry-After on a single-use code is waited out", grant: "exchange_code",
		fault: epictest.Fault{Kind: epictest.Throttle, RetryAfter: 5 * time.Second}, sent: 2},
	{name: "throttle short Retry-After on a refresh is waited out", grant: "exchange_code", refresh: true,
		fault: epictest.Fault{Kind: epictest.Throttle, RetryAfter: 5 * time.Second}, sent: 2},
	{name: "throttle long Retry-After returns the typed error at once", grant: "device_auth",
		fault: epictest.Fault{Kind: epictest.Throttle, RetryAfter: 2 * time.Minute},
		want:  wantEpicError(http.StatusTooManyRequests, epicoauth.ErrorCodeThrottled, ""), sent: 1},
	{name: "throttle without retry value backs off and recovers", grant: "device_auth",
		fault: epictest.Fault{Kind: epictest.Throttle}, sent: 2},
	{name: "throttle without retry value on every attempt", grant: "exchange_code",
		fault: epictest.Fault{Kind: epictest.Throttle, Times: 3},
		want:  wantEpicError(http.StatusTooManyRequests, epicoauth.ErrorCodeThrottled, ""), sent: 3},
	{name: "500 on a repeatable grant is retried", grant: "device_auth",
		fault: epictest.Fault{Kind: epictest.ServerError, Status: 500}, sent: 2},
	{name: "500 on a refresh is not re-sent", grant: "exchange_code", refresh: true,
		fault: epictest.Fault{Kind: epictest.ServerError, Status: 500},
		want:  wantEpicError(500, epicoauth.ErrorCodeServerError, ""), sent: 1},
	{name: "502 on every attempt", grant: "device_auth",
		fault: epictest.Fault{Kind: epictest.ServerError, Status: 502, Times: 3},
		want:  wantEpicError(502, epicoauth.ErrorCodeServerError, ""), sent: 3},
	{name: "503 on a single-use code is not re-sent", grant: "exchange_code",
		fault: epictest.Fault{Kind: epictest.ServerError, Status: 503},
		want:  wantEpicError(503, epicoauth.ErrorCodeServerError, ""), sent: 1},
	{name: "reset connection on a repeatable grant is retried", grant: "device_auth",
		fault: epictest.Fault{Kind: epictest.DropConnection}, sent: 2},
	{name: "reset connection on a single-use code is not re-sent", grant: "exchange_code",
		fault: epictest.Fault{Kind: epictest.DropConnection}, want: wantConnectionLost, sent: 1},
	{name: "reset connection on a refresh is not re-sent", grant: "device_auth", refresh: true,
		fault: epictest.Fault{Kind: epictest.DropConnection}, want: wantConnectionLost, sent: 1},
	{name: "slow response past the caller's deadline", grant: "device_auth",
		fault:   epictest.Fault{Kind: epictest.Delay, Delay: 300 * time.Millisecond},
		timeout: 20 * time.Millisecond, want: wantDeadline, sent: 1},
	{name: "slow refresh past the caller's deadline", grant: "exchange_code", refresh: true,
		fault:   epictest.Fault{Kind: epictest.Delay, Delay: 300 * time.Millisecond},
		timeout: 20 * time.Millisecond, want: wantDeadline, sent: 1},
	{name: "HTML page on a repeatable grant is retried", grant: "device_auth",
		fault: epictest.Fault{Kind: epictest.HTMLPage}, sent: 2},
	{name: "HTML page on a single-use code", grant: "exchange_code",
		fault: epictest.Fault{Kind: epictest.HTMLPage, Status: 502},
		want:  wantEpicError(502, "", "not an Epic JSON error"), sent: 1},
	{name: "10 MiB body", grant: "device_auth",
		fault: epictest.Fault{Kind: epictest.HugeBody},
		want:  wantEpicError(200, "", "exceeds"), sent: 1},
	{name: "10 MiB body on a refresh", grant: "exchange_code", refresh: true,
		fault: epictest.Fault{Kind: epictest.HugeBody},
		want:  wantEpicError(200, "", "exceeds"), sent: 1},
	{name: "malformed JSON", grant: "device_auth",
		fault: epictest.Fault{Kind: epictest.MalformedJSON},
		want:  wantEpicError(200, "", "not valid JSON"), sent: 1},
	{name: "malformed JSON on a single-use code", grant: "exchange_code",
		fault: epictest.Fault{Kind: epictest.MalformedJSON},
		want:  wantEpicError(200, "", "not valid JSON"), sent: 1},
}

func TestFaultMatrix(t *testing.T) {
	base := runtime.NumGoroutine()
	for _, tt := range faultRows {
		t.Run(tt.name, func(t *testing.T) { runFaultRow(t, tt) })
	}
	for _, tt := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"nonce mismatch (EOS)", nonceMismatchRow},
		{"throttle on EOS Connect is waited out", eosThrottleRow},
		{"rotated refresh token replayed", replayedRefreshRow},
		{"refresh token revoked, device auth re-logs in", revokedRefreshRow},
		{"device auth revoked, session alive", deviceAuthRevokedAliveRow},
		{"device auth revoked, session ended", deviceAuthRevokedDeadRow},
		{"store write failure", storeFailureRow},
		{"token endpoint redirects to another host", redirectRow},
		{"verify redirects to another port", verifyRedirectRow},
		{"rotated token in an answer with broken optional fields", salvageRow},
		{"short tokens and the storm bound", shortTokenRows},
		{"corrective action: retried, restartable", correctiveActionRow},
		{"crash between a save's temporary file and its rename", crashedSaveRow},
	} {
		t.Run(tt.name, tt.run)
	}
	// Every row closed its sources and servers: nothing may keep running.
	// Closing goroutines need a moment to be scheduled; the bound only
	// stops a leaking test, no passing run comes near it.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	n := runtime.NumGoroutine()
	for i := 0; i < 5000 && n > base; i++ {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
		n = runtime.NumGoroutine()
	}
	assert.LessOrEqual(t, n, base, "goroutines left running after the fault matrix")
}

func runFaultRow(t *testing.T, tt faultRow) {
	f := newMatrixFixture(t)
	var ts *epicoauth.TokenSource
	var before *oauth2.Token
	if tt.refresh {
		ts, before = f.login(t, tt.grant)
		f.expire()
	} else {
		ts = f.source(t, tt.grant)
	}
	tt.fault.Path = tokenPath
	f.srv.Inject(tt.fault)

	ctx := context.Background()
	if tt.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, tt.timeout)
		defer cancel()
	}
	tok, err := ts.TokenContext(ctx)
	if tt.want == nil {
		require.NoError(t, err)
		assertFresh(t, f.srv.Clock(), tok)
	} else {
		tt.want(t, err)
		assert.Nil(t, tok)
		f.assertNoSecrets(t, err, before)
	}
	wantGrant := tt.grant
	if tt.refresh {
		wantGrant = "refresh_token"
	}
	if tt.timeout == 0 {
		assert.Equal(t, tt.sent, f.srv.Count(tokenPath), "token requests sent for the fault")
		assert.Equal(t, tt.sent, f.srv.Count(wantGrant))
	} else {
		// The caller gave up; the shared request goes on and is counted
		// once it reaches the fake.
		assert.LessOrEqual(t, f.srv.Count(tokenPath), tt.sent)
	}

	// No valid credential was lost: once the fault has passed (and the
	// source's backoff with it), the next call gets a token from the same
	// session or grant, and never from a new login.
	f.pastBackoff()
	again, err := ts.Token()
	require.NoError(t, err, "the source must recover after the fault")
	assertFresh(t, f.srv.Clock(), again)
	reqs := f.srv.Requests()
	for _, r := range reqs {
		assert.Equal(t, wantGrant, r.GrantType, "a request of another grant was sent")
	}
	if tt.want == nil || tt.timeout > 0 {
		// The faulted call (or the request the caller left) got the token.
		assert.Len(t, reqs, tt.sent, "recovering must not need another request")
	} else {
		assert.Len(t, reqs, tt.sent+1, "one more request recovers")
	}
	if before != nil {
		assert.Equal(t, epic.AccountID(before), epic.AccountID(again))
	}
	// And the recovered token is served from the cache.
	cached, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, again.AccessToken, cached.AccessToken)
	assert.Len(t, f.srv.Requests(), len(reqs))
}

// nonceMismatchRow: an EOS Connect response that echoes another nonce is
// refused with ErrNonceMismatch (the token may belong to another request),
// sent once, and the next call after the backoff gets a good token. epictest
// always echoes the nonce, so a small handler plays Epic here.
func nonceMismatchRow(t *testing.T) {
	clock := epictest.NewClock(epictest.DefaultStart)
	payload, err := os.ReadFile("testdata/eos-connect-token-external_auth.json")
	require.NoError(t, err)
	var (
		mu    sync.Mutex
		calls int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, epictest.EOSConnectTokenPath, r.URL.Path)
		assert.NoError(t, r.ParseForm())
		assert.Equal(t, "client_credentials", r.PostForm.Get("grant_type"))
		var body map[string]any
		assert.NoError(t, json.Unmarshal(payload, &body))
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		body["nonce"] = r.PostForm.Get("nonce")
		if first {
			body["nonce"] = "0123456789abcdef0123456789abcdef"
		}
		body["expires_at"] = clock.Now().Add(time.Hour).Format(time.RFC3339)
		w.Header().Set("Content-Type", "application/json")
		assert.NoError(t, json.NewEncoder(w).Encode(body))
	}))
	defer srv.Close()
	cfg := &eos.Config{ClientID: "xyza7891", ClientSecret: "nonce-row-secret", DeploymentID: "62a9473a2dca46b29ccf17577fcf42d7",
		Endpoint: oauth2.Endpoint{TokenURL: srv.URL + epictest.EOSConnectTokenPath, AuthStyle: oauth2.AuthStyleInHeader}, Clock: clock}
	ts := cfg.TokenSource(context.Background(), eos.ClientCredentials())
	defer ts.Close()

	_, err = ts.Token()
	require.ErrorIs(t, err, eos.ErrNonceMismatch)
	mu.Lock()
	assert.Equal(t, 1, calls, "a nonce mismatch is not retried at once")
	mu.Unlock()

	clock.Advance(3 * time.Minute)
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Len(t, eos.Nonce(tok), 32)
	mu.Lock()
	assert.Equal(t, 2, calls)
	mu.Unlock()
}

// eosThrottleRow: EOS Connect throttles like the account service and the
// policy waits it out there too.
func eosThrottleRow(t *testing.T) {
	f := newMatrixFixture(t)
	cfg := f.srv.EOSConfig(f.srv.DefaultClient(), f.srv.DefaultDeployment().ID)
	ts := cfg.TokenSource(f.ctx, eos.ClientCredentials())
	defer ts.Close()
	f.srv.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: 5 * time.Second, Path: epictest.EOSConnectTokenPath})
	tok, err := ts.Token()
	require.NoError(t, err)
	assertFresh(t, f.srv.Clock(), tok)
	assert.Equal(t, 2, f.srv.Count(epictest.EOSConnectTokenPath))
}

// replayedRefreshRow: after the source rotates its refresh token, a copy of
// the old token (a stale backup, a second process) cannot refresh: it gets
// ErrLoginRequired after one request, and the live source keeps its session.
func replayedRefreshRow(t *testing.T) {
	f := newMatrixFixture(t)
	ts, old := f.login(t, "exchange_code")
	f.expire()
	rotated, err := ts.Token()
	require.NoError(t, err)
	require.NotEqual(t, old.RefreshToken, rotated.RefreshToken, "the fake rotates refresh tokens")
	f.srv.ResetRequests()

	stale := f.cfg.ResumeTokenSource(f.ctx, old, nil)
	defer stale.Close()
	_, err = stale.Token()
	require.ErrorIs(t, err, epicoauth.ErrLoginRequired)
	var e *epicoauth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, epicoauth.ErrorCodeInvalidRefreshToken, e.ErrorCode)
	f.assertNoSecrets(t, err, old)
	assert.Equal(t, 1, f.srv.Count("refresh_token"))
	f.pastBackoff()
	_, err = stale.Token()
	require.ErrorIs(t, err, epicoauth.ErrLoginRequired)
	assert.Len(t, f.srv.Requests(), 1, "login required stops all requests")

	// The live source still has its session: cached, then refreshed.
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, rotated.AccessToken, tok.AccessToken)
	f.expire()
	tok, err = ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, rotated.AccessToken, tok.AccessToken)
	assert.Equal(t, 1, f.srv.Count("refresh_token"), "the live source refreshes once, with its rotated token")
	assert.Equal(t, rotated.RefreshToken, f.srv.Requests()[0].Form.Get("refresh_token"))
	assert.Zero(t, f.srv.Count("exchange_code"))
}

// revokedRefreshRow: a device-auth session whose refresh token was
// revoked logs in again with the device auth, once, without a person.
func revokedRefreshRow(t *testing.T) {
	f := newMatrixFixture(t)
	ts, tok := f.login(t, "device_auth")
	require.True(t, f.srv.RevokeRefreshToken(tok.RefreshToken))
	f.expire()
	again, err := ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, again.AccessToken)
	assert.Equal(t, 1, f.srv.Count("refresh_token"))
	assert.Equal(t, 1, f.srv.Count("device_auth"))
	assert.Len(t, f.srv.Requests(), 2)
}

// deviceAuthRevokedAliveRow: deleting the device auth does not end the
// session it started: the source refreshes without touching it.
func deviceAuthRevokedAliveRow(t *testing.T) {
	f := newMatrixFixture(t)
	ts, _ := f.login(t, "device_auth")
	require.True(t, f.srv.DeleteDeviceAuth(f.da.AccountID, f.da.DeviceID))
	f.expire()
	tok, err := ts.Token()
	require.NoError(t, err)
	assertFresh(t, f.srv.Clock(), tok)
	assert.Equal(t, 1, f.srv.Count("refresh_token"))
	assert.Zero(t, f.srv.Count("device_auth"))
}

// deviceAuthRevokedDeadRow: with the device auth deleted and the session
// ended, renewal needs a person: ErrLoginRequired carrying Epic's error,
// after one refresh and one device_auth request, and no request after that.
func deviceAuthRevokedDeadRow(t *testing.T) {
	f := newMatrixFixture(t)
	ts, tok := f.login(t, "device_auth")
	require.True(t, f.srv.DeleteDeviceAuth(f.da.AccountID, f.da.DeviceID))
	require.True(t, f.srv.RevokeSession(tok.AccessToken))
	f.expire()
	_, err := ts.Token()
	require.ErrorIs(t, err, epicoauth.ErrLoginRequired)
	var e *epicoauth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, epicoauth.ErrorCodeInvalidAccountCredentials, e.ErrorCode, "Epic's answer to a deleted device auth")
	f.assertNoSecrets(t, err, tok)
	assert.Equal(t, 1, f.srv.Count("refresh_token"))
	assert.Equal(t, 1, f.srv.Count("device_auth"))
	f.pastBackoff()
	_, err = ts.Token()
	require.ErrorIs(t, err, epicoauth.ErrLoginRequired)
	assert.Len(t, f.srv.Requests(), 2, "login required stops all requests")
}

// brokenStore loads nothing and fails every save.
type brokenStore struct{}

var errDiskFull = errors.New("disk full")

func (brokenStore) Load(context.Context) (*oauth2.Token, error) { return nil, nil }
func (brokenStore) Save(context.Context, *oauth2.Token) error   { return errDiskFull }
func (brokenStore) String() string                              { return "brokenStore" }

var _ epicoauth.TokenStore = brokenStore{}

// storeFailureRow: a store that cannot save does not cost the token: the
// caller gets it, the failure is reported as a *SaveError through OnError
// and Err, and the token is served from the cache.
func storeFailureRow(t *testing.T) {
	f := newMatrixFixture(t)
	var (
		mu     sync.Mutex
		onErrs []error
	)
	ts, err := f.cfg.StoredTokenSource(f.ctx, f.da, &epicoauth.TokenSourceOptions{
		Store: brokenStore{},
		OnError: func(err error) {
			mu.Lock()
			defer mu.Unlock()
			onErrs = append(onErrs, err)
		},
	})
	require.NoError(t, err)
	defer ts.Close()
	tok, err := ts.Token()
	require.NoError(t, err, "a failed save must not cost the caller its token")
	assertFresh(t, f.srv.Clock(), tok)
	var se *epicoauth.SaveError
	require.ErrorAs(t, ts.Err(), &se)
	assert.ErrorIs(t, se, errDiskFull)
	mu.Lock()
	require.Len(t, onErrs, 1)
	assert.ErrorAs(t, onErrs[0], &se)
	mu.Unlock()
	cached, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, cached.AccessToken)
	assert.Equal(t, 1, f.srv.Count("device_auth"))
	assert.Len(t, f.srv.Requests(), 1)
}

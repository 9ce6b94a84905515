package epictest_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
)

// admin sends a JSON body to the admin API and decodes the answer.
func (f *fx) admin(method, path, body string, wantStatus int) map[string]any {
	f.t.Helper()
	req, err := http.NewRequestWithContext(f.ctx, method, f.srv.URL+epictest.AdminPath+path, strings.NewReader(body))
	require.NoError(f.t, err)
	resp, err := f.srv.HTTPClient().Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	var out any
	require.NoError(f.t, json.NewDecoder(resp.Body).Decode(&out))
	require.Equal(f.t, wantStatus, resp.StatusCode, "%v", out)
	assert.Equal(f.t, "application/json", resp.Header.Get("Content-Type"))
	if m, ok := out.(map[string]any); ok {
		return m
	}
	return map[string]any{"list": out}
}

func TestAdminRegistersAndMints(t *testing.T) {
	f := newFx(t)
	c := f.admin("POST", "/clients", `{"name":"bot","grants":["exchange_code","device_auth","refresh_token"]}`, 200)
	require.Regexp(t, "^[0-9a-f]{32}$", c["id"])
	client := epictest.Client{ID: c["id"].(string), Secret: c["secret"].(string)}
	a := f.admin("POST", "/accounts", `{"displayName":"carol"}`, 200)
	assert.Equal(t, "carol", a["displayName"])
	accountID := a["id"].(string)

	d := f.admin("POST", "/device-auths", `{"accountId":"`+accountID+`","clientId":"`+client.ID+`"}`, 200)
	tok := f.token(url.Values{"grant_type": {"device_auth"}, "account_id": {accountID},
		"device_id": {d["deviceId"].(string)}, "secret": {d["secret"].(string)}}, basic(client))
	assert.Equal(t, "carol", tok["displayName"])

	code := f.admin("POST", "/exchange-codes", `{"accountId":"`+accountID+`","clientId":"`+client.ID+`"}`, 200)
	assert.EqualValues(t, 300, code["expiresInSeconds"])
	f.token(url.Values{"grant_type": {"exchange_code"}, "exchange_code": {code["code"].(string)}}, basic(client))
	auth := f.admin("POST", "/authorization-codes", `{"accountId":"`+accountID+`","clientId":"`+f.client.ID+`"}`, 200)
	f.token(url.Values{"grant_type": {"authorization_code"}, "code": {auth["code"].(string)}}, nil)

	f.admin("POST", "/corrective-action", `{"accountId":"`+accountID+`","action":"DATE_OF_BIRTH"}`, 200)
	code = f.admin("POST", "/exchange-codes", `{"accountId":"`+accountID+`","clientId":"`+client.ID+`"}`, 200)
	r := f.do("POST", epictest.AccountTokenPath, basic(client), url.Values{"grant_type": {"exchange_code"}, "exchange_code": {code["code"].(string)}})
	assert.Equal(t, epicoauth.ErrorCodeCorrectiveActionRequired, errorCode(t, r))

	revoked := f.admin("POST", "/sessions/revoke", `{"accountId":"`+accountID+`"}`, 200)
	assert.EqualValues(t, 3, revoked["revoked"], "device_auth, exchange_code and authorization_code sessions")

	st := f.admin("GET", "/state", "", 200)
	assert.Equal(t, f.srv.URL, st["url"])
	assert.Len(t, st["accounts"], 2)
	assert.Len(t, st["clients"], 2)

	seeded := f.admin("POST", "/seed", `{"clients":[{"name":"x","id":"c1","secret":"s1"}],"accounts":[{"id":"a1"}],`+
		`"deviceAuths":[{"accountId":"a1","clientId":"x","deviceId":"d1","secret":"ds"}]}`, 200)
	assert.Equal(t, "c1", seeded["deviceAuths"].([]any)[0].(map[string]any)["clientId"], "a client named in the seed")
}

func TestAdminDeviceCodes(t *testing.T) {
	f := newFx(t)
	r := f.do("POST", epictest.DeviceAuthorizationPath, bearer(f.clientToken()), url.Values{})
	da := r.json(t)
	f.admin("POST", "/device-codes/approve", `{"userCode":"`+da["user_code"].(string)+`","accountId":"`+f.alice.ID+`"}`, 200)
	tok := f.token(url.Values{"grant_type": {"device_code"}, "device_code": {da["device_code"].(string)}}, nil)
	assert.Equal(t, f.alice.ID, tok["account_id"])
	f.admin("POST", "/device-codes/approve", `{"userCode":"NOPE1234","accountId":"`+f.alice.ID+`"}`, 404)

	f.admin("POST", "/device-codes/auto-approve", `{"accountId":"`+f.alice.ID+`","afterPolls":0}`, 200)
	da = f.do("POST", epictest.DeviceAuthorizationPath, bearer(f.clientToken()), url.Values{}).json(t)
	tok = f.token(url.Values{"grant_type": {"device_code"}, "device_code": {da["device_code"].(string)}}, nil)
	assert.Equal(t, f.alice.ID, tok["account_id"])
}

func TestAdminErrors(t *testing.T) {
	f := newFx(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"unknown field", "POST", "/accounts", `{"nickname":"x"}`, 400, "unknown field"},
		{"not JSON", "POST", "/faults", `throttle`, 400, "reading the JSON body"},
		{"unknown fault", "POST", "/faults", `{"kind":"explode"}`, 400, "unknown fault kind"},
		{"delay without duration", "POST", "/faults", `{"kind":"delay"}`, 400, "needs delay"},
		{"bad status", "POST", "/faults", `{"kind":"5xx","status":7}`, 400, "not an HTTP status"},
		{"redirect without location", "POST", "/faults", `{"kind":"redirect"}`, 400, "needs location"},
		{"unknown account", "POST", "/exchange-codes", `{"accountId":"nobody","clientId":"` + f.client.ID + `"}`, 404, "no account"},
		{"unknown client", "POST", "/exchange-codes", `{"accountId":"` + f.alice.ID + `","clientId":"nobody"}`, 404, "no client"},
		{"duplicate account", "POST", "/accounts", `{"id":"` + f.alice.ID + `"}`, 400, "already registered"},
		{"half a device auth", "POST", "/device-auths", `{"accountId":"` + f.alice.ID + `","clientId":"` + f.client.ID + `","deviceId":"d"}`, 400, "both"},
		{"advance and set", "POST", "/clock", `{"advance":"1h","set":"2030-01-01T00:00:00Z"}`, 400, "not both"},
		{"negative advance", "POST", "/clock", `{"advance":"-1h"}`, 400, "positive duration"},
		{"bad time", "POST", "/clock", `{"set":"tomorrow"}`, 400, "RFC 3339"},
		{"no such endpoint", "GET", "/nothing", ``, 404, "no admin endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := f.admin(tt.method, tt.path, tt.body, tt.status)
			assert.Contains(t, out["error"], tt.msg)
		})
	}
}

func TestAdminFaultsClockAndLog(t *testing.T) {
	f := newFx(t)
	f.admin("POST", "/faults", `{"kind":"throttle","retryAfter":7,"path":"`+epictest.AccountTokenPath+`"}`, 200)
	r := f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"client_credentials"}})
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "7", r.header.Get("Retry-After"))
	f.admin("POST", "/faults", `{"kind":"redirect","status":308,"location":"https://elsewhere.example/token"}`, 200)
	r = f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"client_credentials"}})
	assert.Equal(t, 308, r.status)
	assert.Equal(t, "https://elsewhere.example/token", r.header.Get("Location"))
	f.admin("POST", "/faults", `{"kind":"broken_optional_fields"}`, 200)
	r = f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"client_credentials"}})
	assert.Equal(t, 200, r.status)
	assert.Contains(t, string(r.body), `"expires_in":"soon"`)
	f.admin("POST", "/faults", `{"kind":"5xx","times":3}`, 200)
	f.admin("DELETE", "/faults", "", 200)
	f.clientToken() // no fault left

	clock := f.admin("GET", "/clock", "", 200)
	assert.Equal(t, true, clock["frozen"])
	assert.Equal(t, "2025-01-01T12:00:00Z", clock["now"])
	clock = f.admin("POST", "/clock", `{"advance":"90m"}`, 200)
	assert.Equal(t, "2025-01-01T13:30:00Z", clock["now"])
	clock = f.admin("POST", "/clock", `{"set":"2030-01-01T00:00:00Z","frozen":false}`, 200)
	assert.Equal(t, false, clock["frozen"])
	assert.False(t, f.srv.Clock().Frozen())
	f.admin("POST", "/clock", `{"frozen":true}`, 200)
	assert.True(t, f.srv.Clock().Frozen())

	log := f.admin("GET", "/requests", "", 200)["list"].([]any)
	require.Len(t, log, 4, "admin requests are not logged")
	first := log[0].(map[string]any)
	assert.Equal(t, "throttle", first["fault"])
	assert.Equal(t, "redirect", log[1].(map[string]any)["fault"])
	assert.Equal(t, "broken_optional_fields", log[2].(map[string]any)["fault"])
	assert.EqualValues(t, 429, first["status"])
	assert.Equal(t, []any{"grant_type"}, first["formFields"])
	assert.Equal(t, []any{"basic (hidden)"}, first["header"].(map[string]any)["Authorization"])
	assert.NotContains(t, log[1].(map[string]any)["header"].(map[string]any)["Authorization"].([]any)[0], f.client.Secret)
	f.admin("DELETE", "/requests", "", 200)
	assert.Empty(t, f.srv.Requests())
}

// TestAdminRequestLogHidesCredentials: the admin request log shows neither
// a cookie's value nor an Authorization value that has no scheme.
func TestAdminRequestLogHidesCredentials(t *testing.T) {
	f := newFx(t)
	f.do("POST", epictest.AccountTokenPath, http.Header{"Cookie": {"EPIC_SSO=ssoSECRET; other=x"}}, url.Values{"grant_type": {"client_credentials"}})
	f.do("POST", epictest.AccountTokenPath, http.Header{"Authorization": {"tokenSECRET"}}, url.Values{"grant_type": {"client_credentials"}})
	log := f.admin("GET", "/requests", "", 200)["list"].([]any)
	require.Len(t, log, 2)
	assert.Equal(t, []any{"(hidden)"}, log[0].(map[string]any)["header"].(map[string]any)["Cookie"])
	assert.Equal(t, []any{"(hidden)"}, log[1].(map[string]any)["header"].(map[string]any)["Authorization"])
	b, err := json.Marshal(log)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "SECRET")
}

func TestRunningClock(t *testing.T) {
	before := time.Now()
	c := epictest.NewRunningClock()
	assert.False(t, c.Frozen())
	assert.False(t, c.Now().Before(before.Truncate(time.Second)))
	c.Freeze()
	frozen := c.Now()
	assert.Equal(t, frozen, c.Now(), "a frozen clock stands still")
	c.Advance(time.Hour)
	assert.Equal(t, frozen.Add(time.Hour), c.Now())
	c.Unfreeze()
	assert.False(t, c.Now().Before(frozen.Add(time.Hour)), "it runs on from where it stood")

	fixed := epictest.NewClock(epictest.DefaultStart)
	assert.True(t, fixed.Frozen())
	fixed.Unfreeze()
	fixed.Set(epictest.DefaultStart)
	assert.False(t, fixed.Now().Before(epictest.DefaultStart))
}

func TestHostsTLS(t *testing.T) {
	h, err := epictest.NewHostsTLS("fake.internal", "10.1.2.3")
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := epictest.NewServer(&epictest.Options{TLS: true, TLSConfig: h.Config, Listener: ln})
	defer srv.Close()
	assert.Equal(t, "https://"+ln.Addr().String(), srv.URL)
	for _, host := range append(epictest.EpicHosts, "fake.internal", "localhost") {
		t.Run(host, func(t *testing.T) {
			// The client resolves Epic's name to the fake and trusts the CA.
			tr := &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: h.Pool},
				DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, ln.Addr().String())
				},
			}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Get("https://" + host + "/account/api/oauth/verify")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, 401, resp.StatusCode)
		})
	}
	assert.Contains(t, string(h.CAPEM), "BEGIN CERTIFICATE")
	resp, err := srv.HTTPClient().Get(srv.URL + "/activate")
	require.NoError(t, err, "HTTPClient trusts the certificate")
	resp.Body.Close()
}

func TestShutdown(t *testing.T) {
	srv := epictest.NewServer(nil)
	client := srv.HTTPClient()
	srv.Inject(epictest.Fault{Kind: epictest.Delay, Delay: 50 * time.Millisecond})
	done := make(chan int)
	go func() {
		resp, err := client.Get(srv.URL + "/account/api/oauth/verify")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	require.Eventually(t, func() bool { return len(srv.Requests()) == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, srv.Shutdown(context.Background()))
	assert.Equal(t, 401, <-done, "the request in progress was answered")
	_, err := client.Get(srv.URL + "/account/api/oauth/verify")
	assert.Error(t, err, "no longer serving")
	srv.Close() // still safe
}

package epictest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// authorize starts a device-code login and returns Epic's answer.
func (f *fx) authorize() map[string]any {
	f.t.Helper()
	r := f.do("POST", epictest.DeviceAuthorizationPath, bearer(f.clientToken()), url.Values{})
	require.Equal(f.t, http.StatusOK, r.status, "%s", r.body)
	return r.json(f.t)
}

// poll sends one device_code grant and returns the token or Epic's code.
func (f *fx) poll(cfg *epic.Config, deviceCode string) (string, string) {
	f.t.Helper()
	tok, err := cfg.Token(f.ctx, epic.DeviceCode(deviceCode))
	if err != nil {
		return "", epicErr(f.t, err).ErrorCode
	}
	return epic.AccountID(tok), ""
}

func TestDeviceCodeLogin(t *testing.T) {
	f := newFx(t)
	cfg := f.srv.EpicConfig(f.client)
	auth := f.authorize()
	assert.Equal(t, float64(600), auth["expires_in"])
	assert.Equal(t, float64(10), auth["interval"])
	assert.Equal(t, "login", auth["prompt"])
	assert.Equal(t, f.client.ID, auth["client_id"])
	user, dc := auth["user_code"].(string), auth["device_code"].(string)
	assert.Equal(t, auth["verification_uri"].(string)+"?userCode="+user, auth["verification_uri_complete"])

	_, code := f.poll(cfg, dc)
	assert.Equal(t, epicoauth.ErrorCodeAuthorizationPending, code)
	_, code = f.poll(cfg, dc)
	assert.Equal(t, epicoauth.ErrorCodeSlowDown, code, "polled again at once")
	f.srv.Clock().Advance(10 * time.Second)
	require.NoError(t, f.srv.ApproveDeviceCode(user, f.alice.ID))
	account, code := f.poll(cfg, dc)
	require.Empty(t, code)
	assert.Equal(t, f.alice.ID, account)

	f.srv.Clock().Advance(10 * time.Second)
	_, code = f.poll(cfg, dc)
	assert.Equal(t, epicoauth.ErrorCodeNotFound, code, "a device code works once")
	require.ErrorIs(t, f.srv.ApproveDeviceCode(user, f.alice.ID), epictest.ErrNoDeviceCode)
}

func TestDeviceCodePollingUntilExpiry(t *testing.T) {
	f := newFx(t)
	cfg := f.srv.EpicConfig(f.client)
	dc := f.authorize()["device_code"].(string)
	clock := f.srv.Clock()
	var codes []string
	for {
		_, code := f.poll(cfg, dc)
		codes = append(codes, code)
		if code != epicoauth.ErrorCodeAuthorizationPending {
			break
		}
		require.NoError(t, clock.Sleep(f.ctx, 10*time.Second)) // ten minutes, at once
	}
	assert.Len(t, codes, 61)
	assert.Equal(t, epicoauth.ErrorCodeNotFound, codes[60])
	assert.Equal(t, 61, f.srv.Count("device_code"))
}

func TestDeviceCodeAutoApprove(t *testing.T) {
	f := newFx(t)
	f.srv.AutoApproveDeviceCodes(f.alice.ID, 2)
	cfg := f.srv.EpicConfig(f.client)
	dc := f.authorize()["device_code"].(string)
	var codes []string
	for {
		account, code := f.poll(cfg, dc)
		if code == "" {
			assert.Equal(t, f.alice.ID, account)
			break
		}
		codes = append(codes, code)
		require.NoError(t, f.srv.Clock().Sleep(f.ctx, 10*time.Second))
	}
	assert.Equal(t, []string{epicoauth.ErrorCodeAuthorizationPending, epicoauth.ErrorCodeAuthorizationPending}, codes)

	f.srv.AutoApproveDeviceCodes("", 0)
	_, code := f.poll(cfg, f.authorize()["device_code"].(string))
	assert.Equal(t, epicoauth.ErrorCodeAuthorizationPending, code)
}

func TestDeviceCodeErrors(t *testing.T) {
	f := newFx(t)
	auth := f.authorize()
	dc := auth["device_code"].(string)

	other := f.srv.AddClient(epictest.Client{})
	_, code := f.poll(f.srv.EpicConfig(other), dc)
	assert.Equal(t, epicoauth.ErrorCodeInvalidToken, code, "another client's pin grant")

	f.srv.Clock().Advance(600 * time.Second)
	_, code = f.poll(f.srv.EpicConfig(f.client), dc)
	assert.Equal(t, epicoauth.ErrorCodeNotFound, code, "expired")

	t.Run("deviceAuthorization needs a client bearer token", func(t *testing.T) {
		for name, h := range map[string]http.Header{
			"none":       nil,
			"basic":      basic(f.client),
			"user token": bearer(f.userToken(nil)["access_token"].(string)),
			"unknown":    bearer("0123456789abcdef0123456789abcdef"),
		} {
			r := f.do("POST", epictest.DeviceAuthorizationPath, h, url.Values{})
			assert.Equal(t, http.StatusUnauthorized, r.status, name)
			assert.Equal(t, epicoauth.ErrorCodeAuthenticationFailed, errorCode(t, r), name)
		}
	})
	t.Run("client without device_code", func(t *testing.T) {
		c := f.srv.AddClient(epictest.Client{Grants: []string{"client_credentials"}})
		tok := f.token(url.Values{"grant_type": {"client_credentials"}}, basic(c))
		r := f.do("POST", epictest.DeviceAuthorizationPath, bearer(tok["access_token"].(string)), url.Values{})
		assert.Equal(t, epicoauth.ErrorCodeUnauthorizedClient, errorCode(t, r))
	})
	t.Run("prompt from the query", func(t *testing.T) {
		r := f.do("POST", epictest.DeviceAuthorizationPath+"?prompt=register", bearer(f.clientToken()), url.Values{})
		assert.Equal(t, "register", r.json(t)["prompt"])
	})
}

func TestDeleteDeviceCode(t *testing.T) {
	f := newFx(t)
	ct := f.clientToken()
	r := f.do("POST", epictest.DeviceAuthorizationPath, bearer(ct), url.Values{})
	auth := r.json(t)
	path := epictest.DeviceAuthorizationPath + "/" + auth["user_code"].(string)

	assert.Equal(t, http.StatusUnauthorized, f.do("DELETE", path, nil, nil).status)
	r = f.do("DELETE", path, bearer(ct), nil)
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, r.body)
	_, code := f.poll(f.srv.EpicConfig(f.client), auth["device_code"].(string))
	assert.Equal(t, epicoauth.ErrorCodeNotFound, code)
	r = f.do("DELETE", path, bearer(ct), nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, epicoauth.ErrorCodeNotFound, errorCode(t, r))
}

func TestActivatePage(t *testing.T) {
	f := newFx(t)
	r := f.do("GET", "/activate?userCode=<b>", nil, nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.True(t, strings.Contains(string(r.body), "&lt;b&gt;"), "%s", r.body)

	da := f.do("POST", epictest.DeviceAuthorizationPath, bearer(f.clientToken()), url.Values{}).json(t)
	page := f.do("GET", "/activate?userCode="+da["user_code"].(string), nil, nil)
	assert.Contains(t, string(page.body), `name="account_id" value="`+f.alice.ID+`"`, "a button per account")
	assert.Equal(t, http.StatusBadRequest, f.do("POST", "/activate", nil, url.Values{"userCode": {da["user_code"].(string)}, "account_id": {"nobody"}}).status)
	assert.Equal(t, http.StatusNotFound, f.do("POST", "/activate", nil, url.Values{"userCode": {"NOPE1234"}, "account_id": {f.alice.ID}}).status)
	approved := f.do("POST", "/activate", nil, url.Values{"userCode": {da["user_code"].(string)}, "account_id": {f.alice.ID}})
	require.Equal(t, http.StatusOK, approved.status, "%s", approved.body)
	tok := f.token(url.Values{"grant_type": {"device_code"}, "device_code": {da["device_code"].(string)}}, nil)
	assert.Equal(t, f.alice.ID, tok["account_id"])
}

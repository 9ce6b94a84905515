package epictest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
)

func TestAccountLookups(t *testing.T) {
	f := newFx(t)
	bob := f.srv.AddAccount(epictest.Account{DisplayName: "Bob"})
	user := bearer(f.userToken(nil)["access_token"].(string))
	client := bearer(f.clientToken())
	many := url.Values{}
	for range 101 {
		many.Add("accountId", bob.ID)
	}
	tests := []struct {
		name, path string
		h          http.Header
		status     int
		code       string   // errorCode of an error
		ids        []string // ids answered, for the bulk lookup
		keys       int      // number of keys of a single account
	}{
		{name: "own account", path: "/" + f.alice.ID, h: user, status: 200, keys: 22},
		{name: "another account", path: "/" + bob.ID, h: user, status: 200, keys: 3},
		{name: "unknown id", path: "/0123456789abcdef0123456789abcdef", h: user, status: 404, code: "errors.com.epicgames.account.account_not_found"},
		{name: "client token lacks the permission", path: "/" + bob.ID, h: client, status: 403, code: epicoauth.ErrorCodeMissingPermission},
		{name: "no token", path: "/" + bob.ID, status: 401, code: epicoauth.ErrorCodeTokenVerificationFailed},
		{name: "display name, any case", path: "/displayName/bOB", h: user, status: 200, keys: 3},
		{name: "unknown display name", path: "/displayName/carol", h: user, status: 404, code: "errors.com.epicgames.account.account_not_found"},
		{name: "unknown subresource", path: "/" + bob.ID + "/nothing", h: user, status: 404, code: "errors.com.epicgames.common.not_found"},
		{name: "bulk, in order, once each, unknown left out", h: client, status: 200,
			path: "?accountId=" + bob.ID + "&accountId=ffffffffffffffffffffffffffffffff&accountId=" + f.alice.ID + "&accountId=" + bob.ID,
			ids:  []string{bob.ID, f.alice.ID}},
		{name: "bulk, none", path: "", h: user, status: 400, code: "errors.com.epicgames.account.invalid_account_id_count"},
		{name: "bulk, over 100", path: "?" + many.Encode(), h: user, status: 400, code: "errors.com.epicgames.account.invalid_account_id_count"},
		{name: "bulk, no token", path: "?accountId=" + bob.ID, status: 401, code: epicoauth.ErrorCodeTokenVerificationFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do("GET", "/account/api/public/account"+tt.path, tt.h, nil)
			require.Equal(t, tt.status, r.status, "%s", r.body)
			switch {
			case tt.code != "":
				assert.Equal(t, tt.code, errorCode(t, r))
			case tt.ids != nil:
				var got []struct{ ID, DisplayName string }
				require.NoError(t, json.Unmarshal(r.body, &got))
				var ids []string
				for _, a := range got {
					ids = append(ids, a.ID)
				}
				assert.Equal(t, tt.ids, ids)
			default:
				m := r.json(t)
				assert.Len(t, m, tt.keys, "%s", r.body)
				assert.NotEmpty(t, m["displayName"])
			}
		})
	}
	r := f.do("GET", "/account/api/public/account?"+many.Encode(), user, nil)
	assert.True(t, strings.Contains(string(r.body), `"messageVars":["100"]`), "%s", r.body)
}

func TestDeviceIDWithoutHeader(t *testing.T) {
	f := newFx(t)
	code := f.token(url.Values{"grant_type": {"authorization_code"}, "code": {f.srv.NewAuthorizationCode(f.alice.ID, f.client.ID)}}, nil)
	assert.Regexp(t, "^[0-9a-f]{32}$", code["device_id"], "the browser's login has a device id")
	exchange := f.userToken(nil)
	assert.NotContains(t, exchange, "device_id", "exchange_code without X-Epic-Device-ID (fixture)")
	sent := epicoauth.NewDeviceID()
	echoed := f.token(url.Values{"grant_type": {"authorization_code"}, "code": {f.srv.NewAuthorizationCode(f.alice.ID, f.client.ID)}},
		with(basic(f.client), epicoauth.DeviceIDHeader, sent))
	assert.Equal(t, sent, echoed["device_id"])
	refreshed := f.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {code["refresh_token"].(string)}}, nil)
	assert.Equal(t, code["device_id"], refreshed["device_id"], "a refresh keeps the session's device")
}

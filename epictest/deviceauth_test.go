package epictest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

func TestDeviceAuthLifecycle(t *testing.T) {
	f := newFx(t)
	at := f.userToken(nil)["access_token"].(string)
	base := "/account/api/public/account/" + f.alice.ID + "/deviceAuth"

	r := f.do("POST", base, with(bearer(at), "User-Agent", "my-bot/1.0"), nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	created := r.json(t)
	assert.Equal(t, "my-bot/1.0", created["userAgent"])
	da := epic.DeviceAuth{AccountID: created["accountId"].(string), DeviceID: created["deviceId"].(string), Secret: created["secret"].(string)}
	assert.Equal(t, f.alice.ID, da.AccountID)
	assert.Len(t, da.Secret, 32)

	tok, err := f.srv.EpicConfig(f.client).Token(f.ctx, da)
	require.NoError(t, err)
	assert.Equal(t, f.alice.ID, epic.AccountID(tok))

	list := f.do("GET", base, bearer(at), nil)
	require.Equal(t, http.StatusOK, list.status)
	assert.NotContains(t, string(list.body), da.Secret)
	assert.Contains(t, string(list.body), `"lastAccess"`)

	one := f.do("GET", base+"/"+da.DeviceID, bearer(at), nil)
	assert.Equal(t, da.DeviceID, one.json(t)["deviceId"])
	assert.NotContains(t, string(one.body), da.Secret)

	assert.Equal(t, http.StatusNoContent, f.do("DELETE", base+"/"+da.DeviceID, bearer(at), nil).status)
	_, err = f.srv.EpicConfig(f.client).Token(f.ctx, da)
	assert.Equal(t, epicoauth.ErrorCodeInvalidAccountCredentials, epicErr(t, err).ErrorCode)

	r = f.do("GET", base+"/"+da.DeviceID, bearer(at), nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, epicoauth.ErrorCodeDeviceAuthNotFound, errorCode(t, r))
	assert.Equal(t, http.StatusNotFound, f.do("DELETE", base+"/"+da.DeviceID, bearer(at), nil).status)
}

func TestDeviceAuthPermissions(t *testing.T) {
	f := newFx(t)
	bob := f.srv.AddAccount(epictest.Account{DisplayName: "bob"})
	aliceToken := f.userToken(nil)["access_token"].(string)
	tests := []struct {
		name, method, path string
		h                  http.Header
		status             int
		code               string
	}{
		{"client token", "POST", "/account/api/public/account/" + f.alice.ID + "/deviceAuth", bearer(f.clientToken()), 403, epicoauth.ErrorCodeMissingPermission},
		{"other account", "POST", "/account/api/public/account/" + bob.ID + "/deviceAuth", bearer(aliceToken), 403, epicoauth.ErrorCodeMissingPermission},
		{"basic auth", "POST", "/account/api/public/account/" + f.alice.ID + "/deviceAuth", basic(f.client), 401, epicoauth.ErrorCodeTokenVerificationFailed},
		{"list other account", "GET", "/account/api/public/account/" + bob.ID + "/deviceAuth", bearer(aliceToken), 403, epicoauth.ErrorCodeMissingPermission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(tt.method, tt.path, tt.h, nil)
			assert.Equal(t, tt.status, r.status)
			assert.Equal(t, tt.code, errorCode(t, r))
		})
	}

	t.Run("client without the permission", func(t *testing.T) {
		c := f.srv.AddClient(epictest.Client{Perms: []epic.Permission{{Resource: "account:public:account", Action: 2}}})
		tok := f.token(map[string][]string{"grant_type": {"exchange_code"}, "exchange_code": {f.srv.NewExchangeCode(f.alice.ID, c.ID)}}, basic(c))
		r := f.do("POST", "/account/api/public/account/"+f.alice.ID+"/deviceAuth", bearer(tok["access_token"].(string)), nil)
		assert.Equal(t, 403, r.status)
		assert.Equal(t, []any{"account:public:account:deviceAuths", "CREATE"}, r.json(t)["messageVars"])
	})
}

func TestDeviceAuthBelongsToItsClient(t *testing.T) {
	f := newFx(t)
	da := f.srv.NewDeviceAuth(f.alice.ID, f.client.ID)
	other := f.srv.AddClient(epictest.Client{})
	_, err := f.srv.EpicConfig(other).Token(f.ctx, da)
	e := epicErr(t, err)
	assert.Equal(t, epicoauth.ErrorCodeInvalidAccountCredentials, e.ErrorCode)
	assert.Equal(t, "invalid_grant", e.OAuthError)
	assert.NotContains(t, err.Error(), da.Secret)
}

func TestDeletedDeviceAuthNeedsLogin(t *testing.T) {
	f := newFx(t)
	da := f.srv.NewDeviceAuth(f.alice.ID, f.client.ID)
	ts := f.srv.EpicConfig(f.client).TokenSource(f.ctx, da)
	_, err := ts.Token()
	require.NoError(t, err)

	require.True(t, f.srv.DeleteDeviceAuth(da.AccountID, da.DeviceID))
	assert.False(t, f.srv.DeleteDeviceAuth(da.AccountID, da.DeviceID))
	require.Equal(t, 1, f.srv.RevokeAccountSessions(f.alice.ID)) // a password change ends both
	f.srv.Clock().Advance(3 * time.Hour)
	_, err = ts.Token()
	require.ErrorIs(t, err, epicoauth.ErrLoginRequired)
	assert.Equal(t, 1, f.srv.Count("refresh_token"))
	assert.Equal(t, 2, f.srv.Count("device_auth"))
}

func TestAddDeviceAuth(t *testing.T) {
	f := newFx(t)
	other := f.srv.AddClient(epictest.Client{})
	saved := epic.DeviceAuth{AccountID: f.alice.ID, DeviceID: "435b52ece6d347479531c5132e209e53", Secret: "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}
	f.srv.AddDeviceAuth(saved, f.client.ID)

	tok, err := f.srv.EpicConfig(f.client).Token(f.ctx, saved)
	require.NoError(t, err)
	assert.Equal(t, f.alice.ID, epic.AccountID(tok))
	assert.Equal(t, saved.DeviceID, epic.DeviceID(tok))

	_, err = f.srv.EpicConfig(other).Token(f.ctx, saved)
	assert.Equal(t, epicoauth.ErrorCodeInvalidAccountCredentials, epicErr(t, err).ErrorCode, "bound to its client")
	wrong := saved
	wrong.Secret = "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY"
	_, err = f.srv.EpicConfig(f.client).Token(f.ctx, wrong)
	assert.Equal(t, epicoauth.ErrorCodeInvalidAccountCredentials, epicErr(t, err).ErrorCode, "secret checked")

	tests := []struct {
		name   string
		d      epic.DeviceAuth
		client string
	}{
		{"twice", saved, f.client.ID},
		{"no secret", epic.DeviceAuth{AccountID: f.alice.ID, DeviceID: "d"}, f.client.ID},
		{"unknown account", epic.DeviceAuth{AccountID: "nobody", DeviceID: "d", Secret: "s"}, f.client.ID},
		{"unknown client", epic.DeviceAuth{AccountID: f.alice.ID, DeviceID: "d", Secret: "s"}, "nobody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Panics(t, func() { f.srv.AddDeviceAuth(tt.d, tt.client) })
		})
	}
}

package epictest_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
)

func TestVerify(t *testing.T) {
	f := newFx(t)
	tok := f.userToken(url.Values{"token_type": {"eg1"}})
	at := tok["access_token"].(string)
	f.srv.Clock().Advance(time.Hour)

	v := f.do("GET", "/account/api/oauth/verify", with(bearer(at), "Authorization", "Bearer "+at), nil)
	require.Equal(t, http.StatusOK, v.status, "%s", v.body)
	body := v.json(t)
	assert.Equal(t, at, body["token"])
	assert.Equal(t, f.alice.ID, body["account_id"])
	assert.Equal(t, "alice", body["display_name"])
	assert.Equal(t, "exchange_code", body["auth_method"])
	assert.Equal(t, float64(3600), body["expires_in"], "time left on the fake clock")
	assert.NotContains(t, body, "perms")

	perms := f.do("GET", "/account/api/oauth/verify?includePerms=true", bearer(at), nil).json(t)["perms"].([]any)
	assert.Contains(t, perms, map[string]any{"resource": "account:oauth:exchangeTokenCode", "action": float64(15)})

	cv := f.do("GET", "/account/api/oauth/verify?includePerms=true", bearer(f.clientToken()), nil).json(t)
	assert.NotContains(t, cv, "account_id")
	assert.Equal(t, "client_credentials", cv["auth_method"])
	assert.Equal(t, []any{}, cv["perms"])

	f.srv.Clock().Advance(time.Hour)
	r := f.do("GET", "/account/api/oauth/verify", bearer(at), nil)
	assert.Equal(t, http.StatusUnauthorized, r.status, "expired")
	assert.Equal(t, epicoauth.ErrorCodeTokenVerificationFailed, errorCode(t, r))
}

func TestKillSession(t *testing.T) {
	f := newFx(t)
	a := f.userToken(nil)
	b := f.userToken(nil)
	bob := f.srv.AddAccount(epictest.Account{})
	bobs := f.token(url.Values{"grant_type": {"exchange_code"}, "exchange_code": {f.srv.NewExchangeCode(bob.ID, f.client.ID)}}, nil)
	at, bt := a["access_token"].(string), b["access_token"].(string)

	r := f.do("DELETE", "/account/api/oauth/sessions/kill/"+bobs["access_token"].(string), bearer(at), nil)
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "errors.com.epicgames.account.auth_token.not_own_session_removal", errorCode(t, r))

	assert.Equal(t, http.StatusNoContent, f.do("DELETE", "/account/api/oauth/sessions/kill/"+bt, bearer(at), nil).status)
	assert.Equal(t, http.StatusUnauthorized, f.do("GET", "/account/api/oauth/verify", bearer(bt), nil).status)
	r = f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {b["refresh_token"].(string)}})
	assert.Equal(t, epicoauth.ErrorCodeInvalidRefreshToken, errorCode(t, r), "a killed session cannot be refreshed")

	r = f.do("DELETE", "/account/api/oauth/sessions/kill/"+bt, bearer(at), nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "errors.com.epicgames.account.auth_token.unknown_oauth_session", errorCode(t, r))

	// The bearer may kill itself (fnbr does on logout).
	assert.Equal(t, http.StatusNoContent, f.do("DELETE", "/account/api/oauth/sessions/kill/"+at, bearer(at), nil).status)
	assert.Empty(t, f.srv.Sessions(f.alice.ID))
	assert.Len(t, f.srv.Sessions(bob.ID), 1)
}

func TestKillType(t *testing.T) {
	tests := []struct {
		killType   string
		status     int
		selfAlive  bool
		otherAlive bool // alice's session on another client of the same service
	}{
		{"OTHERS_ACCOUNT_CLIENT", 204, true, true},
		{"OTHERS_ACCOUNT_CLIENT_SERVICE", 204, true, false},
		{"OTHERS", 204, true, false},
		{"ALL_ACCOUNT_CLIENT", 204, false, true},
		{"ALL", 204, false, false},
		{"BOGUS", 400, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.killType, func(t *testing.T) {
			f := newFx(t)
			other := f.srv.AddClient(epictest.Client{})
			me := f.userToken(nil)["access_token"].(string)
			sibling := f.userToken(nil)["access_token"].(string) // same client: always a target unless it is an error
			elsewhere := f.token(url.Values{"grant_type": {"exchange_code"}, "exchange_code": {f.srv.NewExchangeCode(f.alice.ID, other.ID)}}, basic(other))["access_token"].(string)

			r := f.do("DELETE", "/account/api/oauth/sessions/kill?killType="+tt.killType, bearer(me), nil)
			require.Equal(t, tt.status, r.status, "%s", r.body)
			alive := func(tok string) bool { return f.do("GET", "/account/api/oauth/verify", bearer(tok), nil).status == 200 }
			assert.Equal(t, tt.selfAlive, alive(me), "self")
			assert.Equal(t, tt.status != 204, alive(sibling), "sibling")
			assert.Equal(t, tt.otherAlive, alive(elsewhere), "other client")
		})
	}
	t.Run("client token lacks the permission", func(t *testing.T) {
		f := newFx(t)
		r := f.do("DELETE", "/account/api/oauth/sessions/kill?killType=OTHERS_ACCOUNT_CLIENT", bearer(f.clientToken()), nil)
		assert.Equal(t, http.StatusForbidden, r.status)
		assert.Equal(t, epicoauth.ErrorCodeMissingPermission, errorCode(t, r))
	})
}

func TestAccountTokenInfo(t *testing.T) {
	f := newFx(t)
	at := f.userToken(nil)["access_token"].(string)
	info := f.do("POST", "/account/api/epicid/v1/oauth/tokenInfo", nil, url.Values{"token": {at}}).json(t)
	assert.Equal(t, true, info["active"])
	assert.Equal(t, f.alice.ID, info["account_id"])
	require.True(t, f.srv.RevokeSession(at))
	assert.Equal(t, map[string]any{"active": false},
		f.do("POST", "/account/api/epicid/v1/oauth/tokenInfo", nil, url.Values{"token": {at}}).json(t))
	r := f.do("POST", "/account/api/epicid/v1/oauth/tokenInfo", nil, url.Values{})
	assert.Equal(t, epicoauth.ErrorCodeInvalidRequest, errorCode(t, r))
}

func TestUnknownRoutes(t *testing.T) {
	f := newFx(t)
	r := f.do("GET", "/account/api/nothing", nil, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "errors.com.epicgames.common.not_found", errorCode(t, r))
	r = f.do("GET", epictest.AccountTokenPath, nil, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "errors.com.epicgames.common.method_not_allowed", errorCode(t, r))
}

package epic_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

func TestVerify(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return v
	}
	for _, tc := range []struct {
		name         string
		includePerms bool
		fixture      string
		wantQuery    url.Values
		want         func(now time.Time) *epic.Verification
	}{
		{
			name:      "launcher session",
			fixture:   "account-verify.json",
			wantQuery: url.Values{},
			want: func(now time.Time) *epic.Verification {
				return &epic.Verification{
					SessionID: "****", TokenType: "bearer", Expiry: now.Add(16462 * time.Second),
					ClientID: "34a02cf8f4414e29b15921876da36f9a", ClientService: "launcher", InternalClient: true,
					AccountID: fixtureAccountID, DisplayName: "lele stw moment", AuthMethod: "exchange_code",
					App: "launcher", InAppID: fixtureAccountID,
					Perms: []epic.Permission{{Resource: "launcher:download:live", Action: 2}, {Resource: "catalog:shared:*", Action: 2}},
				}
			},
		},
		{
			name:         "eg1 session with perms and an external login",
			includePerms: true,
			fixture:      "account-verify-eg1-includePerms.json",
			wantQuery:    url.Values{"includePerms": {"true"}},
			want: func(now time.Time) *epic.Verification {
				return &epic.Verification{
					SessionID: "55555555555555555555555555555555", TokenType: "bearer", Expiry: now.Add(28738 * time.Second),
					ClientID: "3cf78cd3b00b439a8755a878b160c7ad", ClientService: "wex", InternalClient: true,
					AccountID: "ec0ebb7e56f6454e86c62299a7b32e21", DisplayName: "Dippyshere", AuthMethod: "exchange_code",
					App: "wex", InAppID: "ec0ebb7e56f6454e86c62299a7b32e21", DeviceID: "68009daed09498667a8039cce09983ed",
					ExtAuthID: "111111111111111111111", ExtAuthType: "exchange_code", ExtAuthMethod: "google_id_token", ExtAuthDisplayName: "Name",
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /account/api/oauth/verify", func(w http.ResponseWriter, r *http.Request) {
				assertBearer(t, r, fixtureUserToken)
				assert.Equal(t, tc.wantQuery, r.URL.Query())
				reply(w, http.StatusOK, mustFixture(tc.fixture))
			})
			cfg, clock := newSessionConfig(t, mux)
			cfg.IncludePerms = tc.includePerms

			v, err := cfg.Verify(context.Background(), sessionUserToken())

			require.NoError(t, err)
			want := tc.want(clock.Now())
			if tc.includePerms {
				assert.Len(t, v.Perms, 19)
				assert.Contains(t, v.Perms, epic.Permission{Resource: "account:public:account:deviceAuths", Action: 11})
				want.Perms = v.Perms
			}
			assert.Equal(t, want, v)
			for _, text := range []string{fmt.Sprint(v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", *v)} {
				assert.NotContains(t, text, v.SessionID)
				assert.Contains(t, text, v.AccountID)
			}
		})
	}

	t.Run("times and scope read leniently", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /account/api/oauth/verify", func(w http.ResponseWriter, _ *http.Request) {
			reply(w, http.StatusOK, []byte(`{"token":"x","expires_at":"2023-06-11T02:35:48.010Z","auth_time":"2023-06-10T22:00:00.000Z","scope":"basic_profile friends_list","acr":"urn:epic:loa:aal2"}`))
		})
		cfg, _ := newSessionConfig(t, mux)

		v, err := cfg.Verify(context.Background(), sessionUserToken())

		require.NoError(t, err)
		assert.Equal(t, ts("2023-06-11T02:35:48.010Z"), v.Expiry, "expires_at when there is no expires_in")
		assert.Equal(t, ts("2023-06-10T22:00:00Z"), v.AuthTime)
		assert.Equal(t, []string{"basic_profile", "friends_list"}, v.Scope)
		assert.Equal(t, "urn:epic:loa:aal2", v.ACR)
	})
}

func TestVerifyErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		fixture    string
		wantCode   string
		wantIsTemp bool
	}{
		{name: "dead token", status: http.StatusUnauthorized, fixture: "error-token_verification_failed.json", wantCode: epicoauth.ErrorCodeTokenVerificationFailed},
		{name: "throttled", status: http.StatusTooManyRequests, fixture: "error-throttled.json", wantCode: epicoauth.ErrorCodeThrottled, wantIsTemp: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /account/api/oauth/verify", serveFixture(tc.status, tc.fixture))
			cfg, _ := newSessionConfig(t, mux)

			v, err := cfg.Verify(context.Background(), sessionUserToken())

			require.Nil(t, v)
			e := requireEpicError(t, err, tc.status, tc.wantCode)
			assert.Equal(t, tc.wantIsTemp, e.Temporary())
			requireNoSecret(t, err, fixtureUserToken)
		})
	}
}

func TestIntrospect(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fixture string
		want    func(now time.Time) *epic.TokenInfo
	}{
		{
			name:    "active",
			fixture: "account-epicid-tokenInfo-active.json",
			want: func(now time.Time) *epic.TokenInfo {
				return &epic.TokenInfo{Active: true, TokenType: "bearer", Expiry: now.Add(14385 * time.Second), ClientID: "ec684b8c687f479fadea3cb2ad83f5c6", ApplicationID: "fghi4567FNFBKFz3E4TROb0bmPS8h1GW"}
			},
		},
		{
			name:    "inactive is not an error",
			fixture: "account-epicid-tokenInfo-inactive.json",
			want:    func(time.Time) *epic.TokenInfo { return &epic.TokenInfo{} },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /account/api/epicid/v1/oauth/tokenInfo", func(w http.ResponseWriter, r *http.Request) {
				assert.Empty(t, r.Header.Get("Authorization"), "the token goes in the body only")
				assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
				assert.NoError(t, r.ParseForm())
				assert.Equal(t, url.Values{"token": {fixtureUserToken}}, r.PostForm)
				reply(w, http.StatusOK, mustFixture(tc.fixture))
			})
			cfg, clock := newSessionConfig(t, mux)

			info, err := cfg.Introspect(context.Background(), sessionUserToken())

			require.NoError(t, err)
			assert.Equal(t, tc.want(clock.Now()), info)
		})
	}

	t.Run("error hides the token", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.HandleFunc("POST /account/api/epicid/v1/oauth/tokenInfo", func(w http.ResponseWriter, _ *http.Request) {
			reply(w, http.StatusBadRequest, []byte(`{"errorCode":"errors.com.epicgames.common.oauth.invalid_request","errorMessage":"bad token `+fixtureUserToken+`","numericErrorCode":1013}`))
		})
		cfg, _ := newSessionConfig(t, mux)

		_, err := cfg.Introspect(context.Background(), sessionUserToken())

		requireEpicError(t, err, http.StatusBadRequest, epicoauth.ErrorCodeInvalidRequest)
		requireNoSecret(t, err, fixtureUserToken)
	})
}

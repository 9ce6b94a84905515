package epic_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

const (
	deviceAuthPath   = "/account/api/public/account/" + fixtureAccountID + "/deviceAuth"
	fixtureSecret    = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	createdDeviceID  = "435b52ece6d347479531c5132e209e53"
	listedDeviceID   = "06b96e4c93ce452590408e72f814dedf"
	listedDeviceUA   = "Fortnite/++Fortnite+Release-24.40-CL-25549531 Windows/10.0.19042.1.768.64bit"
	fixtureLocation  = "Germany"
	fixtureIPAddress = "127.0.0.1"
)

func TestCreateDeviceAuth(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+deviceAuthPath, func(w http.ResponseWriter, r *http.Request) {
		assertBearer(t, r, fixtureUserToken)
		reply(w, http.StatusOK, mustFixture("account-deviceAuth-create.json"))
	})
	var logins []url.Values
	mux.HandleFunc("POST /account/api/oauth/token", tokenEndpoint(t, map[string]http.HandlerFunc{
		"device_auth": func(w http.ResponseWriter, r *http.Request) {
			logins = append(logins, r.PostForm)
			reply(w, http.StatusOK, mustFixture("account-token-exchange_code.json"))
		},
	}))
	cfg, _ := newSessionConfig(t, mux)
	ctx := context.Background()

	created, err := cfg.CreateDeviceAuth(ctx, sessionUserToken())

	require.NoError(t, err)
	assert.Equal(t, &epic.CreatedDeviceAuth{
		DeviceAuth: epic.DeviceAuth{AccountID: fixtureAccountID, DeviceID: createdDeviceID, Secret: fixtureSecret},
		Created:    epic.DeviceAuthAccess{Location: fixtureLocation, IPAddress: fixtureIPAddress, DateTime: time.Date(2023, 1, 11, 17, 31, 5, 418e6, time.UTC)},
	}, created)

	t.Run("is the device_auth grant", func(t *testing.T) {
		tok, err := cfg.Token(ctx, created)
		require.NoError(t, err)
		assert.Equal(t, fixtureUserToken, tok.AccessToken)
		assert.True(t, created.Repeatable())
		require.Len(t, logins, 1)
		assert.Equal(t, url.Values{
			"grant_type": {"device_auth"},
			"account_id": {fixtureAccountID},
			"device_id":  {createdDeviceID},
			"secret":     {fixtureSecret},
		}, logins[0])
	})
	t.Run("saves in the device-auth file format", func(t *testing.T) {
		saved, err := json.Marshal(created.DeviceAuth)
		require.NoError(t, err)
		assert.JSONEq(t, `{"accountId":"`+fixtureAccountID+`","deviceId":"`+createdDeviceID+`","secret":"`+fixtureSecret+`"}`, string(saved))
		var loaded epic.DeviceAuth
		require.NoError(t, json.Unmarshal(saved, &loaded))
		assert.Equal(t, created.DeviceAuth, loaded)
	})
	t.Run("never prints its secret", func(t *testing.T) {
		var logged bytes.Buffer
		slog.New(slog.NewTextHandler(&logged, nil)).Info("created", "device_auth", created)
		for _, s := range []string{fmt.Sprint(created), fmt.Sprintf("%+v", created), fmt.Sprintf("%#v", created), fmt.Sprintf("%v", *created), logged.String()} {
			assert.NotContains(t, s, fixtureSecret)
			assert.Contains(t, s, createdDeviceID)
		}
	})
}

func TestCreateDeviceAuthErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		answer     http.HandlerFunc
		wantStatus int
		wantCode   string
		wantDetail string
	}{
		{
			name:       "missing permission",
			answer:     serveFixture(http.StatusForbidden, "error-missing_permission-deviceAuths.json"),
			wantStatus: http.StatusForbidden,
			wantCode:   epicoauth.ErrorCodeMissingPermission,
		},
		{
			name:       "throttled",
			answer:     serveFixture(http.StatusTooManyRequests, "error-throttled.json"),
			wantStatus: http.StatusTooManyRequests,
			wantCode:   epicoauth.ErrorCodeThrottled,
		},
		{
			name: "no secret",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				reply(w, http.StatusOK, []byte(`{"deviceId":"`+createdDeviceID+`","accountId":"`+fixtureAccountID+`"}`))
			},
			wantStatus: http.StatusOK,
			wantDetail: "response has no deviceId or secret",
		},
		{
			// The secret of a response that does not decode stays hidden.
			name: "unexpected shape",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				reply(w, http.StatusOK, []byte(`{"deviceId":"`+createdDeviceID+`","accountId":"`+fixtureAccountID+`","secret":"`+fixtureSecret+`","created":"yesterday"}`))
			},
			wantStatus: http.StatusOK,
			wantDetail: "response does not decode",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("POST "+deviceAuthPath, tc.answer)
			cfg, _ := newSessionConfig(t, mux)

			created, err := cfg.CreateDeviceAuth(context.Background(), sessionUserToken())

			require.Nil(t, created)
			e := requireEpicError(t, err, tc.wantStatus, tc.wantCode)
			assert.Contains(t, e.Detail, tc.wantDetail)
			requireNoSecret(t, err, fixtureSecret, fixtureUserToken)
		})
	}
}

func TestListDeviceAuths(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+deviceAuthPath, func(w http.ResponseWriter, r *http.Request) {
		assertBearer(t, r, fixtureUserToken)
		reply(w, http.StatusOK, mustFixture("account-deviceAuth-list.json"))
	})
	cfg, _ := newSessionConfig(t, mux)

	list, err := cfg.ListDeviceAuths(context.Background(), sessionUserToken())

	require.NoError(t, err)
	assert.Equal(t, []epic.DeviceAuthInfo{listedDeviceAuth()}, list)
}

// listedDeviceAuth is the device auth of account-deviceAuth-list.json.
func listedDeviceAuth() epic.DeviceAuthInfo {
	return epic.DeviceAuthInfo{
		DeviceID:   listedDeviceID,
		AccountID:  fixtureAccountID,
		UserAgent:  listedDeviceUA,
		Created:    epic.DeviceAuthAccess{Location: fixtureLocation, IPAddress: fixtureIPAddress, DateTime: time.Date(2023, 5, 23, 15, 18, 27, 346e6, time.UTC)},
		LastAccess: &epic.DeviceAuthAccess{Location: fixtureLocation, IPAddress: fixtureIPAddress, DateTime: time.Date(2023, 8, 30, 8, 0, 5, 314e6, time.UTC)},
	}
}

func TestGetDeviceAuth(t *testing.T) {
	// The single-device answer is one element of the list fixture (LELE-DA
	// Info: the list entry's shape, with lastAccess).
	var listed []json.RawMessage
	require.NoError(t, json.Unmarshal(mustFixture("account-deviceAuth-list.json"), &listed))
	notFound := []byte(`{"errorCode":"errors.com.epicgames.account.device_auth.not_found","errorMessage":"Sorry the device auth with id 'ffffffffffffffffffffffffffffffff' could not be found","messageVars":["ffffffffffffffffffffffffffffffff"],"numericErrorCode":18130,"originatingService":"com.epicgames.account.public","intent":"prod"}`)
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+deviceAuthPath+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		assertBearer(t, r, fixtureUserToken)
		if r.PathValue("id") == listedDeviceID {
			reply(w, http.StatusOK, listed[0])
			return
		}
		reply(w, http.StatusNotFound, notFound)
	})
	cfg, _ := newSessionConfig(t, mux)

	info, err := cfg.GetDeviceAuth(context.Background(), sessionUserToken(), listedDeviceID)
	require.NoError(t, err)
	want := listedDeviceAuth()
	assert.Equal(t, &want, info)

	info, err = cfg.GetDeviceAuth(context.Background(), sessionUserToken(), "ffffffffffffffffffffffffffffffff")
	require.Nil(t, info)
	requireEpicError(t, err, http.StatusNotFound, epicoauth.ErrorCodeDeviceAuthNotFound)
}

func TestDeleteDeviceAuth(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answer   http.HandlerFunc
		wantCode string
	}{
		{name: "deleted", answer: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }},
		{
			name: "missing permission",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				reply(w, http.StatusForbidden, bytes.ReplaceAll(mustFixture("error-missing_permission-deviceAuths.json"), []byte("CREATE"), []byte("DELETE")))
			},
			wantCode: epicoauth.ErrorCodeMissingPermission,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			mux := http.NewServeMux()
			mux.HandleFunc("DELETE "+deviceAuthPath+"/"+createdDeviceID, func(w http.ResponseWriter, r *http.Request) {
				calls++
				assertBearer(t, r, fixtureUserToken)
				tc.answer(w, r)
			})
			cfg, _ := newSessionConfig(t, mux)

			err := cfg.DeleteDeviceAuth(context.Background(), sessionUserToken(), createdDeviceID)

			assert.Equal(t, 1, calls)
			e := requireOutcome(t, err, tc.wantCode)
			if e == nil {
				return
			}
			assert.Equal(t, []string{"account:public:account:deviceAuths", "DELETE"}, e.MessageVars)
		})
	}
}

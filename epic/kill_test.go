package epic_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// An eg1 access token (shape only): the characters of a JWT must survive
// the trip through the URL path and still be redacted.
const eg1Token = "eg1~eyJraWQiOiJnX19WS2pTU21xSjB4WmoxUllrTEdLUTdkbkhpTTlNTGhGVndLUHlTREI0In0.eyJzdWIiOiI5NGIxNTY5NTA2YjA0ZjlmODU1N2FmNjExZThjNWU0NyJ9.c2lnbmF0dXJl-_x"

// deadSessionBody is an error echoing the token it rejects, as Epic's
// invalid_token message does ("There was an issue verifying token eg1~xxx").
func deadSessionBody(code, token string) []byte {
	return []byte(`{"errorCode":"` + code + `","errorMessage":"There was an issue verifying token ` + token + `","messageVars":["` + token + `"],"numericErrorCode":1014,"originatingService":"com.epicgames.account.public","intent":"prod"}`)
}

func TestKillSession(t *testing.T) {
	for _, tc := range []struct {
		name     string
		token    string
		answer   func(w http.ResponseWriter, token string)
		wantCode string
		revokeOK bool // Revoke counts the answer as done
	}{
		{name: "opaque token", token: fixtureUserToken, answer: func(w http.ResponseWriter, _ string) { w.WriteHeader(http.StatusNoContent) }, revokeOK: true},
		{name: "eg1 token", token: eg1Token, answer: func(w http.ResponseWriter, _ string) { w.WriteHeader(http.StatusNoContent) }, revokeOK: true},
		{
			name:  "already dead",
			token: eg1Token,
			answer: func(w http.ResponseWriter, tok string) {
				reply(w, http.StatusUnauthorized, deadSessionBody(epicoauth.ErrorCodeInvalidToken, tok))
			},
			wantCode: epicoauth.ErrorCodeInvalidToken,
			revokeOK: true,
		},
		{
			name:  "unknown session",
			token: fixtureUserToken,
			answer: func(w http.ResponseWriter, tok string) {
				reply(w, http.StatusNotFound, deadSessionBody("errors.com.epicgames.account.auth_token.unknown_oauth_session", tok))
			},
			wantCode: "errors.com.epicgames.account.auth_token.unknown_oauth_session",
			revokeOK: true,
		},
		{
			name:  "throttled",
			token: fixtureUserToken,
			answer: func(w http.ResponseWriter, _ string) {
				reply(w, http.StatusTooManyRequests, mustFixture("error-throttled.json"))
			},
			wantCode: epicoauth.ErrorCodeThrottled,
		},
		{
			name:  "not the caller's session",
			token: fixtureUserToken,
			answer: func(w http.ResponseWriter, _ string) {
				reply(w, http.StatusForbidden, []byte(`{"errorCode":"errors.com.epicgames.account.auth_token.not_own_session_removal","errorMessage":"Sorry you cannot remove the auth session. It was not issued to you.","messageVars":[],"numericErrorCode":18040,"originatingService":"com.epicgames.account.public","intent":"prod"}`))
			},
			wantCode: "errors.com.epicgames.account.auth_token.not_own_session_removal",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			mux := http.NewServeMux()
			mux.HandleFunc("DELETE /account/api/oauth/sessions/kill/{token}", func(w http.ResponseWriter, r *http.Request) {
				calls++
				assert.Equal(t, tc.token, r.PathValue("token"))
				assert.Empty(t, r.URL.RawQuery)
				assertBearer(t, r, tc.token)
				tc.answer(w, tc.token)
			})
			cfg, _ := newSessionConfig(t, mux)
			tok := &oauth2.Token{AccessToken: tc.token}

			err := cfg.KillSession(context.Background(), tok)
			revokeErr := cfg.Revoke(context.Background(), tok)

			assert.Equal(t, 2, calls)
			if tc.revokeOK {
				assert.NoError(t, revokeErr)
			} else {
				assert.Error(t, revokeErr)
			}
			if requireOutcome(t, err, tc.wantCode) != nil {
				requireNoSecret(t, err, tc.token, url.PathEscape(tc.token))
			}
		})
	}
}

func TestKillSessionTransportErrorHidesToken(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // every request fails to connect, with the URL in the error
	cfg := &epic.Config{ClientID: switchClientID, ClientSecret: switchClientSecret, Endpoint: oauth2.Endpoint{TokenURL: srv.URL + "/account/api/oauth/token"}}

	for _, token := range []string{fixtureUserToken, eg1Token} {
		err := cfg.KillSession(context.Background(), &oauth2.Token{AccessToken: token})
		requireNoSecret(t, err, token)
		assert.Contains(t, err.Error(), "/account/api/oauth/sessions/kill/[REDACTED]")
	}
}

func TestRevokeNilToken(t *testing.T) {
	cfg := &epic.Config{ClientID: switchClientID, Endpoint: oauth2.Endpoint{TokenURL: "http://127.0.0.1:1/account/api/oauth/token"}}
	assert.NoError(t, cfg.Revoke(context.Background(), nil))
	assert.NoError(t, cfg.Revoke(context.Background(), &oauth2.Token{}))
}

func TestKillSessions(t *testing.T) {
	for _, tc := range []struct {
		name     string
		kind     epic.KillType
		answer   http.HandlerFunc
		wantCode string
	}{
		{name: "other sessions of the client service", kind: epic.KillOthersAccountClientService, answer: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }},
		{name: "all of the client", kind: epic.KillAllAccountClient, answer: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }},
		{
			name: "missing permission",
			kind: epic.KillOthers,
			answer: func(w http.ResponseWriter, _ *http.Request) {
				reply(w, http.StatusForbidden, []byte(`{"errorCode":"errors.com.epicgames.common.missing_permission","errorMessage":"Sorry your login does not posses the permissions 'account:token:otherSessionsForAccount DELETE' needed to perform the requested operation","messageVars":["account:token:otherSessionsForAccount","DELETE"],"numericErrorCode":1023,"originatingService":"com.epicgames.account.public","intent":"prod"}`))
			},
			wantCode: epicoauth.ErrorCodeMissingPermission,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			mux := http.NewServeMux()
			mux.HandleFunc("DELETE /account/api/oauth/sessions/kill", func(w http.ResponseWriter, r *http.Request) {
				calls++
				assertBearer(t, r, fixtureUserToken)
				assert.Equal(t, url.Values{"killType": {string(tc.kind)}}, r.URL.Query())
				tc.answer(w, r)
			})
			cfg, _ := newSessionConfig(t, mux)

			err := cfg.KillSessions(context.Background(), sessionUserToken(), tc.kind)

			assert.Equal(t, 1, calls)
			if requireOutcome(t, err, tc.wantCode) != nil {
				assert.Contains(t, err.Error(), string(tc.kind))
			}
		})
	}
}

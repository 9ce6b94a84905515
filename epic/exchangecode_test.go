package epic_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

func TestCreateExchangeCode(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      *epic.ExchangeCodeOptions
		fixture   string
		wantQuery url.Values
		want      epic.ExchangeCodeResponse
	}{
		{
			name:      "any client",
			fixture:   "account-exchange.json",
			wantQuery: url.Values{},
			want:      epic.ExchangeCodeResponse{Code: "11111111111111111111111111111111", CreatingClientID: "3446cd72694c4a4485d81b77adbb2141"},
		},
		{
			name:    "for one client with PKCE",
			opts:    &epic.ExchangeCodeOptions{ConsumingClientID: "34a02cf8f4414e29b15921876da36f9a", CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
			fixture: "account-exchange-consumingClientId.json",
			wantQuery: url.Values{
				"consumingClientId":   {"34a02cf8f4414e29b15921876da36f9a"},
				"codeChallenge":       {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
				"codeChallengeMethod": {"S256"},
			},
			want: epic.ExchangeCodeResponse{Code: "22222222222222222222222222222222", CreatingClientID: "3446cd72694c4a4485d81b77adbb2141", ConsumingClientID: "34a02cf8f4414e29b15921876da36f9a"},
		},
		{
			name:      "plain challenge",
			opts:      &epic.ExchangeCodeOptions{CodeChallenge: "verifier", CodeChallengeMethod: "plain"},
			fixture:   "account-exchange.json",
			wantQuery: url.Values{"codeChallenge": {"verifier"}, "codeChallengeMethod": {"plain"}},
			want:      epic.ExchangeCodeResponse{Code: "11111111111111111111111111111111", CreatingClientID: "3446cd72694c4a4485d81b77adbb2141"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /account/api/oauth/exchange", func(w http.ResponseWriter, r *http.Request) {
				assertBearer(t, r, fixtureUserToken)
				assert.Equal(t, tc.wantQuery, r.URL.Query())
				reply(w, http.StatusOK, mustFixture(tc.fixture))
			})
			cfg, clock := newSessionConfig(t, mux)

			x, err := cfg.CreateExchangeCode(context.Background(), sessionUserToken(), tc.opts)

			require.NoError(t, err)
			secs := 299
			if tc.want.ConsumingClientID != "" {
				secs = 300
			}
			tc.want.Expiry = clock.Now().Add(time.Duration(secs) * time.Second)
			assert.Equal(t, &tc.want, x)
		})
	}
}

func TestCreateExchangeCodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		answer     http.HandlerFunc
		wantStatus int
		wantCode   string
		wantDetail string
	}{
		{
			name:       "missing permission",
			answer:     serveFixture(http.StatusForbidden, "error-missing_permission-exchangeTokenCode.json"),
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
			name: "dead token echoed back",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				reply(w, http.StatusUnauthorized, []byte(`{"errorCode":"errors.com.epicgames.common.oauth.invalid_token","errorMessage":"There was an issue verifying token `+fixtureUserToken+`","messageVars":["`+fixtureUserToken+`"],"numericErrorCode":1014,"originatingService":"com.epicgames.account.public","intent":"prod"}`))
			},
			wantStatus: http.StatusUnauthorized,
			wantCode:   epicoauth.ErrorCodeInvalidToken,
		},
		{
			name: "no code",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				reply(w, http.StatusOK, []byte(`{"expiresInSeconds":299,"creatingClientId":"3446cd72694c4a4485d81b77adbb2141"}`))
			},
			wantStatus: http.StatusOK,
			wantDetail: "response has no code",
		},
		{
			name: "code of the wrong type",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				reply(w, http.StatusOK, []byte(`{"expiresInSeconds":299,"code":["33333333333333333333333333333333"]}`))
			},
			wantStatus: http.StatusOK,
			wantDetail: "response does not decode",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /account/api/oauth/exchange", tc.answer)
			cfg, _ := newSessionConfig(t, mux)

			x, err := cfg.CreateExchangeCode(context.Background(), sessionUserToken(), nil)

			require.Nil(t, x)
			e := requireEpicError(t, err, tc.wantStatus, tc.wantCode)
			assert.Contains(t, e.Detail, tc.wantDetail)
			requireNoSecret(t, err, fixtureUserToken, switchClientSecret)
		})
	}
}

func TestSessionCallsNeedAToken(t *testing.T) {
	cfg := &epic.Config{ClientID: switchClientID, ClientSecret: switchClientSecret, Endpoint: oauth2.Endpoint{TokenURL: "http://127.0.0.1:1/account/api/oauth/token"}}
	ctx := context.Background()
	clientToken := (&oauth2.Token{AccessToken: fixtureClientToken}).WithExtra(map[string]any{"client_id": switchClientID})
	for _, tc := range []struct {
		name    string
		call    func() error
		wantErr string
	}{
		{"exchange code", func() error { _, err := cfg.CreateExchangeCode(ctx, nil, nil); return err }, "no access token"},
		{"verify", func() error { _, err := cfg.Verify(ctx, &oauth2.Token{}); return err }, "no access token"},
		{"introspect", func() error { _, err := cfg.Introspect(ctx, nil); return err }, "no access token"},
		{"kill", func() error { return cfg.KillSession(ctx, nil) }, "no access token"},
		{"kill others", func() error { return cfg.KillSessions(ctx, nil, epic.KillOthers) }, "no access token"},
		{"kill without type", func() error { return cfg.KillSessions(ctx, sessionUserToken(), "") }, "needs a KillType"},
		{"create device auth", func() error { _, err := cfg.CreateDeviceAuth(ctx, clientToken); return err }, "no account_id"},
		{"list device auths", func() error { _, err := cfg.ListDeviceAuths(ctx, nil); return err }, "no access token"},
		{"get device auth", func() error { _, err := cfg.GetDeviceAuth(ctx, sessionUserToken(), ""); return err }, "device id is empty"},
		{"delete device auth", func() error { return cfg.DeleteDeviceAuth(ctx, clientToken, "d") }, "no account_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The address is unreachable: any request would fail differently.
			assert.ErrorContains(t, tc.call(), tc.wantErr)
		})
	}
}

func TestExchangeCodeHandOff(t *testing.T) {
	const launcherID, launcherSecret = "34a02cf8f4414e29b15921876da36f9a", "daafbccc737745039dffe53d94fc76cf"
	verifier := oauth2.GenerateVerifier()
	for _, tc := range []struct {
		name     string
		answer   http.HandlerFunc
		wantCode string
		login    bool // the error asks for a new login
	}{
		{name: "redeemed", answer: serveFixture(http.StatusOK, "account-token-exchange_code.json")},
		{name: "spent or expired", answer: serveFixture(http.StatusBadRequest, "reconstructed/error-exchange_code_not_found.json"), wantCode: epicoauth.ErrorCodeExchangeCodeNotFound, login: true},
		{
			name: "other client",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				// Code and message from the fact sheet (5.3), in the
				// envelope of the recorded token errors.
				reply(w, http.StatusBadRequest, []byte(`{"errorCode":"errors.com.epicgames.account.oauth.exchange_code_client_mismatch","errorMessage":"Sorry the exchange code you supplied was not created for this client","messageVars":[],"numericErrorCode":18180,"originatingService":"com.epicgames.account.public","intent":"prod","error_description":"Sorry the exchange code you supplied was not created for this client","error":"invalid_grant"}`))
			},
			wantCode: epicoauth.ErrorCodeExchangeCodeClientMismatch,
			login:    true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /account/api/oauth/exchange", func(w http.ResponseWriter, r *http.Request) {
				assertBearer(t, r, fixtureUserToken)
				assert.Equal(t, oauth2.S256ChallengeFromVerifier(verifier), r.URL.Query().Get("codeChallenge"))
				reply(w, http.StatusOK, mustFixture("account-exchange-consumingClientId.json"))
			})
			mux.HandleFunc("POST /account/api/oauth/token", func(w http.ResponseWriter, r *http.Request) {
				id, secret, _ := r.BasicAuth()
				assert.Equal(t, launcherID, id, "redeemed by the other client")
				assert.Equal(t, launcherSecret, secret)
				assert.NoError(t, r.ParseForm())
				assert.Equal(t, url.Values{
					"grant_type":    {"exchange_code"},
					"exchange_code": {"22222222222222222222222222222222"},
					"code_verifier": {verifier},
				}, r.PostForm)
				tc.answer(w, r)
			})
			switchCfg, _ := newSessionConfig(t, mux)
			launcher := &epic.Config{ClientID: launcherID, ClientSecret: launcherSecret, Endpoint: switchCfg.Endpoint, Clock: switchCfg.Clock}
			ctx := context.Background()

			x, err := switchCfg.CreateExchangeCode(ctx, sessionUserToken(), &epic.ExchangeCodeOptions{
				ConsumingClientID: launcherID,
				CodeChallenge:     oauth2.S256ChallengeFromVerifier(verifier),
			})
			require.NoError(t, err)
			tok, err := launcher.Token(ctx, x.Grant(epic.CodeVerifier(verifier)))

			if tc.wantCode == "" {
				require.NoError(t, err)
				assert.Equal(t, fixtureUserToken, tok.AccessToken)
				return
			}
			e := requireEpicError(t, err, http.StatusBadRequest, tc.wantCode)
			assert.Equal(t, tc.login, e.RequiresLogin())
			requireNoSecret(t, err, x.Code, verifier, launcherSecret)
		})
	}
}

func TestExchangeCodeResponseHidesCode(t *testing.T) {
	x := &epic.ExchangeCodeResponse{Code: "11111111111111111111111111111111", CreatingClientID: "3446cd72694c4a4485d81b77adbb2141", Expiry: time.Date(2023, 11, 12, 13, 5, 0, 0, time.UTC)}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("created", "code", x)
	for _, s := range []string{fmt.Sprint(x), fmt.Sprintf("%+v", x), fmt.Sprintf("%#v", x), fmt.Sprintf("%v", *x), logged.String()} {
		assert.NotContains(t, s, x.Code)
		assert.Contains(t, s, "3446cd72694c4a4485d81b77adbb2141")
	}
}

func TestExchangeCodeFunc(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /account/api/oauth/exchange", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer "+fixtureUserToken {
			reply(w, http.StatusUnauthorized, mustFixture("error-token_verification_failed.json"))
			return
		}
		assert.Equal(t, "34a02cf8f4414e29b15921876da36f9a", r.URL.Query().Get("consumingClientId"))
		reply(w, http.StatusOK, mustFixture("account-exchange-consumingClientId.json"))
	})
	cfg, _ := newSessionConfig(t, mux)
	codes := cfg.ExchangeCodeFunc(oauth2.StaticTokenSource(sessionUserToken()), &epic.ExchangeCodeOptions{ConsumingClientID: "34a02cf8f4414e29b15921876da36f9a"})
	code, err := codes(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "22222222222222222222222222222222", code)

	t.Run("the source's error", func(t *testing.T) {
		boom := errors.New("no session")
		_, err := cfg.ExchangeCodeFunc(failingSource{boom}, nil)(context.Background())
		assert.ErrorIs(t, err, boom)
	})
	t.Run("Epic's error", func(t *testing.T) {
		_, err := cfg.ExchangeCodeFunc(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "client-token"}), nil)(context.Background())
		assert.ErrorContains(t, err, "epic: creating exchange code")
	})
}

type failingSource struct{ err error }

func (s failingSource) Token() (*oauth2.Token, error) { return nil, s.err }

package epic_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

func TestAuthCodeURL(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // RFC 7636 appendix B
	for _, tc := range []struct {
		name     string
		endpoint oauth2.Endpoint
		opts     []oauth2.AuthCodeOption
		want     string
	}{
		{
			name: "default endpoint",
			want: "https://www.epicgames.com/id/authorize?client_id=" + switchClientID + "&response_type=code&state=st",
		},
		{
			name: "redirect, scope and PKCE",
			opts: []oauth2.AuthCodeOption{
				oauth2.SetAuthURLParam("redirect_uri", "https://example.com/cb"),
				oauth2.SetAuthURLParam("scope", "basic_profile openid"),
				oauth2.S256ChallengeOption(verifier),
			},
			want: "https://www.epicgames.com/id/authorize?client_id=" + switchClientID +
				"&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256" +
				"&redirect_uri=https%3A%2F%2Fexample.com%2Fcb&response_type=code&scope=basic_profile+openid&state=st",
		},
		{
			name:     "endpoint without an AuthURL",
			endpoint: oauth2.Endpoint{TokenURL: "http://127.0.0.1:9/account/api/oauth/token"},
			want:     "https://www.epicgames.com/id/authorize?client_id=" + switchClientID + "&response_type=code&state=st",
		},
		{
			name:     "fake login page",
			endpoint: oauth2.Endpoint{AuthURL: "http://127.0.0.1:9/id/authorize", TokenURL: "http://127.0.0.1:9/account/api/oauth/token"},
			want:     "http://127.0.0.1:9/id/authorize?client_id=" + switchClientID + "&response_type=code&state=st",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &epic.Config{ClientID: switchClientID, ClientSecret: switchClientSecret, Endpoint: tc.endpoint}
			assert.Equal(t, tc.want, cfg.AuthCodeURL("st", tc.opts...))
		})
	}
}

func TestRedirectAndLoginURL(t *testing.T) {
	const launcherID = "34a02cf8f4414e29b15921876da36f9a"
	for _, tc := range []struct {
		name         string
		endpoint     oauth2.Endpoint
		opts         *epic.RedirectOptions
		wantRedirect string
	}{
		{
			name:         "plain",
			wantRedirect: "https://www.epicgames.com/id/api/redirect?clientId=" + launcherID + "&responseType=code",
		},
		{
			name: "state and PKCE",
			opts: &epic.RedirectOptions{State: "st", CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
			wantRedirect: "https://www.epicgames.com/id/api/redirect?clientId=" + launcherID +
				"&codeChallenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&codeChallengeMethod=S256&responseType=code&state=st",
		},
		{
			name:         "fake web host",
			endpoint:     oauth2.Endpoint{AuthURL: "http://127.0.0.1:9/id/authorize"},
			wantRedirect: "http://127.0.0.1:9/id/api/redirect?clientId=" + launcherID + "&responseType=code",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &epic.Config{ClientID: launcherID, Endpoint: tc.endpoint}
			redirect := cfg.RedirectURL(tc.opts)
			assert.Equal(t, tc.wantRedirect, redirect)

			login, err := url.Parse(cfg.LoginURL(tc.opts))
			require.NoError(t, err)
			base, _ := url.Parse(redirect)
			assert.Equal(t, base.Scheme+"://"+base.Host+"/id/login", login.Scheme+"://"+login.Host+login.Path)
			assert.Equal(t, url.Values{"redirectUrl": {redirect}}, login.Query())
		})
	}
}

func TestParseRedirect(t *testing.T) {
	for _, tc := range []struct {
		name       string
		body       []byte
		want       *epic.Redirect
		wantErr    error
		wantAction string // the corrective action of an *epicoauth.Error
	}{
		{
			name: "code", // LELE-REDIR's example, code shape as in the fixtures
			body: []byte(` {"redirectUrl":"https://accounts.epicgames.com/fnauth?code=c5a0b794bd5b4fb39d5d7b9e32b43f12","authorizationCode":"c5a0b794bd5b4fb39d5d7b9e32b43f12","exchangeCode":null,"sid":null}` + "\n"),
			want: &epic.Redirect{RedirectURL: "https://accounts.epicgames.com/fnauth?code=c5a0b794bd5b4fb39d5d7b9e32b43f12", AuthorizationCode: "c5a0b794bd5b4fb39d5d7b9e32b43f12"},
		},
		{
			name:    "not logged in",
			body:    mustFixture("web-id-redirect-null-codes.json"),
			want:    &epic.Redirect{RedirectURL: "https://localhost/launcher/authorized"},
			wantErr: epic.ErrNoAuthorizationCode,
		},
		{
			name:    "no client named",
			body:    mustFixture("web-id-redirect-sid.json"),
			want:    &epic.Redirect{RedirectURL: "https://epicgames.com/account/personal", SID: "44444444444444444444444444444444"},
			wantErr: epic.ErrNoAuthorizationCode,
		},
		{name: "EULA to accept", body: mustFixture("error-corrective_action_required-web-eula.json"), wantAction: "EULA_ACCEPTANCE"},
		{name: "privacy policy to accept", body: mustFixture("error-corrective_action_required-web-privacy.json"), wantAction: "PRIVACY_POLICY_ACCEPTANCE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := epic.ParseRedirect(tc.body)
			assert.Equal(t, tc.want, r)
			if tc.wantAction != "" {
				e := requireEpicError(t, err, 0, epicoauth.ErrorCodeCorrectiveActionRequired)
				assert.Equal(t, tc.wantAction, e.CorrectiveAction)
				assert.NotEmpty(t, e.Continuation)
				assert.NotEmpty(t, e.CorrelationID)
				return
			}
			assert.Equal(t, tc.wantErr, err)
		})
	}

	_, err := epic.ParseRedirect([]byte("c5a0b794bd5b4fb39d5d7b9e32b43f12"))
	assert.ErrorContains(t, err, "not the JSON the redirect page shows")
}

func TestAccountAddressesFollowTheTokenURL(t *testing.T) {
	var got []string
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path)
		reply(w, http.StatusOK, mustFixture("account-verify.json"))
	})
	cfg, _ := newSessionConfig(t, mux)
	base, ok := strings.CutSuffix(cfg.Endpoint.TokenURL, "/account/api/oauth/token")
	require.True(t, ok)

	t.Run("under a path prefix", func(t *testing.T) {
		got = nil
		prefixed := *cfg
		prefixed.Endpoint = oauth2.Endpoint{TokenURL: base + "/proxy/account/api/oauth/token"}
		_, err := prefixed.Verify(context.Background(), sessionUserToken())
		require.NoError(t, err)
		assert.Equal(t, []string{"GET /proxy/account/api/oauth/verify"}, got)
	})
	t.Run("token URL of another service", func(t *testing.T) {
		got = nil
		other := *cfg
		other.Endpoint = epicoauth.EOSAuthEndpoint
		_, err := other.Verify(context.Background(), sessionUserToken())
		assert.ErrorContains(t, err, "does not end in /account/api/oauth/token")
		assert.Empty(t, got)
	})
}

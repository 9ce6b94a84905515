package epictest_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epictest"
)

const callback = "https://game.example/callback"

// easConfig is an AuthConfig of the default client and deployment with a
// redirect URL and scopes.
func (f *fx) easConfig(scopes ...string) *eos.AuthConfig {
	cfg := f.srv.EOSAuthConfig(f.client, f.srv.DefaultDeployment().ID)
	cfg.RedirectURL, cfg.Scopes = callback, scopes
	return cfg
}

// login has alice approve the login page at authURL and returns the code
// and state the browser comes back with.
func (f *fx) login(authURL string) (code, state string) {
	f.t.Helper()
	back, err := f.srv.Authorize(authURL, f.alice.ID)
	require.NoError(f.t, err)
	require.True(f.t, strings.HasPrefix(back, callback+"?"), back)
	u, err := url.Parse(back)
	require.NoError(f.t, err)
	return u.Query().Get("code"), u.Query().Get("state")
}

// jwtClaims decodes the claims of a JWT without checking it.
func jwtClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestEASWebLoginWithPKCE(t *testing.T) {
	f := newFx(t)
	cfg := f.easConfig("basic_profile", "openid")
	verifier := oauth2.GenerateVerifier()
	code, state := f.login(cfg.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier)))
	assert.Equal(t, "state-1", state)

	tok, err := cfg.Exchange(f.ctx, code, oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	assert.Equal(t, f.alice.ID, eos.AccountID(tok))
	assert.Equal(t, []string{"basic_profile", "openid"}, eos.Scope(tok))
	assert.Equal(t, []string{}, eos.MergedAccounts(tok))
	assert.Equal(t, f.srv.Clock().Now().Add(8*time.Hour), eos.RefreshExpiry(tok))
	sent := f.srv.Requests()[0]
	assert.Equal(t, verifier, sent.Form.Get("code_verifier"))
	assert.Equal(t, callback, sent.Form.Get("redirect_uri"))

	_, err = cfg.Exchange(f.ctx, code, oauth2.VerifierOption(verifier))
	assert.Equal(t, epicoauth.ErrorCodeAuthorizationCodeNotFound, epicErr(t, err).ErrorCode, "a code works once")

	// The session lives on with its refresh token.
	ts := cfg.ResumeTokenSource(f.ctx, tok, nil)
	f.srv.Clock().Advance(2 * time.Hour)
	next, err := ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, next.AccessToken)
	assert.Equal(t, []string{"basic_profile", "openid"}, eos.Scope(next))
}

func TestEASCodeBoundToItsChallenge(t *testing.T) {
	verifier := oauth2.GenerateVerifier()
	tests := []struct {
		name      string
		challenge []oauth2.AuthCodeOption
		exchange  []oauth2.AuthCodeOption
		code      string
	}{
		{"S256, right verifier", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, []oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}, ""},
		{"S256, wrong verifier", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, []oauth2.AuthCodeOption{oauth2.VerifierOption(oauth2.GenerateVerifier())},
			"errors.com.epicgames.account.oauth.single_use_code_verifier_invalid"},
		{"S256, no verifier", []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, nil,
			"errors.com.epicgames.account.oauth.single_use_code_verifier_required"},
		{"plain, right verifier", []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("code_challenge", verifier)}, []oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}, ""},
		{"plain, the S256 form of it", []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("code_challenge", verifier), oauth2.SetAuthURLParam("code_challenge_method", "plain")},
			[]oauth2.AuthCodeOption{oauth2.VerifierOption(oauth2.S256ChallengeFromVerifier(verifier))}, "errors.com.epicgames.account.oauth.single_use_code_verifier_invalid"},
		{"no PKCE", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFx(t)
			cfg := f.easConfig()
			code, _ := f.login(cfg.AuthCodeURL("s", tt.challenge...))
			tok, err := cfg.Exchange(f.ctx, code, tt.exchange...)
			if tt.code == "" {
				require.NoError(t, err)
				assert.Equal(t, f.alice.ID, eos.AccountID(tok))
				assert.Equal(t, f.client.Scopes, eos.Scope(tok), "no scope asked: the client's")
				return
			}
			e := epicErr(t, err)
			assert.Equal(t, tt.code, e.ErrorCode)
			assert.Equal(t, "invalid_grant", e.OAuthError)
			assert.Equal(t, http.StatusBadRequest, e.StatusCode)
		})
	}
	t.Run("only the client it was issued to", func(t *testing.T) {
		f := newFx(t)
		other := f.srv.AddClient(epictest.Client{})
		code, _ := f.login(f.easConfig().AuthCodeURL("s"))
		_, err := f.srv.EOSAuthConfig(other, "").Exchange(f.ctx, code)
		assert.Equal(t, "errors.com.epicgames.account.oauth.authorization_code_not_for_your_client", epicErr(t, err).ErrorCode)
	})
}

func TestAuthorizeRefusesWhatTheLoginPageWould(t *testing.T) {
	f := newFx(t)
	good := f.easConfig().AuthCodeURL("s")
	tests := []struct {
		name, url, want string
	}{
		{"unknown client", strings.Replace(good, f.client.ID, "nobody", 1), "unknown client_id"},
		{"token response type", strings.Replace(good, "response_type=code", "response_type=token", 1), "response_type"},
		{"no redirect_uri", (&eos.AuthConfig{ClientID: f.client.ID}).AuthCodeURL("s"), "redirect_uri"},
		{"unknown challenge method", f.easConfig().AuthCodeURL("s", oauth2.SetAuthURLParam("code_challenge", "abc"),
			oauth2.SetAuthURLParam("code_challenge_method", "S512")), "code_challenge_method"},
		{"method without a challenge", f.easConfig().AuthCodeURL("s", oauth2.SetAuthURLParam("code_challenge_method", "S256")), "code_challenge_method"},
		{"not a URL", "://", "authorize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.srv.Authorize(tt.url, f.alice.ID)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	assert.Panics(t, func() { _, _ = f.srv.Authorize(good, "nobody") }, "an unregistered account is a mistake in the test")
}

func TestEASAuthorizeKeepsTheRedirectQueryAndScope(t *testing.T) {
	f := newFx(t)
	cfg := f.easConfig("friends_list")
	cfg.RedirectURL = callback + "?tenant=7"
	back, err := f.srv.Authorize(cfg.AuthCodeURL(""), f.alice.ID)
	require.NoError(t, err)
	u, err := url.Parse(back)
	require.NoError(t, err)
	assert.Equal(t, "7", u.Query().Get("tenant"))
	assert.False(t, u.Query().Has("state"), "no state asked, none sent")

	// Redeemed without a scope, the code keeps the scope of the login page.
	raw := f.do("POST", epictest.EOSAuthTokenPath, basic(f.client), url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")}}).json(t)
	assert.Equal(t, "friends_list", raw["scope"])
}

func TestEASIDTokenClaims(t *testing.T) {
	f := newFx(t)
	dep := f.srv.DefaultDeployment()
	cfg := f.easConfig("basic_profile", "openid")
	code, _ := f.login(cfg.AuthCodeURL("s"))
	tok, err := cfg.Exchange(f.ctx, code)
	require.NoError(t, err)
	now := f.srv.Clock().Now()
	claims := jwtClaims(t, eos.IDToken(tok))
	assert.Equal(t, map[string]any{
		"appid": f.client.ApplicationID, "aud": f.client.ID, "dn": "alice", "sub": f.alice.ID,
		"iss": f.srv.URL + "/epic/oauth/v2", "iat": float64(now.Unix()), "exp": float64(now.Add(2 * time.Hour).Unix()),
		"pfdid": dep.ID, "pfpid": dep.ProductID, "pfsid": dep.SandboxID,
	}, claims)

	t.Run("without openid, no ID token", func(t *testing.T) {
		code, _ := f.login(f.easConfig("basic_profile").AuthCodeURL("s"))
		tok, err := f.easConfig("basic_profile").Exchange(f.ctx, code)
		require.NoError(t, err)
		assert.Empty(t, eos.IDToken(tok))
	})
	for _, p := range platformLogins {
		t.Run("a platform login adds eat, eadn and pltfm: "+p.eat, func(t *testing.T) {
			f.srv.AddExternalAuth(f.alice.ID, epictest.ExternalAuth{Type: string(p.typ), Token: "ticket-" + p.eat, DisplayName: "alice_on_" + p.eat})
			tok, err := f.easConfig("openid").Token(f.ctx, eos.ExternalAuth(p.typ, "ticket-"+p.eat))
			require.NoError(t, err)
			assert.Equal(t, f.alice.ID, eos.AccountID(tok))
			c := jwtClaims(t, eos.IDToken(tok))
			assert.Equal(t, p.eat, c["eat"])
			assert.Equal(t, "alice_on_"+p.eat, c["eadn"])
			assert.Equal(t, p.platform, c["pltfm"])
		})
	}
}

func TestEASMergedAccounts(t *testing.T) {
	f := newFx(t)
	merged := []string{"0f0e0d0c0b0a09080706050403020100"}
	bob := f.srv.AddAccount(epictest.Account{DisplayName: "bob", MergedAccounts: merged})
	cfg := f.easConfig()
	tok, err := cfg.Token(f.ctx, eos.ExchangeCode(f.srv.NewExchangeCode(bob.ID, f.client.ID)))
	require.NoError(t, err)
	assert.Equal(t, merged, eos.MergedAccounts(tok))
	cc := f.do("POST", epictest.EOSAuthTokenPath, basic(f.client), url.Values{"grant_type": {"client_credentials"}}).json(t)
	assert.NotContains(t, cc, "merged_accounts", "a client token has no account")
}

func TestEASTokenInfoRevokeUserInfo(t *testing.T) {
	f := newFx(t)
	cfg := f.easConfig("basic_profile", "openid")
	tok, err := cfg.Token(f.ctx, eos.ExchangeCode(f.srv.NewExchangeCode(f.alice.ID, f.client.ID)))
	require.NoError(t, err)

	info, err := cfg.TokenInfo(f.ctx, tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, &eos.TokenInfo{Active: true, Scope: []string{"basic_profile", "openid"}, TokenType: "bearer", Expiry: tok.Expiry,
		AccountID: f.alice.ID, ClientID: f.client.ID, ApplicationID: f.client.ApplicationID}, info)

	u, err := cfg.UserInfo(f.ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, f.alice.ID, u.Subject)
	assert.Equal(t, "alice", u.PreferredUsername)

	require.NoError(t, cfg.Revoke(f.ctx, tok.AccessToken))
	last := f.srv.Requests()[len(f.srv.Requests())-1]
	assert.Equal(t, "/epic/oauth/v2/revoke", last.Path)
	assert.Equal(t, http.StatusNoContent, last.Status)
	info, err = cfg.TokenInfo(f.ctx, tok.AccessToken)
	require.NoError(t, err)
	assert.False(t, info.Active)
	_, err = cfg.UserInfo(f.ctx, tok)
	assert.Equal(t, http.StatusUnauthorized, epicErr(t, err).StatusCode)
	_, err = cfg.Token(f.ctx, eos.RefreshToken(tok.RefreshToken))
	assert.Equal(t, epicoauth.ErrorCodeInvalidRefreshToken, epicErr(t, err).ErrorCode, "revoking ends the session")
	require.NoError(t, cfg.Revoke(f.ctx, "unknown-token"), "RFC 7009: an unknown token is not an error")

	t.Run("userInfo wants a user token of EOS Auth", func(t *testing.T) {
		cc, err := cfg.Token(f.ctx, eos.ClientCredentials())
		require.NoError(t, err)
		_, err = cfg.UserInfo(f.ctx, cc)
		assert.Equal(t, epicoauth.ErrorCodeTokenVerificationFailed, epicErr(t, err).ErrorCode)
		account := &oauth2.Token{AccessToken: f.userToken(nil)["access_token"].(string)}
		_, err = cfg.UserInfo(f.ctx, account)
		assert.Equal(t, epicoauth.ErrorCodeTokenVerificationFailed, epicErr(t, err).ErrorCode)
	})
}

// An account-service session turned into an EAS session, as fnbr.js does:
// exchange codes from the account session, token_type=epic_id, the
// deployment; the EAS session outlives its own refresh tokens for as long
// as the account session lasts.
func TestEASSessionFromAnAccountSession(t *testing.T) {
	f := newFx(t)
	dep := f.srv.DefaultDeployment().ID
	epicCfg := f.srv.EpicConfig(f.client)
	deviceAuth := f.srv.NewDeviceAuth(f.alice.ID, f.client.ID)
	account := epicCfg.TokenSource(f.ctx, deviceAuth)
	cfg := f.srv.EOSAuthConfig(f.client, dep)
	cfg.TokenType = "epic_id"
	ts := cfg.TokenSource(f.ctx, eos.ExchangeCodeFrom(epicCfg.ExchangeCodeFunc(account, nil)))

	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, f.alice.ID, eos.AccountID(tok))
	assert.Len(t, strings.Split(tok.AccessToken, "."), 3, "an epic_id JWT")
	first := f.srv.Requests()
	redeem := first[len(first)-1]
	assert.Equal(t, epictest.EOSAuthTokenPath, redeem.Path)
	assert.Equal(t, url.Values{"grant_type": {"exchange_code"}, "exchange_code": {redeem.Form.Get("exchange_code")},
		"token_type": {"epic_id"}, "deployment_id": {dep}}, redeem.Form)

	for range 12 { // a day: past several refresh-token lifetimes
		f.srv.Clock().Advance(2 * time.Hour)
		tok, err = ts.Token()
		require.NoError(t, err)
	}
	// When its refresh token stops working, a new code from the account
	// session logs in again.
	require.True(t, f.srv.RevokeRefreshToken(tok.RefreshToken))
	f.srv.Clock().Advance(2 * time.Hour)
	_, err = ts.Token()
	require.NoError(t, err)

	var easRefresh, easLogins int
	for _, r := range f.srv.Requests() {
		if r.Path != epictest.EOSAuthTokenPath {
			continue
		}
		switch r.Form.Get("grant_type") {
		case "refresh_token":
			easRefresh++
			assert.Equal(t, "epic_id", r.Form.Get("token_type"))
			assert.Equal(t, dep, r.Form.Get("deployment_id"))
		case "exchange_code":
			easLogins++
		}
	}
	assert.Equal(t, 13, easRefresh, "the EAS session refreshes itself")
	assert.Equal(t, 2, easLogins, "and takes a new code only when its refresh token fails")

	// Once the account session cannot be renewed, neither can the EAS
	// session.
	require.True(t, f.srv.DeleteDeviceAuth(f.alice.ID, deviceAuth.DeviceID))
	f.srv.RevokeAccountSessions(f.alice.ID)
	f.srv.Clock().Advance(2 * time.Hour)
	_, err = ts.Token()
	require.Error(t, err)
	assert.True(t, errors.Is(err, epicoauth.ErrLoginRequired), "%v", err)
}

// No recording of an EAS token response exists (fact sheet 7.2); the fake
// sends the fields of the official table, with the types the sources agree
// on: scope a space-separated string, expires_at ISO 8601, merged_accounts
// an array.
func TestEASTokenResponseFields(t *testing.T) {
	f := newFx(t)
	r := f.do("POST", epictest.EOSAuthTokenPath, basic(f.client), url.Values{"grant_type": {"exchange_code"},
		"exchange_code": {f.srv.NewExchangeCode(f.alice.ID, f.client.ID)}, "scope": {"basic_profile openid"},
		"deployment_id": {f.srv.DefaultDeployment().ID}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	m := r.json(t)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, []string{"access_token", "token_type", "expires_in", "expires_at", "refresh_token", "refresh_expires",
		"refresh_expires_at", "account_id", "client_id", "application_id", "merged_accounts", "scope", "id_token"}, keys)
	assert.IsType(t, "", m["scope"])
	assert.IsType(t, []any{}, m["merged_accounts"])
	_, err := time.Parse("2006-01-02T15:04:05.000Z", m["expires_at"].(string))
	assert.NoError(t, err)
	assert.Equal(t, float64(7200), m["expires_in"])
	assert.Equal(t, float64(28800), m["refresh_expires"])
}

// The HTTP login page (GET /id/authorize with the fake's account_id) mints
// the same codes as Authorize: an AuthConfig's login URL, followed in a
// browser, ends in a code bound to its challenge and scope.
func TestEASLoginPageOverHTTP(t *testing.T) {
	f := newFx(t)
	cfg := f.easConfig("basic_profile", "openid")
	verifier := oauth2.GenerateVerifier()
	u, err := url.Parse(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("account_id", f.alice.ID)))
	require.NoError(t, err)
	resp := f.get(u.Path + "?" + u.RawQuery)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "st", back.Query().Get("state"))
	_, err = cfg.Exchange(f.ctx, back.Query().Get("code"))
	assert.Equal(t, "errors.com.epicgames.account.oauth.single_use_code_verifier_required", epicErr(t, err).ErrorCode)

	resp = f.get(u.Path + "?" + u.RawQuery)
	back, err = url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	tok, err := cfg.Exchange(f.ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	assert.Equal(t, []string{"basic_profile", "openid"}, eos.Scope(tok))

	bad := u.Query()
	bad.Set("code_challenge_method", "S512")
	r := f.do("GET", u.Path+"?"+bad.Encode(), nil, nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, string(r.body), "code_challenge_method")
}

func TestEASClientAuthorizesRequests(t *testing.T) {
	f := newFx(t)
	cfg := f.easConfig("basic_profile")
	client := cfg.Client(f.ctx, eos.ExchangeCode(f.srv.NewExchangeCode(f.alice.ID, f.client.ID)))
	resp, err := client.Get(f.srv.URL + "/epic/oauth/v2/userInfo")
	require.NoError(t, err)
	defer resp.Body.Close()
	var who map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&who))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, f.alice.ID, who["sub"])
}

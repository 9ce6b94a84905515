package epictest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/epicoauth/epicoauth/eos"
)

// EOS Auth, also called Epic Account Services (EAS): the account tokens of
// an EOS product at /epic/oauth/v2, its login page step (Authorize),
// tokenInfo, revoke and userInfo.

// EOSAuthConfig returns an eos.AuthConfig for client c and a deployment
// (which may be empty) that talks to the fake's EOS Auth endpoint and
// shares its clock.
func (s *Server) EOSAuthConfig(c Client, deploymentID string) *eos.AuthConfig {
	return &eos.AuthConfig{ClientID: c.ID, ClientSecret: c.Secret, DeploymentID: deploymentID,
		Endpoint: s.EOSAuthEndpoint(), Clock: s.clock}
}

// Authorize stands in for a person who logs in to an account on Epic's
// login page and approves the client. It reads the address of the login
// page as eos.AuthConfig.AuthCodeURL (or epic.Config.AuthCodeURL) built
// it, and returns the address the page sends the browser back to: the
// redirect_uri with a new authorization code and the state. The code works
// once, within 300 s, for that client only; it carries the scope asked for
// and, with PKCE, the code_challenge, so that redeeming it without the
// matching code_verifier fails as it does on Epic. An address the page
// would refuse (unknown client, response_type other than code, no
// redirect_uri, an unknown challenge method) returns an error. It panics if
// the account is not registered.
func (s *Server) Authorize(authURL, accountID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(accountID)
	u, err := url.Parse(authURL)
	if err != nil {
		return "", fmt.Errorf("epictest: authorize: %w", err)
	}
	q := u.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirect.IsAbs() {
		return "", fmt.Errorf("epictest: authorize: redirect_uri %q is not an absolute URL", q.Get("redirect_uri"))
	}
	code, err := s.authorizationCode(q, a)
	if err != nil {
		return "", err
	}
	return withCode(redirect, code, q.Get("state")), nil
}

// authorizationCode mints the code the login page hands out when account a
// approves the page's query q: for q's client_id, bound to its
// code_challenge and scope. Authorize and the HTTP page (authorizePage)
// share it. s.mu is held.
func (s *Server) authorizationCode(q url.Values, a *Account) (string, error) {
	cl := s.clients[q.Get("client_id")]
	if cl == nil {
		return "", fmt.Errorf("epictest: authorize: unknown client_id %q", q.Get("client_id"))
	}
	if rt := q.Get("response_type"); rt != "code" {
		return "", fmt.Errorf("epictest: authorize: response_type %q is not code", rt)
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" && method == "" {
		method = "plain" // RFC 7636, 4.3
	}
	if challenge == "" && method != "" || method != "" && method != "S256" && method != "plain" {
		return "", fmt.Errorf("epictest: authorize: code_challenge_method %q without a supported challenge", method)
	}
	sc := singleUseCode{kind: "authorization_code", account: a, creator: cl.ID, consumer: cl.ID, challenge: challenge, method: method}
	if scope := strings.Fields(q.Get("scope")); len(scope) > 0 {
		sc.scope = scope
	}
	return s.newCode(sc), nil
}

// withCode returns redirect with code and, when set, state added to its
// query, as the login page sends the browser back.
func withCode(redirect *url.URL, code, state string) string {
	back := *redirect
	q := back.Query()
	q.Set("code", code)
	if state != "" {
		q.Set("state", state)
	}
	back.RawQuery = q.Encode()
	return back.String()
}

var eosAuthGrants = grantSet{
	implemented: []string{"client_credentials", "authorization_code", "exchange_code", "refresh_token", "external_auth"},
	refused:     []string{"password"},
	formats:     []string{"eg1", "epic_id"},
}

// eosAuthTokenJSON is EOS Auth's token response. No un-elided recording
// exists; fields follow the official table as the fact sheet (7.2) gives
// it, with refresh_expires (not refresh_expires_in) and scope as a string.
type eosAuthTokenJSON struct {
	AccessToken      string    `json:"access_token"`
	TokenType        string    `json:"token_type"`
	ExpiresIn        int64     `json:"expires_in"`
	ExpiresAt        string    `json:"expires_at"`
	RefreshToken     string    `json:"refresh_token,omitempty"`
	RefreshExpires   int64     `json:"refresh_expires,omitempty"`
	RefreshExpiresAt string    `json:"refresh_expires_at,omitempty"`
	AccountID        string    `json:"account_id,omitempty"`
	ClientID         string    `json:"client_id"`
	ApplicationID    string    `json:"application_id"`
	MergedAccounts   *[]string `json:"merged_accounts,omitempty"`
	Scope            string    `json:"scope"`
	IDToken          string    `json:"id_token,omitempty"`
}

// eosAuthToken serves POST /epic/oauth/v2/token (EOS Auth).
func (s *Server) eosAuthToken(c *call) reply {
	if _, err := s.deployment(c, false); err != nil {
		return fail(err)
	}
	ss, err := s.issue(c, eosAuthGrants)
	if err != nil {
		return fail(err)
	}
	j := eosAuthTokenJSON{
		AccessToken: ss.access, TokenType: "bearer", ExpiresIn: seconds(c.now, ss.expiry), ExpiresAt: isoTime(ss.expiry),
		ClientID: ss.client.ID, ApplicationID: ss.client.ApplicationID, Scope: joinScope(ss.scope),
	}
	if a := ss.account; a != nil {
		j.RefreshToken, j.RefreshExpires, j.RefreshExpiresAt = ss.refresh, seconds(c.now, ss.refreshExpiry), isoTime(ss.refreshExpiry)
		j.AccountID = a.ID
		merged := slices.Clone(a.MergedAccounts)
		if merged == nil {
			merged = []string{}
		}
		j.MergedAccounts = &merged
		if slices.Contains(ss.scope, "openid") {
			j.IDToken = s.easIDToken(ss, c.now)
		}
	}
	return ok(j)
}

// easIDToken is the ID token of an EAS session with the openid scope, with
// the claims of the fact sheet (7.2): the deployment's pfdid, pfpid and
// pfsid when the login named one, and eat, eadn and pltfm after a platform
// login.
func (s *Server) easIDToken(ss *session, now time.Time) string {
	a := ss.account
	claims := map[string]any{"appid": ss.client.ApplicationID, "aud": ss.client.ID, "dn": a.DisplayName,
		"exp": ss.expiry.Unix(), "iat": now.Unix(), "iss": s.URL + "/epic/oauth/v2", "sub": a.ID}
	if d := ss.deployment; d != nil {
		claims["pfdid"], claims["pfpid"], claims["pfsid"] = d.ID, d.ProductID, d.SandboxID
	}
	if e := ss.ext; e != nil {
		eat := eatOf(e.typ)
		claims["eat"], claims["eadn"], claims["pltfm"] = eat, e.displayName, platformOf(eat)
	}
	return s.signIDToken(svcEOSAuth, claims)
}

// eatOf is the eat claim (steam, psn, nintendo_id ...) of an
// external_auth_type (steam_session_ticket, psn_id_token,
// nintendo_id_token ...), in the EAS ID token and in the act of the
// Connect ID token.
func eatOf(typ string) string {
	if strings.HasPrefix(typ, "nintendo_") {
		return strings.TrimSuffix(typ, "_token")
	}
	eat, _, _ := strings.Cut(typ, "_")
	return eat
}

// platformOf is the pltfm claim of an external account type.
func platformOf(eat string) string {
	switch eat {
	case "psn":
		return "playstation"
	case "steam":
		return "steam"
	case "nintendo_id", "nintendo_nsa_id":
		return "switch"
	case "xbl":
		return "xbox"
	}
	return "other"
}

// eosAuthScope is the scope of an EOS Auth session: the form's
// space-separated scope, else the scope it inherits (on refresh, or from
// the login page), else the client's scopes.
func eosAuthScope(c *call, cl *Client, inherited []string) []string {
	if f := strings.Fields(c.form.Get("scope")); len(f) > 0 {
		return f
	}
	if inherited != nil {
		return inherited
	}
	return cl.Scopes
}

func joinScope(scope []string) string { return strings.Join(scope, " ") }

// epicIDToken is an EOS Auth "epic_id" token: a JWT without prefix.
func epicIDToken(ss *session, kind, issuer string) string {
	exp := ss.expiry
	if kind == "r" {
		exp = ss.refreshExpiry
	}
	claims := map[string]any{"clid": ss.client.ID, "am": ss.method, "scope": joinScope(ss.scope), "t": kind,
		"iss": issuer + "/epic/oauth/v2", "exp": exp.Unix(), "iat": ss.created.Unix(), "jti": newHex()}
	if ss.account != nil {
		claims["sub"] = ss.account.ID
	}
	return unsignedJWT(claims)
}

// eosAuthTokenInfo serves POST /epic/oauth/v2/tokenInfo.
func (s *Server) eosAuthTokenInfo(c *call) reply {
	if err := requireForm(c, "token"); err != nil {
		return fail(err)
	}
	return ok(s.tokenInfo(c, true))
}

// eosAuthRevoke serves POST /epic/oauth/v2/revoke (RFC 7009): the access
// or refresh token's session ends; unknown tokens are not an error.
func (s *Server) eosAuthRevoke(c *call) reply {
	if err := requireForm(c, "token"); err != nil {
		return fail(err)
	}
	if ss := s.sessionOf(c.form.Get("token")); ss != nil && ss.svc == svcEOSAuth {
		s.kill(ss)
	}
	return noContent()
}

// userInfoJSON is the OpenID Connect userinfo of an EAS session.
type userInfoJSON struct {
	Sub               string `json:"sub"`
	PreferredUsername string `json:"preferred_username"`
}

// eosAuthUserInfo serves GET /epic/oauth/v2/userInfo: the account of a
// live EAS user token.
func (s *Server) eosAuthUserInfo(c *call) reply {
	ss, err := s.bearer(c)
	if err == nil && ss.account == nil {
		err = errTokenVerificationFailed()
	}
	if err != nil {
		return fail(err)
	}
	return ok(userInfoJSON{Sub: ss.account.ID, PreferredUsername: ss.account.DisplayName})
}

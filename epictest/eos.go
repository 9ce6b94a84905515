package epictest

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/epicoauth/epicoauth/eos"
)

// productUser is an EOS Connect product user (PUID) of one product.
type productUser struct {
	puid, orgUserID string
}

// connectTokenJSON is EOS Connect's token response, fields in Epic's order
// (testdata/fixtures/eos-connect-token-*.json).
type connectTokenJSON struct {
	AccessToken          string   `json:"access_token"`
	TokenType            string   `json:"token_type"`
	ExpiresAt            string   `json:"expires_at"`
	Nonce                string   `json:"nonce,omitempty"`
	Features             []string `json:"features"`
	OrganizationID       string   `json:"organization_id"`
	ProductID            string   `json:"product_id"`
	SandboxID            string   `json:"sandbox_id"`
	DeploymentID         string   `json:"deployment_id"`
	OrganizationUserID   string   `json:"organization_user_id,omitempty"`
	ProductUserID        string   `json:"product_user_id,omitempty"`
	ProductUserIDCreated *bool    `json:"product_user_id_created,omitempty"`
	IDToken              string   `json:"id_token,omitempty"`
	ExpiresIn            int64    `json:"expires_in"`
}

// connectTypes are the external_auth_type values EOS Connect accepts.
var connectTypes = map[eos.ExternalCredentialType]bool{}

func init() {
	for _, t := range []eos.ExternalCredentialType{
		eos.EpicGamesAccessToken, eos.EpicGamesIDToken, eos.SteamSessionTicket, eos.SteamAccessToken,
		eos.SteamEncryptedAppTicket, eos.PSNIDToken, eos.XBLXSTSToken, eos.NintendoIDToken,
		eos.NintendoNSAIDToken, eos.GOGEncryptedSessionTicket, eos.AppleIDToken, eos.GoogleIDToken,
		eos.DiscordAccessToken, eos.AmazonAccessToken, eos.OculusUserIDNonce, eos.ItchIOJWT,
		eos.ItchIOKey, eos.ViveportUserToken, eos.OpenIDAccessToken, eos.DeviceIDAccessToken,
	} {
		connectTypes[t] = true
	}
}

// connectToken serves POST /auth/v1/oauth/token (EOS Connect):
// client_credentials and external_auth, deployment_id required, nonce
// echoed. Credentials may come as Basic auth or client_id/client_secret.
func (s *Server) connectToken(c *call) reply {
	cl, err := s.authClient(c, true)
	if err != nil {
		return fail(err)
	}
	gt := c.form.Get("grant_type")
	if gt != "client_credentials" && gt != "external_auth" {
		return fail(errUnsupportedGrantType(gt))
	}
	if !cl.allows(gt) {
		return fail(errUnauthorizedClient(gt))
	}
	d, err := s.deployment(c, true)
	if err != nil {
		return fail(err)
	}
	ss := &session{id: newHex(), svc: svcConnect, client: cl, method: gt, deployment: d,
		nonce: c.form.Get("nonce"), created: c.now, expiry: c.now.Add(cl.Lifetimes.Connect)}
	if gt == "external_auth" {
		if err := s.connectUser(c, ss); err != nil {
			return fail(err)
		}
	}
	claims := map[string]any{"clid": cl.ID, "pfdid": d.ID, "pfpid": d.ProductID, "pfsid": d.SandboxID,
		"exp": ss.expiry.Unix(), "iat": c.now.Unix(), "jti": newHex()}
	if ss.user != nil {
		claims["sub"] = ss.user.puid
	}
	ss.access = unsignedJWT(claims)
	s.byAccess[ss.access] = ss
	j := connectTokenJSON{
		AccessToken: ss.access, TokenType: "bearer", ExpiresAt: isoTime(ss.expiry), Nonce: ss.nonce,
		Features: d.Features, OrganizationID: d.OrganizationID, ProductID: d.ProductID, SandboxID: d.SandboxID,
		DeploymentID: d.ID, IDToken: ss.idToken, ExpiresIn: seconds(c.now, ss.expiry),
	}
	if u := ss.user; u != nil {
		created := ss.created1st
		j.OrganizationUserID, j.ProductUserID, j.ProductUserIDCreated = u.orgUserID, u.puid, &created
	}
	return ok(j)
}

// deployment returns the deployment named by the form's deployment_id.
func (s *Server) deployment(c *call, required bool) (*Deployment, *apiError) {
	id := c.form.Get("deployment_id")
	if id == "" {
		if required {
			return nil, errMissingParam("deployment_id")
		}
		return nil, nil
	}
	d := s.deployments[id]
	if d == nil {
		return nil, errInvalidDeployment(id)
	}
	return d, nil
}

// connectUser resolves an external_auth login to the product user of the
// deployment's product, creating it on first login. An
// epicgames_access_token must be a live account-service or EOS Auth token
// of an account; other types are trusted as they are, the token standing
// for the platform identity.
func (s *Server) connectUser(c *call, ss *session) *apiError {
	if err := requireForm(c, "external_auth_type", "external_auth_token"); err != nil {
		return err
	}
	typ, token := c.form.Get("external_auth_type"), c.form.Get("external_auth_token")
	if !connectTypes[eos.ExternalCredentialType(typ)] {
		return errUnknownExternalAuthType(typ)
	}
	eat, eaid := strings.TrimSuffix(strings.TrimSuffix(typ, "_token"), "_access"), digest(token)
	if typ == string(eos.EpicGamesAccessToken) {
		src := s.byAccess[token]
		if src == nil || src.svc == svcConnect || src.account == nil || !src.live(c.now) {
			return errInvalidExternalAuthToken(typ)
		}
		eat, eaid = "epicgames", src.account.ID
	}
	key := ss.deployment.ProductID + "|" + eat + "|" + eaid
	u := s.productUsers[key]
	if u == nil {
		u = &productUser{puid: "0002" + newHex()[4:], orgUserID: "0001" + newHex()[4:]}
		s.productUsers[key] = u
		ss.created1st = true
	}
	ss.user = u
	ss.idToken = s.signIDToken(svcConnect, map[string]any{
		"aud": ss.client.ID, "exp": ss.expiry.Unix(), "iat": c.now.Unix(), "iss": s.URL + "/auth/v1/oauth",
		"pfdid": ss.deployment.ID, "pfpid": ss.deployment.ProductID, "pfsid": ss.deployment.SandboxID,
		"sub": u.puid, "act": map[string]string{"eat": eat, "eaid": eaid, "pltfm": "other"},
	})
	return nil
}

// digest is a stable 32-hex stand-in for a platform identity.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

var eosAuthGrants = grantSet{
	implemented: []string{"client_credentials", "authorization_code", "exchange_code", "refresh_token"},
	refused:     []string{"password"},
	formats:     []string{"eg1", "epic_id"},
}

// eosAuthTokenJSON is EOS Auth's token response. No un-elided recording
// exists; fields follow the official table as the fact sheet (7.2) gives
// it, with refresh_expires (not refresh_expires_in) and scope as a string.
type eosAuthTokenJSON struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	ExpiresAt        string `json:"expires_at"`
	RefreshToken     string `json:"refresh_token,omitempty"`
	RefreshExpires   int64  `json:"refresh_expires,omitempty"`
	RefreshExpiresAt string `json:"refresh_expires_at,omitempty"`
	AccountID        string `json:"account_id,omitempty"`
	ClientID         string `json:"client_id"`
	ApplicationID    string `json:"application_id"`
	Scope            string `json:"scope"`
	IDToken          string `json:"id_token,omitempty"`
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
		if strings.Contains(" "+j.Scope+" ", " openid ") {
			j.IDToken = s.signIDToken(svcEOSAuth, map[string]any{"appid": ss.client.ApplicationID, "aud": ss.client.ID,
				"dn": a.DisplayName, "exp": ss.expiry.Unix(), "iat": c.now.Unix(), "iss": s.URL + "/epic/oauth/v2", "sub": a.ID})
		}
	}
	return ok(j)
}

// eosAuthScope is the scope of an EOS Auth session: the form's
// space-separated scope, else the scope it inherits (on refresh), else the
// client's scopes.
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
	t := c.form.Get("token")
	ss := s.byAccess[t]
	if ss == nil {
		ss = s.byRefresh[t]
	}
	if ss != nil && ss.svc == svcEOSAuth {
		s.kill(ss)
	}
	return noContent()
}

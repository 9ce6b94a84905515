package epictest

import (
	"crypto/sha256"
	"encoding/hex"

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
	eat, eaid := eatOf(typ), digest(token)
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
		"sub": u.puid, "act": map[string]string{"eat": eat, "eaid": eaid, "pltfm": platformOf(eat)},
	})
	return nil
}

// digest is a stable 32-hex stand-in for a platform identity.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

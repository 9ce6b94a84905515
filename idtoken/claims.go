package idtoken

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Claims are the verified claims of an Epic ID token.
//
// The fields come from the claims Epic documents for EOS Connect ID tokens
// (iss, sub, aud, exp, iat, pfdid, pfpid, pfsid, act) and for Epic Account
// Services ID tokens (the same, plus appid, dn, cty, eat, eadn, pltfm); a
// field whose claim the token does not carry is empty. Decode reads any
// other claim.
type Claims struct {
	// Kind is the kind of token: Connect or Account.
	Kind Kind
	// Subject (sub) is the player: the product user id (PUID) in a
	// Connect token, the Epic account id in an Account token. It is the
	// identity to trust once Verify has succeeded.
	Subject string
	// Issuer (iss) is the URL of the Epic service that issued the token.
	Issuer string
	// Expiry (exp) and IssuedAt (iat) bound the token's validity.
	Expiry   time.Time
	IssuedAt time.Time

	// DeploymentID (pfdid), ProductID (pfpid) and SandboxID (pfsid) are
	// the EOS deployment, product and sandbox the token is issued for.
	DeploymentID string
	ProductID    string
	SandboxID    string

	// ExternalAccountType is the kind of account the player logged in
	// with, such as "epicgames", "steam", "psn", "xbl", "nintendo_id",
	// "discord" or "openid" (Connect: act.eat; Account: eat, present
	// only for a login through a platform).
	ExternalAccountType string
	// ExternalAccountID (Connect: act.eaid) is the player's id on that
	// account, such as the Epic account id for "epicgames".
	ExternalAccountID string
	// Platform (Connect: act.pltfm; Account: pltfm) is the platform the
	// player logged in on.
	Platform Platform
	// DeviceType (Connect: act.dty) is the console model for a console
	// login: PSVITA, PS3, PS4, PS5, Switch, Xbox360 or XboxOne.
	DeviceType string

	// ApplicationID (appid, Account only) is the Epic Account Services
	// application the player logged in to.
	ApplicationID string
	// DisplayName (dn, Account only) is the player's Epic display name.
	DisplayName string
	// ExternalDisplayName (eadn, Account only, not always present) is the
	// player's display name on the external account.
	ExternalDisplayName string
	// Country (cty, Account only) is the player's country, with the
	// country scope.
	Country string

	payload []byte
}

// Decode unmarshals the token's whole payload into v (a pointer, as for
// encoding/json), to read a claim Claims has no field for.
func (c *Claims) Decode(v any) error {
	return json.Unmarshal(c.payload, v)
}

// Platform is the platform a player logged in on (the pltfm claim).
type Platform string

// The platforms Epic documents for the pltfm claim.
const (
	PlatformOther       Platform = "other"
	PlatformPlayStation Platform = "playstation"
	PlatformSteam       Platform = "steam"
	PlatformSwitch      Platform = "switch"
	PlatformXbox        Platform = "xbox"
)

// payloadJSON is the payload as Epic sends it.
type payloadJSON struct {
	Iss   string       `json:"iss"`
	Sub   string       `json:"sub"`
	Aud   audience     `json:"aud"`
	Exp   *numericDate `json:"exp"`
	Iat   *numericDate `json:"iat"`
	Pfdid string       `json:"pfdid"`
	Pfpid string       `json:"pfpid"`
	Pfsid string       `json:"pfsid"`
	Act   *struct {
		Eat   string `json:"eat"`
		Eaid  string `json:"eaid"`
		Pltfm string `json:"pltfm"`
		Dty   string `json:"dty"`
	} `json:"act"`
	Appid string `json:"appid"`
	Dn    string `json:"dn"`
	Cty   string `json:"cty"`
	Eat   string `json:"eat"`
	Eadn  string `json:"eadn"`
	Pltfm string `json:"pltfm"`
}

// parseClaims decodes a verified payload. It checks types and the presence
// of the claims every Epic ID token has; the Verifier checks their values.
func parseClaims(kind Kind, payload []byte) (*Claims, []string, error) {
	var p payloadJSON
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, nil, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	for _, c := range [...]struct {
		name    string
		missing bool
	}{{"iss", p.Iss == ""}, {"sub", p.Sub == ""}, {"aud", len(p.Aud) == 0}, {"exp", p.Exp == nil}, {"iat", p.Iat == nil}} {
		if c.missing {
			return nil, nil, fmt.Errorf("%w: no %s claim", ErrMalformed, c.name)
		}
	}
	c := &Claims{
		Kind: kind, Subject: p.Sub, Issuer: p.Iss, Expiry: p.Exp.Time, IssuedAt: p.Iat.Time,
		DeploymentID: p.Pfdid, ProductID: p.Pfpid, SandboxID: p.Pfsid,
		ExternalAccountType: p.Eat, Platform: Platform(p.Pltfm),
		ApplicationID: p.Appid, DisplayName: p.Dn, ExternalDisplayName: p.Eadn, Country: p.Cty,
		payload: payload,
	}
	if a := p.Act; a != nil {
		c.ExternalAccountType, c.ExternalAccountID, c.Platform, c.DeviceType = a.Eat, a.Eaid, Platform(a.Pltfm), a.Dty
	}
	return c, p.Aud, nil
}

// audience is aud: a string, or an array of strings (RFC 7519 4.1.3).
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		return json.Unmarshal(b, (*[]string)(a))
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s != "" {
		*a = audience{s}
	}
	return nil
}

// numericDate is exp or iat: seconds since the epoch, a whole number in
// Epic's tokens, a fraction allowed (RFC 7519 2).
type numericDate struct{ time.Time }

// maxNumericDate keeps a date within what time.Time represents and
// compares: about the year 33658.
const maxNumericDate = 1 << 40

func (d *numericDate) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	if math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return fmt.Errorf("date %v out of range", f)
	}
	sec, frac := math.Modf(f)
	d.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return nil
}

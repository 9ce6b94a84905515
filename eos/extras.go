package eos

import (
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/wire"
)

// Readers of the fields EOS Connect adds to a token. Each returns the zero
// value when the field is absent; the raw values stay readable with
// tok.Extra.

// DeploymentID returns the deployment the token is for (deployment_id).
func DeploymentID(tok *oauth2.Token) string { return wire.ExtraString(tok, "deployment_id") }

// Nonce returns the nonce the response echoed (nonce).
func Nonce(tok *oauth2.Token) string { return wire.ExtraString(tok, "nonce") }

// ProductUserID returns the product user id, the PUID, of a user token
// (product_user_id).
func ProductUserID(tok *oauth2.Token) string { return wire.ExtraString(tok, "product_user_id") }

// ProductUserIDCreated reports whether this login created the product user
// (product_user_id_created).
func ProductUserIDCreated(tok *oauth2.Token) bool {
	return wire.ExtraBool(tok, "product_user_id_created")
}

// OrganizationID returns the product's organization (organization_id).
func OrganizationID(tok *oauth2.Token) string { return wire.ExtraString(tok, "organization_id") }

// OrganizationUserID returns the user's id within the organization
// (organization_user_id).
func OrganizationUserID(tok *oauth2.Token) string {
	return wire.ExtraString(tok, "organization_user_id")
}

// ProductID returns the product (product_id).
func ProductID(tok *oauth2.Token) string { return wire.ExtraString(tok, "product_id") }

// SandboxID returns the sandbox (sandbox_id).
func SandboxID(tok *oauth2.Token) string { return wire.ExtraString(tok, "sandbox_id") }

// Features returns the EOS features the token may use, such as "Connect" or
// "Ecom" (features).
func Features(tok *oauth2.Token) []string { return wire.ExtraStrings(tok, "features") }

// IDToken returns the ID token of a user token (id_token), a JWT a game
// server can verify: from EOS Connect (Config), a Connect ID token for the
// product user, checked against the EOS Connect JWKS; from EOS Auth
// (AuthConfig) with the "openid" scope, an EAS ID token for the Epic
// account, checked against the EOS Auth JWKS.
func IDToken(tok *oauth2.Token) string { return wire.ExtraString(tok, "id_token") }

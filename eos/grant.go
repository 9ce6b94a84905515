package eos

import (
	"context"
	"fmt"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// ExternalCredentialType is an EOS Connect external_auth_type: the kind of
// identity provider token a user logs in with.
type ExternalCredentialType string

// The external credential types EOS Connect accepts.
const (
	EpicGamesAccessToken      ExternalCredentialType = "epicgames_access_token"
	EpicGamesIDToken          ExternalCredentialType = "epicgames_id_token"
	SteamSessionTicket        ExternalCredentialType = "steam_session_ticket"
	SteamAccessToken          ExternalCredentialType = "steam_access_token"
	SteamEncryptedAppTicket   ExternalCredentialType = "steam_encrypted_appticket"
	PSNIDToken                ExternalCredentialType = "psn_id_token"
	XBLXSTSToken              ExternalCredentialType = "xbl_xsts_token"
	NintendoIDToken           ExternalCredentialType = "nintendo_id_token"
	NintendoNSAIDToken        ExternalCredentialType = "nintendo_nsa_id_token"
	GOGEncryptedSessionTicket ExternalCredentialType = "gog_encrypted_sessionticket"
	AppleIDToken              ExternalCredentialType = "apple_id_token"
	GoogleIDToken             ExternalCredentialType = "google_id_token"
	DiscordAccessToken        ExternalCredentialType = "discord_access_token"
	AmazonAccessToken         ExternalCredentialType = "amazon_access_token"
	OculusUserIDNonce         ExternalCredentialType = "oculus_userid_nonce"
	ItchIOJWT                 ExternalCredentialType = "itchio_jwt"
	ItchIOKey                 ExternalCredentialType = "itchio_key"
	ViveportUserToken         ExternalCredentialType = "viveport_user_token"
	OpenIDAccessToken         ExternalCredentialType = "openid_access_token"
	DeviceIDAccessToken       ExternalCredentialType = "deviceid_access_token"
)

// ClientCredentials returns the client_credentials grant: a client access
// token for a trusted server of the product. It is repeatable.
func ClientCredentials() Grant {
	return epicoauth.NewGrant("client_credentials", nil, true)
}

// ExternalAuth returns the external_auth grant: a user access token for the
// product user (PUID) behind an identity provider's token. It is treated as
// repeatable, since EOS Connect does not consume the external token; once
// that token expires, renewals fail and the source reports the error. Use
// ExternalAuthFrom to fetch a fresh external token for each renewal.
func ExternalAuth(typ ExternalCredentialType, token string) Grant {
	return epicoauth.NewGrant("external_auth", url.Values{
		"external_auth_type":  {string(typ)},
		"external_auth_token": {token},
	}, true)
}

// ExternalAuthFrom returns an external_auth grant that takes a fresh token
// from src every time it runs, so a TokenSource built on it renews the EOS
// session for as long as src lasts. The usual case is an Epic account:
// ExternalAuthFrom(EpicGamesAccessToken, accountTokenSource).
func ExternalAuthFrom(typ ExternalCredentialType, src oauth2.TokenSource) Grant {
	return externalAuthFrom{typ: typ, src: src}
}

type externalAuthFrom struct {
	typ ExternalCredentialType
	src oauth2.TokenSource
}

func (g externalAuthFrom) GrantType() string { return "external_auth" }
func (g externalAuthFrom) Repeatable() bool  { return true }

func (g externalAuthFrom) Params(ctx context.Context) (url.Values, error) {
	tok, err := epicoauth.TokenFrom(ctx, g.src)
	if err != nil {
		return nil, fmt.Errorf("eos: external credential: %w", err)
	}
	return url.Values{"external_auth_type": {string(g.typ)}, "external_auth_token": {tok.AccessToken}}, nil
}

// String names the grant and never a token.
func (g externalAuthFrom) String() string {
	return "Grant(external_auth external_auth_type=" + string(g.typ) + " from a token source)"
}

// GoString makes %#v as safe as %v.
func (g externalAuthFrom) GoString() string { return g.String() }

package epic

import (
	"context"
	"log/slog"
	"net/url"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/redact"
)

// ClientCredentials returns the client_credentials grant: a token for the
// client itself, with no account and no refresh token. Epic needs one before
// a device-code login and for public catalog APIs. It is repeatable, so a
// TokenSource simply runs it again at expiry.
func ClientCredentials() Grant {
	return epicoauth.NewGrant("client_credentials", nil, true)
}

// GrantOption adds a form field to a grant, like oauth2.AuthCodeOption.
type GrantOption interface {
	apply(url.Values)
}

type paramOption struct{ key, value string }

func (o paramOption) apply(v url.Values) { v.Set(o.key, o.value) }

// CodeVerifier sends the PKCE code_verifier with an AuthorizationCode or
// ExchangeCode grant whose code was created with a code challenge.
func CodeVerifier(verifier string) GrantOption { return paramOption{"code_verifier", verifier} }

// SetGrantParam sends an extra form field with a grant.
func SetGrantParam(key, value string) GrantOption { return paramOption{key, value} }

func withOptions(v url.Values, opts []GrantOption) url.Values {
	for _, o := range opts {
		o.apply(v)
	}
	return v
}

// AuthorizationCode returns the authorization_code grant for a code from
// Epic's login page (see AuthCodeURL). Codes are single use and expire after
// 300 s.
func AuthorizationCode(code string, opts ...GrantOption) Grant {
	return epicoauth.NewGrant("authorization_code", withOptions(url.Values{"code": {code}}, opts), false)
}

// ExchangeCode returns the exchange_code grant, for a code that another
// session created (the Epic Games Launcher passes one to the games it starts
// as -AUTH_PASSWORD). Codes are single use and expire after 300 s.
func ExchangeCode(code string, opts ...GrantOption) Grant {
	return epicoauth.NewGrant("exchange_code", withOptions(url.Values{"exchange_code": {code}}, opts), false)
}

// RefreshToken returns the refresh_token grant, to start from a refresh
// token saved earlier. Epic rotates refresh tokens: each one works once. To
// resume a saved session with its access token, use ResumeTokenSource.
func RefreshToken(refreshToken string) Grant {
	return epicoauth.NewGrant("refresh_token", url.Values{"refresh_token": {refreshToken}}, false)
}

// DeviceCode returns the device_code grant for a code from a device-code
// login that the user has approved.
func DeviceCode(deviceCode string) Grant {
	return epicoauth.NewGrant("device_code", url.Values{"device_code": {deviceCode}}, false)
}

// ExternalAuth returns the external_auth grant: a login with a linked
// platform's token (typ is Epic's external_auth_type, such as
// "steam_session_ticket" or "xbl_xtoken").
func ExternalAuth(typ, token string) Grant {
	return epicoauth.NewGrant("external_auth", url.Values{"external_auth_type": {typ}, "external_auth_token": {token}}, false)
}

// TokenToToken returns the token_to_token grant, which mints a new session
// from an access token. Epic has disabled it on public clients
// (unauthorized_client).
func TokenToToken(accessToken string) Grant {
	return epicoauth.NewGrant("token_to_token", url.Values{"access_token": {accessToken}}, false)
}

// ContinuationToken returns the continuation_token grant, which completes a
// login after a corrective action or in EOS flows.
func ContinuationToken(token string) Grant {
	return epicoauth.NewGrant("continuation_token", url.Values{"continuation_token": {token}}, false)
}

// DeviceAuth is a device auth: a long-lived credential of one account for
// one client, the usual way a bot or service stays logged in. It is a
// repeatable Grant (device_auth), so a TokenSource built on it never needs
// a person again unless the account's password changes.
//
// The JSON form uses Epic's field names, so the response of creating a
// device auth decodes into it. Secret is shown by Epic once, at creation.
// Every fmt verb and log/slog redact Secret, but encoding/json does not: a
// DeviceAuth exists to be saved (it is the usual device-auth file), so
// treat its JSON as the secret it holds and write it with permission 0600.
type DeviceAuth struct {
	AccountID string `json:"accountId"`
	DeviceID  string `json:"deviceId"`
	Secret    string `json:"secret"`
}

// GrantType returns "device_auth".
func (d DeviceAuth) GrantType() string { return "device_auth" }

// Params returns account_id, device_id and secret.
func (d DeviceAuth) Params(context.Context) (url.Values, error) {
	return url.Values{"account_id": {d.AccountID}, "device_id": {d.DeviceID}, "secret": {d.Secret}}, nil
}

// Repeatable returns true: a device auth can be used any number of times.
func (d DeviceAuth) Repeatable() bool { return true }

// String shows the account and device ids, never the secret.
func (d DeviceAuth) String() string {
	return "DeviceAuth{AccountID: " + d.AccountID + ", DeviceID: " + d.DeviceID + ", Secret: " + redact.Marker + "}"
}

// GoString makes %#v as safe as %v.
func (d DeviceAuth) GoString() string { return d.String() }

// LogValue makes log/slog print the ids and not the secret.
func (d DeviceAuth) LogValue() slog.Value {
	return slog.GroupValue(slog.String("account_id", d.AccountID), slog.String("device_id", d.DeviceID), slog.String("secret", redact.Marker))
}

package epic

import (
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/wire"
)

// Readers of the fields Epic adds to an account-service token. Each reads
// tok.Extra and returns the zero value when the field is absent (a
// client_credentials token has no account, for instance). The raw values stay
// readable with tok.Extra under Epic's own names.

// AccountID returns the Epic account id (account_id) of a user token.
func AccountID(tok *oauth2.Token) string { return wire.ExtraString(tok, "account_id") }

// DisplayName returns the account's display name (displayName).
func DisplayName(tok *oauth2.Token) string { return wire.ExtraString(tok, "displayName") }

// RefreshExpiry returns when the token's refresh token stops working, from
// refresh_expires (counted from when the token arrived) or
// refresh_expires_at. It is zero for a token without a refresh token.
func RefreshExpiry(tok *oauth2.Token) time.Time { return wire.RefreshExpiry(tok) }

// ClientID returns the id of the client the token was issued to (client_id).
func ClientID(tok *oauth2.Token) string { return wire.ExtraString(tok, "client_id") }

// ClientService returns the client's service, such as "launcher" or
// "prod-fn" (client_service).
func ClientService(tok *oauth2.Token) string { return wire.ExtraString(tok, "client_service") }

// InternalClient reports whether the client is one of Epic's own
// (internal_client).
func InternalClient(tok *oauth2.Token) bool { return wire.ExtraBool(tok, "internal_client") }

// DeviceID returns the device id Epic recorded for the session (device_id).
func DeviceID(tok *oauth2.Token) string { return wire.ExtraString(tok, "device_id") }

// App returns the session's application, such as "launcher" (app).
func App(tok *oauth2.Token) string { return wire.ExtraString(tok, "app") }

// InAppID returns the account's id inside App (in_app_id).
func InAppID(tok *oauth2.Token) string { return wire.ExtraString(tok, "in_app_id") }

// ProductID returns the product the client belongs to (product_id).
func ProductID(tok *oauth2.Token) string { return wire.ExtraString(tok, "product_id") }

// ApplicationID returns the EOS application id of the client
// (application_id).
func ApplicationID(tok *oauth2.Token) string { return wire.ExtraString(tok, "application_id") }

// Scope returns the session's scopes (scope, a JSON array here).
func Scope(tok *oauth2.Token) []string { return wire.ExtraStrings(tok, "scope") }

// ACR returns the authentication context class, "urn:epic:loa:aal1" or
// "urn:epic:loa:aal2" when the login used two factors (acr).
func ACR(tok *oauth2.Token) string { return wire.ExtraString(tok, "acr") }

// AuthTime returns when the user authenticated (auth_time).
func AuthTime(tok *oauth2.Token) time.Time { return wire.ExtraTime(tok, "auth_time") }

// Permission is one permission of a session: a resource pattern and an
// action bit mask. Reading the mask as 1 CREATE, 2 READ, 4 UPDATE, 8 DELETE
// (15 all) matches every known example but is not documented by Epic.
type Permission struct {
	Resource string `json:"resource"`
	Action   int    `json:"action"`
}

// Perms returns the session's permissions (perms), present when the token
// was requested with Config.IncludePerms.
func Perms(tok *oauth2.Token) []Permission {
	if tok == nil {
		return nil
	}
	list, _ := tok.Extra("perms").([]any)
	out := make([]Permission, 0, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		p := Permission{}
		p.Resource, _ = m["resource"].(string)
		if n, ok := wire.Seconds(m["action"]); ok {
			p.Action = int(n)
		}
		out = append(out, p)
	}
	return out
}

package eos

import (
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/wire"
)

// Readers of the fields EOS Auth (AuthConfig) adds to a token. Each returns
// the zero value when the field is absent; IDToken reads the id_token of
// both services.

// AccountID returns the Epic account id of a user token (account_id).
func AccountID(tok *oauth2.Token) string { return wire.ExtraString(tok, "account_id") }

// ClientID returns the id of the client the token was issued to
// (client_id).
func ClientID(tok *oauth2.Token) string { return wire.ExtraString(tok, "client_id") }

// ApplicationID returns the EAS application of the client
// (application_id).
func ApplicationID(tok *oauth2.Token) string { return wire.ExtraString(tok, "application_id") }

// Scope returns the session's scopes, which EOS Auth sends as one
// space-separated string (scope).
func Scope(tok *oauth2.Token) []string { return wire.ExtraStrings(tok, "scope") }

// MergedAccounts returns the ids of the accounts that were merged into
// this one (merged_accounts): a game that stored data under one of them
// should find it under AccountID now.
func MergedAccounts(tok *oauth2.Token) []string { return wire.ExtraStrings(tok, "merged_accounts") }

// RefreshExpiry returns when the token's refresh token stops working, from
// refresh_expires or refresh_expires_in (Epic's sources disagree on the
// name; both are read, counted from when the token arrived), else
// refresh_expires_at. It is zero for a token without a refresh token.
func RefreshExpiry(tok *oauth2.Token) time.Time { return wire.RefreshExpiry(tok) }

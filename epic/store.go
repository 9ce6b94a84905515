package epic

import (
	"context"
	"fmt"
	"strconv"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// StoredTokenSource is TokenSource with options, chiefly a
// TokenStore (opts.Store) that keeps the session across restarts. It loads
// the store first: a saved token resumes the session without a new login
// (as ResumeTokenSource does), and grant becomes the fallback to run once
// the saved refresh token stops working; with nothing saved, grant starts
// the session. Every new token, each rotated refresh token included, is
// saved to the store before anyone uses it.
//
// Only a saved token of this session is resumed: one issued to the
// Config's client (its client_id) and, when grant names an account, to that
// account (its account_id; a DeviceAuth names one, ClientCredentials names
// none). Otherwise, such as when the store holds another account's session,
// the saved token is not used: grant logs in, and its token replaces the
// saved one in the store; OnError is told why with a *SavedTokenMismatchError.
// Without a grant, StoredTokenSource returns that error. A saved token that
// carries neither client_id nor account_id (a store that dropped the
// token's extras) cannot be checked and is resumed.
//
// With a SharedTokenStore (a FileStore or a redisstore.Store that several
// processes share) the source is one member of a fleet on one session:
// every renewal goes through the store's lease (see
// epicoauth.TokenSourceOptions.Store), so a process that starts resumes the
// fleet's session, adopts the token another process renews, and logs in
// only when nothing stored works any more. Each stored token is checked as
// above before it is adopted.
//
// A DeviceAuth is the usual grant: then a lost or expired session is
// re-created without a person. opts.Context, opts.Clock and
// opts.ExpiryDelta default to ctx, c.Clock and c.ExpiryDelta. ctx bounds
// the loading of the store; the source keeps only its values, not its
// cancellation (see TokenSource). The error is the store's, when it cannot
// be read; a nil opts.Store means there is nothing to load.
func (c *Config) StoredTokenSource(ctx context.Context, grant Grant, opts *epicoauth.TokenSourceOptions) (*epicoauth.TokenSource, error) {
	if opts == nil || opts.Store == nil {
		return c.newSource(ctx, grant, nil, opts), nil
	}
	saved, err := opts.Store.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("epic: resuming the saved session: %w", err)
	}
	if saved != nil {
		if err := c.checkSaved(saved, grant); err != nil {
			if grant == nil {
				return nil, err
			}
			if opts.OnError != nil {
				opts.OnError(err)
			}
			saved = nil
		}
	}
	return c.newSource(ctx, grant, saved, opts), nil
}

// SavedTokenMismatchError reports that StoredTokenSource found a saved
// token of another session than the one it was asked for: another client's
// or another account's. The saved token was not resumed. It names the
// field that differs and both values (ids, never secrets).
type SavedTokenMismatchError struct {
	// Field is "client_id" or "account_id".
	Field string
	// Saved is the saved token's value, empty when it has none (a client
	// token has no account_id).
	Saved string
	// Want is the value of the Config (client_id) or the grant
	// (account_id; empty for ClientCredentials).
	Want string
}

// Error says which session the store holds and which was asked for.
func (e *SavedTokenMismatchError) Error() string {
	return "epic: saved token not resumed: its " + e.Field + " is " + quoteOrNone(e.Saved) +
		", this source's is " + quoteOrNone(e.Want)
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return strconv.Quote(s)
}

// checkSaved returns a *SavedTokenMismatchError if saved belongs to another
// client than c or another account than grant.
func (c *Config) checkSaved(saved *oauth2.Token, grant Grant) error {
	client, account := ClientID(saved), AccountID(saved)
	if client == "" && account == "" {
		return nil // no extras: nothing to check
	}
	if client != "" && client != c.ClientID {
		return &SavedTokenMismatchError{Field: "client_id", Saved: client, Want: c.ClientID}
	}
	if want, ok := grantAccount(grant); ok && account != want {
		return &SavedTokenMismatchError{Field: "account_id", Saved: account, Want: want}
	}
	return nil
}

// grantAccount returns the account grant logs in, and whether the grant
// says: a device auth names its account, client credentials name none;
// codes and other grants do not say whose they are.
func grantAccount(grant Grant) (string, bool) {
	switch g := grant.(type) {
	case DeviceAuth:
		return g.AccountID, true
	case *DeviceAuth:
		if g == nil {
			return "", false
		}
		return g.AccountID, true
	case nil:
		return "", false
	}
	if grant.GrantType() == "client_credentials" {
		return "", true
	}
	return "", false
}

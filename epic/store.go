package epic

import (
	"context"
	"fmt"

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
// A DeviceAuth is the usual grant: then a lost or expired session is
// re-created without a person. opts.Context and opts.Clock default to ctx
// and c.Clock. The error is the store's, when it cannot be read; a nil
// opts.Store means there is nothing to load.
func (c *Config) StoredTokenSource(ctx context.Context, grant Grant, opts *epicoauth.TokenSourceOptions) (*epicoauth.TokenSource, error) {
	if opts == nil || opts.Store == nil {
		return c.newSource(ctx, grant, nil, opts), nil
	}
	saved, err := opts.Store.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("epic: resuming the saved session: %w", err)
	}
	return c.newSource(ctx, grant, saved, opts), nil
}

package epicoauth

import (
	"context"

	"golang.org/x/oauth2"
)

// TokenStore keeps a token across restarts. A [TokenSource] whose options
// name a Store saves every new token to it before handing the token to
// anyone, so a rotated refresh token is stored before it is used; a program
// that starts again loads the token and resumes the session without a new
// login (epic.Config.StoredTokenSource does both).
//
// Implementations must be safe for concurrent use. [FileStore] is one; a
// database row or an OS keychain entry are others.
type TokenStore interface {
	// Load returns the saved token, or nil and no error when nothing has
	// been saved yet.
	Load(ctx context.Context) (*oauth2.Token, error)
	// Save replaces the saved token with tok, extras included (see
	// MarshalToken).
	Save(ctx context.Context, tok *oauth2.Token) error
}

// SaveError reports that a [TokenStore] could not save a new token. The
// token itself was kept: the TokenSource hands it out and the session goes
// on, but it is not on disk until a later save succeeds (the next token
// change saves again). Find it with errors.As in
// TokenSourceOptions.OnError or from [TokenSource.Err].
type SaveError struct {
	Err error
}

// Error says that saving failed and why.
func (e *SaveError) Error() string {
	return "epicoauth: saving the new token failed (it is kept in memory): " + e.Err.Error()
}

// Unwrap returns the store's error.
func (e *SaveError) Unwrap() error { return e.Err }

package epicoauth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/secretfile"
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

// maxTokenFile bounds what FileStore reads: a token with all of Epic's
// extras and an eg1 JWT is a few kilobytes.
const maxTokenFile = 1 << 20

// FileStore is a [TokenStore] that keeps one token in a JSON file (the form
// of MarshalToken). Save replaces the file atomically: it writes a temporary
// file in the same directory, flushes it to disk and renames it, so a crash
// leaves the previous token intact, never half a file. The file gets
// permission 0600; missing directories are created with 0700.
//
// Use one FileStore per file. It serializes the saves of one process; two
// processes sharing a file would undo each other's refresh-token rotations.
// Use a *FileStore; its zero value with Path set is ready.
type FileStore struct {
	// Path is the file's name.
	Path string

	mu sync.Mutex
}

// Load reads the saved token. A missing file means nothing is saved yet: it
// returns nil and no error.
func (s *FileStore) Load(ctx context.Context) (*oauth2.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := secretfile.Read(s.Path, maxTokenFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("epicoauth: loading token: %w", err)
	}
	tok, err := UnmarshalToken(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, s.Path)
	}
	return tok, nil
}

// Save writes tok to the file, replacing what was there.
func (s *FileStore) Save(ctx context.Context, tok *oauth2.Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := MarshalToken(tok)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := secretfile.Write(s.Path, data, 0o600); err != nil {
		return fmt.Errorf("epicoauth: saving token: %w", err)
	}
	return nil
}

// String names the store's file.
func (s *FileStore) String() string { return "FileStore(" + s.Path + ")" }

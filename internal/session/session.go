// Package session decides which request renews a token: the refresh token
// while it lasts, else the original grant if it may be repeated, else
// ErrLoginRequired. It knows nothing of caching (epicoauth.TokenSource does
// that) or of HTTP (the fetch function does that).
package session

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/wire"
)

// Fetch sends one token request with the given grant_type and fields; the
// caller's Config adds its own options and client authentication.
type Fetch func(ctx context.Context, grantType string, params url.Values) (*oauth2.Token, error)

// Source renews a session. Every call to TokenContext makes a request; it
// is meant to sit under an epicoauth.TokenSource that caches.
type Source struct {
	fetch Fetch
	grant epicoauth.Grant // nil when resumed without a fallback
	clock epicoauth.Clock

	mu        sync.Mutex // one request at a time, so a refresh token is used once
	last      *oauth2.Token
	grantUsed bool
	grantErr  error // why the grant stopped working, if it has
}

// New returns a Source that starts with grant, or from saved when saved is
// not nil (then grant, if not nil, is the fallback once saved's refresh
// token fails).
func New(fetch Fetch, grant epicoauth.Grant, saved *oauth2.Token, clock epicoauth.Clock) *Source {
	return &Source{fetch: fetch, grant: grant, last: saved, clock: epicoauth.ClockOrReal(clock)}
}

// Token implements oauth2.TokenSource.
func (s *Source) Token() (*oauth2.Token, error) { return s.TokenContext(context.Background()) }

// TokenContext returns a new token: it refreshes the last one while its
// refresh token lasts, and otherwise runs the grant again if it may be
// repeated. When neither is possible it returns an error matching
// epicoauth.ErrLoginRequired.
func (s *Source) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, err := s.next(ctx)
	if err != nil {
		return nil, err
	}
	s.last = tok
	return tok, nil
}

func (s *Source) next(ctx context.Context) (*oauth2.Token, error) {
	if s.last == nil && s.grant != nil && !s.grantUsed {
		return s.runGrant(ctx)
	}
	var refreshErr error
	if s.last != nil && s.last.RefreshToken != "" {
		if exp := wire.RefreshExpiry(s.last); !exp.IsZero() && !s.clock.Now().Before(exp) {
			refreshErr = fmt.Errorf("epicoauth: refresh token expired at %s", exp.UTC().Format(time.RFC3339))
		} else {
			tok, err := s.fetch(ctx, "refresh_token", url.Values{"refresh_token": {s.last.RefreshToken}})
			if err == nil {
				return keepRefreshToken(tok, s.last), nil
			}
			var e *epicoauth.Error
			if !errors.As(err, &e) || !e.RequiresLogin() {
				return nil, err // temporary: keep the session and let the caller retry
			}
			refreshErr = err
		}
	}
	if s.grant != nil && (s.grant.Repeatable() || !s.grantUsed) {
		return s.runGrant(ctx)
	}
	if refreshErr == nil {
		// Nothing left to send: say why the grant stopped (a corrective
		// action keeps its continuation URL), else that nothing renews.
		refreshErr = s.grantErr
	}
	if refreshErr == nil {
		refreshErr = errors.New("epicoauth: token expired and there is no refresh token or repeatable grant to renew it")
	}
	return nil, loginRequired(refreshErr)
}

func (s *Source) runGrant(ctx context.Context) (*oauth2.Token, error) {
	params, err := s.grant.Params(ctx)
	if err != nil {
		return nil, fmt.Errorf("epicoauth: %s grant: %w", s.grant.GrantType(), err)
	}
	tok, err := s.fetch(ctx, s.grant.GrantType(), params)
	if err != nil {
		var e *epicoauth.Error
		if errors.As(err, &e) && e.RequiresLogin() {
			s.grantUsed, s.grantErr = true, err
			return nil, loginRequired(err)
		}
		return nil, err
	}
	s.grantUsed, s.grantErr = true, nil
	return tok, nil
}

// keepRefreshToken keeps the previous refresh token when a refresh response
// carries none, as golang.org/x/oauth2 does.
func keepRefreshToken(tok, prev *oauth2.Token) *oauth2.Token {
	if tok.RefreshToken != "" || prev == nil {
		return tok
	}
	t := *tok
	t.RefreshToken = prev.RefreshToken
	return &t
}

func loginRequired(err error) error {
	return fmt.Errorf("%w: %w", epicoauth.ErrLoginRequired, err)
}

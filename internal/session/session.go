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

// Once runs grant a single time through fetch, with no caching and no
// refresh: the Token method of every Config.
func Once(ctx context.Context, fetch Fetch, grant epicoauth.Grant) (*oauth2.Token, error) {
	params, err := grant.Params(ctx)
	if err != nil {
		return nil, err
	}
	return fetch(ctx, grant.GrantType(), params)
}

// Form is the body of a token request: grant_type and the grant's params,
// to which a Config's fetch adds its own options. params is not changed.
func Form(grantType string, params url.Values) url.Values {
	form := url.Values{"grant_type": {grantType}}
	for k, vs := range params {
		form[k] = vs
	}
	return form
}

// Source renews a session. Every call to TokenContext makes a request; it
// is meant to sit under an epicoauth.TokenSource that caches.
type Source struct {
	fetch Fetch
	grant epicoauth.Grant // nil when resumed without a fallback
	clock epicoauth.Clock

	check func(*oauth2.Token) error // see SetCheck

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

// SetCheck sets what CheckToken runs: the Config's test that a stored
// token belongs to this session. Call it before the Source is used.
func (s *Source) SetCheck(check func(*oauth2.Token) error) { s.check = check }

// CheckToken implements epicoauth.SessionRenewer: the check given to
// SetCheck, if any.
func (s *Source) CheckToken(tok *oauth2.Token) error {
	if s.check == nil {
		return nil
	}
	return s.check(tok)
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
	var refreshErr error
	if s.last != nil {
		tok, err := s.refresh(ctx, s.last)
		if !errors.Is(err, epicoauth.ErrLoginRequired) {
			return s.keep(tok, err)
		}
		refreshErr = err
	}
	return s.keep(s.login(ctx, refreshErr))
}

// RefreshFrom implements epicoauth.SessionRenewer: it refreshes from's
// session with from's refresh token, never with the grant.
func (s *Source) RefreshFrom(ctx context.Context, from *oauth2.Token) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keep(s.refresh(ctx, from))
}

// Login implements epicoauth.SessionRenewer: it runs the grant if it may
// run (repeatable, or not used yet); otherwise it says that a login is
// required because of cause.
func (s *Source) Login(ctx context.Context, cause error) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keep(s.login(ctx, cause))
}

// keep makes a new token the one the next TokenContext refreshes. s.mu is
// held.
func (s *Source) keep(tok *oauth2.Token, err error) (*oauth2.Token, error) {
	if err != nil {
		return nil, err
	}
	s.last = tok
	return tok, nil
}

// refresh redeems from's refresh token. An error matching
// epicoauth.ErrLoginRequired says that it is missing, expired or rejected;
// any other error is temporary and keeps the session. s.mu is held.
func (s *Source) refresh(ctx context.Context, from *oauth2.Token) (*oauth2.Token, error) {
	if from == nil || from.RefreshToken == "" {
		return nil, loginRequired(errNoRefreshToken)
	}
	if exp := wire.RefreshExpiry(from); !exp.IsZero() && !s.clock.Now().Before(exp) {
		return nil, loginRequired(fmt.Errorf("epicoauth: refresh token expired at %s", exp.UTC().Format(time.RFC3339)))
	}
	tok, err := s.fetch(ctx, "refresh_token", url.Values{"refresh_token": {from.RefreshToken}})
	if err != nil {
		var e *epicoauth.Error
		if errors.As(err, &e) && e.RequiresLogin() {
			return nil, loginRequired(err)
		}
		return nil, err // temporary: keep the session and let the caller retry
	}
	return keepRefreshToken(tok, from), nil
}

// login runs the grant if it may run: a first time, or again when it is
// repeatable. Otherwise it returns cause as an error matching
// epicoauth.ErrLoginRequired. s.mu is held.
func (s *Source) login(ctx context.Context, cause error) (*oauth2.Token, error) {
	if s.grant != nil && (s.grant.Repeatable() || !s.grantUsed) {
		return s.runGrant(ctx)
	}
	if cause == nil || errors.Is(cause, errNoRefreshToken) {
		// Nothing was sent: say why the grant stopped (a corrective
		// action keeps its continuation URL), else that nothing renews.
		cause = s.grantErr
		if cause == nil {
			cause = errors.New("epicoauth: token expired and there is no refresh token or repeatable grant to renew it")
		}
	}
	if errors.Is(cause, epicoauth.ErrLoginRequired) {
		return nil, cause
	}
	return nil, loginRequired(cause)
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

// errNoRefreshToken says that a token has no refresh token to renew it.
var errNoRefreshToken = errors.New("epicoauth: token expired and there is no refresh token to renew it")

func loginRequired(err error) error {
	return fmt.Errorf("%w: %w", epicoauth.ErrLoginRequired, err)
}

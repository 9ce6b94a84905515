package epicoauth

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// ContextTokenSource is a token source that can be asked for a token under a
// context. The sources of packages epic and eos implement it; [TokenSource]
// uses TokenContext when the source it wraps has it.
type ContextTokenSource interface {
	oauth2.TokenSource
	TokenContext(ctx context.Context) (*oauth2.Token, error)
}

// DefaultExpiryDelta is how long before its Expiry a token stops being
// handed out, as in golang.org/x/oauth2 (whose Token.Valid uses 10 s).
const DefaultExpiryDelta = 10 * time.Second

// TokenSourceOptions configures [NewTokenSource]. A nil *TokenSourceOptions
// means all defaults.
type TokenSourceOptions struct {
	// Context is used for every token request the source makes (for its
	// HTTP client, see oauth2.HTTPClient). Optional; default
	// context.Background().
	Context context.Context
	// Clock decides when a token has expired. Optional; nil means the real
	// clock. Tests inject a fake one (epictest.Clock).
	Clock Clock
}

// TokenSource caches the token of an underlying source and asks it for a new
// one when the cached token has expired. It is safe for concurrent use: at
// most one request to the underlying source is in flight, every caller who
// needs a new token waits on that one request, and each caller can give up
// through its own context (TokenContext) without cancelling the request for
// the others. The cached path takes no lock.
type TokenSource struct {
	src   oauth2.TokenSource
	ctx   context.Context
	clock Clock

	cur atomic.Pointer[oauth2.Token]

	mu     sync.Mutex
	flight *flight // the request in flight, or nil
}

// flight is one request to the underlying source, shared by all waiters.
type flight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

// NewTokenSource wraps src in a caching, de-duplicating TokenSource. Any
// oauth2.TokenSource can be wrapped; epic.Config.TokenSource and
// eos.Config.TokenSource return one already. Pass an initial token to start
// from with [TokenSource.SetToken].
func NewTokenSource(src oauth2.TokenSource, opts *TokenSourceOptions) *TokenSource {
	ts := &TokenSource{src: src, ctx: context.Background(), clock: RealClock()}
	if opts != nil {
		if opts.Context != nil {
			ts.ctx = opts.Context
		}
		ts.clock = ClockOrReal(opts.Clock)
	}
	return ts
}

// Token returns a valid token, fetching a new one if the cached one has
// expired. It implements oauth2.TokenSource.
func (s *TokenSource) Token() (*oauth2.Token, error) {
	return s.TokenContext(context.Background())
}

// TokenContext is Token with a context that bounds how long this caller
// waits. Cancelling ctx does not cancel a token request other callers share:
// a refresh that Epic may already have answered with a rotated refresh token
// is always completed and cached.
func (s *TokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	if tok := s.cur.Load(); s.valid(tok) {
		return tok, nil
	}
	f := s.start()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// SetToken replaces the cached token, for example with a token loaded from
// storage.
func (s *TokenSource) SetToken(tok *oauth2.Token) { s.cur.Store(tok) }

// Peek returns the cached token without checking or refreshing it; nil if
// there is none.
func (s *TokenSource) Peek() *oauth2.Token { return s.cur.Load() }

// start joins the request in flight or starts one.
func (s *TokenSource) start() *flight {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flight != nil {
		return s.flight
	}
	// A flight may have ended between the caller's look at the cache and
	// taking the lock: hand out its token instead of asking again.
	if tok := s.cur.Load(); s.valid(tok) {
		f := &flight{done: make(chan struct{}), tok: tok}
		close(f.done)
		return f
	}
	f := &flight{done: make(chan struct{})}
	s.flight = f
	go s.run(f)
	return f
}

func (s *TokenSource) run(f *flight) {
	var tok *oauth2.Token
	var err error
	if cs, ok := s.src.(ContextTokenSource); ok {
		tok, err = cs.TokenContext(s.ctx)
	} else {
		tok, err = s.src.Token()
	}
	if err == nil {
		s.cur.Store(tok)
	}
	f.tok, f.err = tok, err
	s.mu.Lock()
	s.flight = nil
	s.mu.Unlock()
	close(f.done)
}

// valid is oauth2.Token.Valid on this source's clock.
func (s *TokenSource) valid(tok *oauth2.Token) bool {
	if tok == nil || tok.AccessToken == "" {
		return false
	}
	return tok.Expiry.IsZero() || s.clock.Now().Before(tok.Expiry.Add(-DefaultExpiryDelta))
}

// NewClient returns an HTTP client that authorizes every request with a
// token from src. Unlike oauth2.NewClient it does not wrap src in a second
// cache (oauth2.ReuseTokenSource), which would judge expiry by the real clock
// instead of the source's. The client's transport comes from the
// *http.Client in ctx (oauth2.HTTPClient), else http.DefaultTransport.
func NewClient(ctx context.Context, src oauth2.TokenSource) *http.Client {
	base := http.DefaultTransport
	if ctx != nil {
		if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && c != nil && c.Transport != nil {
			base = c.Transport
		}
	}
	return &http.Client{Transport: &oauth2.Transport{Source: src, Base: base}}
}

package epicoauth

import (
	"context"
	"errors"
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

// TokenFrom asks src for a token under ctx: through TokenContext when src is
// a ContextTokenSource, else through Token. A source that returns neither a
// token nor an error gets an error, never a nil token.
func TokenFrom(ctx context.Context, src oauth2.TokenSource) (*oauth2.Token, error) {
	if cs, ok := src.(ContextTokenSource); ok {
		return gotToken(cs.TokenContext(ctx))
	}
	return gotToken(src.Token())
}

// gotToken passes on a source's answer, with an error in place of a nil
// token without one.
func gotToken(tok *oauth2.Token, err error) (*oauth2.Token, error) {
	if err == nil && tok == nil {
		err = errors.New("epicoauth: the token source returned neither a token nor an error")
	}
	return tok, err
}

// DefaultExpiryDelta is how long before its Expiry a token stops being
// handed out unless TokenSourceOptions.ExpiryDelta says otherwise, as in
// golang.org/x/oauth2 (whose Token.Valid uses 10 s).
const DefaultExpiryDelta = 10 * time.Second

// ErrClosed is returned by a closed [TokenSource] that would need a new
// token. A closed source still hands out its cached token while it is valid.
var ErrClosed = errors.New("epicoauth: token source is closed")

// TokenSourceOptions configures [NewTokenSource]. A nil *TokenSourceOptions
// means all defaults.
type TokenSourceOptions struct {
	// Optional. Context carries the values, chiefly the HTTP client
	// (oauth2.HTTPClient), of every token request the source makes. Only
	// its values are kept (context.WithoutCancel): the source outlives the
	// call that built it, so cancelling Context, or its deadline passing,
	// does not stop the source; Close does. Nor is it the context of any
	// one caller: a caller who gives up (TokenContext) never cancels a
	// request that others share. Default context.Background().
	Context context.Context

	// Optional. Clock decides when a token has expired and when a retry is
	// due. The source only reads Now: it never calls Sleep, so a fake clock
	// moves only when the test moves it. Nil means the real clock.
	Clock Clock

	// Optional. EarlyRefresh is how long before the end of a token's usable
	// life (Expiry − ExpiryDelta) the source starts renewing it in the
	// background while it keeps handing out the old token. Zero means a
	// tenth of the token's lifetime, at most 5 minutes. Whatever its value,
	// the window opens only once half of the token's usable life (as it
	// was when the token arrived) has passed, and at least 1 s after the
	// token arrived, so a source never renews in a loop. A negative value
	// turns early refresh off: callers wait for the renewal when the token
	// runs out, as with oauth2.ReuseTokenSource.
	EarlyRefresh time.Duration

	// Optional. ExpiryDelta is how long before its Expiry a token stops
	// being handed out, as the earlyExpiry of x/oauth2's
	// ReuseTokenSourceWithExpiry and the ExpireEarly of
	// cloud.google.com/go/auth: a margin for clock skew and for the time a
	// request takes to reach the API. Zero means DefaultExpiryDelta (10 s);
	// a negative value means none (a token is used until its Expiry). A
	// token that arrives with less than ExpiryDelta to live is handed out
	// until its Expiry instead, and one with less than a second of usable
	// life for a second (see TokenSource).
	ExpiryDelta time.Duration

	// Optional. Store receives every new token the source gets, before any
	// caller sees it, so that a rotated refresh token is saved before it is
	// used. A failed save is reported as a *SaveError (see OnError and
	// TokenSource.Err) and the token is kept. Tokens given to SetToken are
	// not saved: they usually come from the store.
	//
	// A Store that is a SharedTokenStore (FileStore, redisstore.Store)
	// makes the source one member of a fleet of processes on one account:
	// every renewal takes the store's lease, adopts a newer token another
	// holder saved instead of sending a request, or renews from the newest
	// stored refresh token and saves it by compare-and-set (see
	// SharedTokenStore). Only renewals, which already run in the
	// background, wait for the lease: a valid token is served as fast as
	// without a store. When the lease cannot be had (the store is down, a
	// holder hangs past LeaseTimeout) the source renews on its own and
	// reports a *LeaseError; the token in memory is never lost.
	Store TokenStore

	// Optional. LeaseTimeout bounds how long a renewal waits for the lease
	// of a SharedTokenStore before it renews without it. Default
	// DefaultLeaseTimeout (2 min).
	LeaseTimeout time.Duration

	// Optional. OnError is called with the error of every failed token
	// request, every failed save (*SaveError) and every optional field a
	// new token was kept without (*MalformedFieldError), on the goroutine
	// that made the request; it must return quickly. Use it to log renewals that fail
	// while callers still get a valid token. TokenSource.Err reports the
	// same state on demand.
	OnError func(err error)
}

// TokenSource caches the token of an underlying source and renews it before
// it runs out. It is safe for concurrent use and is built for many callers:
//
//   - A valid token is returned with one atomic load and no lock, without
//     allocating.
//   - Every token it returns is valid on its Clock: its usable life ends
//     ExpiryDelta (TokenSourceOptions; default DefaultExpiryDelta, as
//     oauth2.Token.Valid) before Expiry. One exception: a token that
//     arrives with less than ExpiryDelta to live (a 1 s or 5 s token from
//     a test server, say) is still the best token there is, so the callers
//     who waited for it get it, and it is handed out until its Expiry and
//     renewed by the first call after that; one with less than a second of
//     usable life is likewise handed out for a second, with what remains
//     of the margin.
//   - Renewals never come in a loop, whatever the lifetime and options: a
//     new token is renewed no sooner than half its usable life after it
//     arrived, and never sooner than 1 s after. (A token that lives under
//     a second leaves a gap until that second is over; callers in it get
//     an error, without a request.)
//   - When a token enters its early-refresh window (see
//     TokenSourceOptions.EarlyRefresh) the first caller starts one request
//     in the background and every caller keeps getting the still-valid
//     token. Only once the token's usable life is over do callers wait, all
//     on the same single request, each able to give up through its own
//     context (TokenContext). A caller who gives up never cancels that request: a
//     refresh that Epic may already have answered with a rotated refresh
//     token always completes and is cached and saved.
//   - A failed background refresh is retried after a backoff of 1 s, 2 s,
//     4 s ... (at most 1 min, longer if the error's RetryAfter says so)
//     while the old token is valid. The retry is not on a timer: the first
//     call after the backoff starts it, in the background like any early
//     refresh, so a source runs no goroutine while idle and a fake Clock in
//     tests is never moved by the library. Once the old token is no longer
//     valid, callers get the last error without a new request until the
//     backoff is over, so a failing endpoint sees at most one request per
//     backoff, never a storm. OnError and Err make the failures visible.
//   - An error matching ErrLoginRequired stops all requests: callers get it
//     once the cached token is no longer valid, until SetToken gives the
//     source a new token or Retry is called.
//   - A corrective action (ErrorCodeCorrectiveActionRequired: Epic wants
//     the person to accept a EULA or the like) also matches
//     ErrLoginRequired, but only pauses the source: once the person has
//     acted, the same device auth or refresh token works again. The source
//     retries after 5 min, doubling up to 1 h, with callers getting the
//     error in between without a request. Call Retry to try again at once,
//     for example when the person says they are done.
//   - With a SharedTokenStore as its Store, sources in many processes share
//     one session: a renewal waits for the store's lease (in the
//     background; callers of a valid token never wait for it), adopts a
//     token another holder saved meanwhile without sending anything, or
//     renews from the newest stored refresh token and saves by
//     compare-and-set. A refresh token rejected as invalid makes the source
//     read the store once more before it logs in again: another holder may
//     have rotated it.
//
// Its only goroutine is a request in flight, which ends with the request;
// Close stops further requests and waits for it. A source that is dropped
// without Close leaves nothing running once its request has ended.
type TokenSource struct {
	e *engine
}

// NewTokenSource wraps src in a caching, early-refreshing TokenSource. Any
// oauth2.TokenSource can be wrapped; when src implements
// [ContextTokenSource], requests run under TokenSourceOptions.Context.
// epic.Config.TokenSource and eos.Config.TokenSource return one already.
// Pass an initial token to start from with [TokenSource.SetToken].
//
// Wrap a source that makes a request on every call. A source that caches
// (oauth2.Config.TokenSource does) hands back its cached token until that
// expires by the real clock, so early refresh cannot happen; the
// TokenSource notices and renews at expiry instead.
func NewTokenSource(src oauth2.TokenSource, opts *TokenSourceOptions) *TokenSource {
	if opts == nil {
		opts = &TokenSourceOptions{}
	}
	return &TokenSource{e: newEngine(src, opts)}
}

// Token returns a valid token, renewing it as described on [TokenSource].
// It implements oauth2.TokenSource.
func (s *TokenSource) Token() (*oauth2.Token, error) {
	return s.TokenContext(context.Background())
}

// TokenContext is Token with a context that bounds how long this caller
// waits when it must wait for a new token. Cancelling ctx does not cancel a
// token request other callers share.
func (s *TokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	if c := s.e.cur.Load(); c != nil && s.e.clock.Now().Before(c.refreshAt) {
		return c.tok, nil
	}
	return s.e.token(ctx)
}

// SetToken replaces the cached token, for example with a token loaded from
// a TokenStore, and clears a previous failure (ErrLoginRequired included).
// The token is not saved to the Store. SetToken(nil) drops the cached
// token, so the next call waits for a new one; to restart a stopped or
// backing-off source while keeping its token, use Retry.
func (s *TokenSource) SetToken(tok *oauth2.Token) { s.e.set(tok) }

// Retry restarts a source that failed: it forgets past failures and their
// backoff, a corrective action's and ErrLoginRequired included, so the next
// call that needs a token makes a request at once. A cached token is kept:
// it is still handed out while valid, and its renewal, which the failures
// had put off, starts with the next call. Call it once whatever stopped the
// source is fixed, typically when the person has acted on a corrective
// action (Error.ContinuationURL). A source that has not failed is
// unchanged; a closed source stays closed.
func (s *TokenSource) Retry() { s.e.retry() }

// Peek returns the cached token without checking or refreshing it; nil if
// there is none.
func (s *TokenSource) Peek() *oauth2.Token {
	if c := s.e.cur.Load(); c != nil {
		return c.tok
	}
	return nil
}

// Err returns the error of the last token request if it failed, else a
// *SaveError if the last new token could not be saved, or a *LeaseError if
// a SharedTokenStore could not coordinate the renewal that got it, else
// nil. Use it in a health check: a non-nil Err while Token still succeeds
// means renewal (or the store) is failing and the source lives on its
// cached token.
func (s *TokenSource) Err() error { return s.e.err() }

// Close stops the source's background work: no request is started any
// more, so a pending retry is dropped too. A request in flight is allowed to
// finish, and its token is cached and saved, because Epic may already have
// rotated the refresh token; Close returns when it has. Afterwards the
// cached token is still returned while valid, and ErrClosed once it is not.
func (s *TokenSource) Close() { s.e.close() }

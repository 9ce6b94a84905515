package epicoauth

import (
	"context"
	"errors"
	"time"

	"golang.org/x/oauth2"
)

// SessionRenewer is a token source that renews a session step by step: a
// refresh from a token the caller chooses, and a login with the source's
// grant. A [TokenSource] whose Store is a [SharedTokenStore] uses it to
// renew from the newest token any holder saved, and to look at the store
// again before it logs in. The sources of package epic implement it; a
// source without it is asked for a token as usual (a generic
// oauth2.TokenSource renews from its own refresh token, so in a fleet it
// can only adopt what others saved).
type SessionRenewer interface {
	oauth2.TokenSource

	// RefreshFrom refreshes the session of tok with tok's refresh token and
	// returns the new token, which later requests of the source continue
	// from. It never runs the grant: an error matching ErrLoginRequired
	// means tok's refresh token is missing, expired or was rejected.
	RefreshFrom(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error)

	// Login runs the source's grant if it may run (it is repeatable, or it
	// has not been used yet) and returns the new token. Otherwise it
	// returns an error matching ErrLoginRequired that wraps cause, the
	// reason a login is needed (nil for none).
	Login(ctx context.Context, cause error) (*oauth2.Token, error)

	// CheckToken returns an error when tok, found in the shared store,
	// belongs to another session than the source's (another client's or
	// another account's: a store shared by mistake), and nil when the
	// source may adopt or refresh it. A foreign token is treated as
	// absent, and the source's next save replaces it.
	CheckToken(tok *oauth2.Token) error
}

// LeaseError reports that a [SharedTokenStore] could not coordinate a
// renewal: its lease could not be taken within
// TokenSourceOptions.LeaseTimeout, or the stored token could not be loaded
// or the lease released. The source then renewed on its own, from the
// newest token it could see, and saved with a plain Save: the fleet keeps
// working, possibly with one extra token request. Find it with errors.As in
// TokenSourceOptions.OnError or from [TokenSource.Err].
type LeaseError struct {
	Err error
}

// Error says that coordination failed and why.
func (e *LeaseError) Error() string {
	return "epicoauth: coordinating the renewal through the shared store failed (renewed without it): " + e.Err.Error()
}

// Unwrap returns the store's error.
func (e *LeaseError) Unwrap() error { return e.Err }

// DefaultLeaseTimeout is how long a renewal waits for a [SharedTokenStore]'s
// lease when TokenSourceOptions.LeaseTimeout is zero. It is longer than the
// holder's renewal can take with the default client and RetryPolicy (a
// refresh of at most 30 s, a throttled one waited out for up to 60 s, a
// login's three attempts of 30 s each), because a waiter that gives up
// renews on its own with the refresh token the holder is already using, and
// one of the two is rejected; and short enough that a fleet whose lease
// holder hangs (a stopped process keeps its file lock) goes on without it.
// The wait runs in the background: callers of a valid token never see it.
const DefaultLeaseTimeout = 2 * time.Minute

// renewal is the outcome of one renewal: a token or an error, and any
// trouble with the store, which is reported but never fails the renewal.
type renewal struct {
	tok      *oauth2.Token
	err      error
	storeErr error
	// storeDone says the renewal dealt with the store itself (a shared
	// store: tok was adopted from it or saved, or the failure is in
	// storeErr); otherwise the caller saves tok.
	storeDone bool
}

// renew gets the next token. With a SharedTokenStore it takes turns with
// the other holders; otherwise it asks the source.
func (e *engine) renew(mine *oauth2.Token) renewal {
	if ss, ok := e.store.(SharedTokenStore); ok {
		return e.renewShared(ss, mine)
	}
	tok, err := e.fetch()
	return renewal{tok: tok, err: err}
}

// renewShared renews under the store's lease: adopt a newer token that
// another holder saved, else renew from the newest refresh token and save
// with a compare-and-set on the generation loaded. mine is the cached
// token, nil for none.
func (e *engine) renewShared(ss SharedTokenStore, mine *oauth2.Token) (r renewal) {
	r.storeDone = true
	l, err := e.lease(ss)
	if err != nil {
		if e.stop.Err() != nil {
			r.err = ErrClosed
			return r
		}
		// Without the lease the fleet still has to work: renew from the
		// newest token in sight and save plainly. A holder fenced by
		// that save adopts it.
		r.storeErr = &LeaseError{Err: err}
		l = unleased{ss, e.leaseTimeout}
	}
	defer func() {
		if err := l.Release(e.ctx); err != nil {
			r.storeErr = errors.Join(r.storeErr, &LeaseError{Err: err})
		}
	}()

	stored, gen, err := e.load(l, &r)
	if err != nil {
		r.storeErr = errors.Join(r.storeErr, &LeaseError{Err: err})
		stored = nil
	}
	if e.adoptable(stored, mine) {
		e.gen = gen
		r.tok = stored
		return r
	}
	base := mine
	if e.newer(stored, gen, mine) {
		base = stored
	}
	tok, err := e.refreshFrom(base)
	if errors.Is(err, ErrLoginRequired) && base != nil {
		// Another holder may have rotated base's refresh token: one whose
		// lease lapsed, or one that renewed without the lease. Look once
		// more before logging in.
		again, gen2, lerr := e.load(l, &r)
		if lerr == nil && again != nil && again.AccessToken != base.AccessToken {
			if e.adoptable(again, mine) {
				e.gen = gen2
				r.tok = again
				return r
			}
			gen = gen2
			if _, ok := e.src.(SessionRenewer); ok {
				tok, err = e.refreshFrom(again)
			}
		}
		if errors.Is(err, ErrLoginRequired) {
			tok, err = e.login(err)
		}
	}
	if err != nil {
		r.err = err
		return r
	}
	r.tok = tok
	e.saveShared(l, &r, gen)
	return r
}

// saveShared saves r.tok if the store still holds generation gen. A lost
// compare-and-set means another holder saved meanwhile (this one's lease
// ran out, or it renewed without one): its token is adopted when usable,
// so the fleet stays on one session; otherwise r.tok is saved over it.
func (e *engine) saveShared(l StoreLease, r *renewal, gen uint64) {
	next, err := l.SaveIf(e.ctx, r.tok, gen)
	if errors.Is(err, ErrStaleGeneration) {
		var stored *oauth2.Token
		stored, gen, err = e.load(l, r)
		if err == nil && e.usable(stored) {
			e.gen = gen
			r.tok = stored
			return
		}
		if err == nil {
			next, err = l.SaveIf(e.ctx, r.tok, gen)
		}
	}
	if err != nil {
		r.storeErr = errors.Join(r.storeErr, &SaveError{Err: err})
		return
	}
	e.gen = next
}

// load loads the stored token under l. A token of another session, which
// only a fleet misconfigured to share one store holds, counts as absent:
// it is neither adopted nor refreshed, the next save replaces it, and why
// is reported with the renewal's store errors.
func (e *engine) load(l StoreLease, r *renewal) (*oauth2.Token, uint64, error) {
	tok, gen, err := l.Load(e.ctx)
	if sr, ok := e.src.(SessionRenewer); ok && err == nil && tok != nil {
		if cerr := sr.CheckToken(tok); cerr != nil {
			r.storeErr = errors.Join(r.storeErr, cerr)
			tok = nil
		}
	}
	return tok, gen, err
}

// lease takes the store's lease, waiting at most the lease timeout, and no
// longer than until Close.
func (e *engine) lease(ss SharedTokenStore) (StoreLease, error) {
	ctx, cancel := context.WithTimeout(e.ctx, e.leaseTimeout)
	defer cancel()
	stop := context.AfterFunc(e.stop, cancel)
	defer stop()
	return ss.Lease(ctx)
}

// refreshFrom renews base's session (logs in when base is nil). A source
// that is not a SessionRenewer renews its own way.
func (e *engine) refreshFrom(base *oauth2.Token) (*oauth2.Token, error) {
	sr, ok := e.src.(SessionRenewer)
	switch {
	case !ok:
		return e.fetch()
	case base == nil:
		return gotToken(sr.Login(e.ctx, nil))
	}
	return gotToken(sr.RefreshFrom(e.ctx, base))
}

// login runs the source's grant after cause; a source that is not a
// SessionRenewer has already done what it could.
func (e *engine) login(cause error) (*oauth2.Token, error) {
	if sr, ok := e.src.(SessionRenewer); ok {
		return gotToken(sr.Login(e.ctx, cause))
	}
	return nil, cause
}

// adoptable reports whether stored is another holder's token that can be
// served as it is: not ours, and not yet due for renewal.
func (e *engine) adoptable(stored, mine *oauth2.Token) bool {
	if stored == nil || (mine != nil && stored.AccessToken == mine.AccessToken) {
		return false
	}
	now := e.clock.Now()
	c := e.entry(stored, now, fromSetToken)
	return now.Before(c.refreshAt)
}

// usable reports whether tok can still be handed out.
func (e *engine) usable(tok *oauth2.Token) bool {
	now := e.clock.Now()
	return tok != nil && now.Before(e.entry(tok, now, fromSetToken).validTo)
}

// newer reports whether the stored token (at generation gen) is newer than
// mine, so that renewing must start from its refresh token. A generation
// past the one this source last saw says so; without generations on both
// sides (a store loaded without the lease, a source that never saw the
// store) the later expiry does.
func (e *engine) newer(stored *oauth2.Token, gen uint64, mine *oauth2.Token) bool {
	switch {
	case stored == nil:
		return false
	case mine == nil || stored.AccessToken == mine.AccessToken:
		return true
	case gen != 0 && e.gen != 0:
		return gen > e.gen
	}
	return stored.Expiry.After(mine.Expiry)
}

// unleased serves a SharedTokenStore whose lease could not be taken through
// the StoreLease methods: plain Load and Save, generation unknown, each
// bounded by the lease timeout (a store's Save may wait for the lease that
// a hung holder keeps).
type unleased struct {
	s       TokenStore
	timeout time.Duration
}

func (u unleased) Load(ctx context.Context) (*oauth2.Token, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, u.timeout)
	defer cancel()
	tok, err := u.s.Load(ctx)
	return tok, 0, err
}

func (u unleased) SaveIf(ctx context.Context, tok *oauth2.Token, _ uint64) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, u.timeout)
	defer cancel()
	return 0, u.s.Save(ctx, tok)
}

func (unleased) Release(context.Context) error { return nil }

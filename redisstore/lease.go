package redisstore

import (
	"context"
	"crypto/rand"

	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/redact"
)

// Lease takes the renewal lease: SET LeaseKey() owner NX PX LeaseTTL with
// a random owner value, asked again every Options.PollInterval while
// another process holds it, until ctx is done (then it returns ctx's
// error). While the lease is held, a goroutine renews it every LeaseTTL/3
// with a script that checks the owner; Release stops it and deletes the
// lease, again only if this holder still owns it. A holder that dies keeps
// the others waiting for at most LeaseTTL.
//
// The lease is what keeps the fleet from renewing twice at once; what keeps
// a holder whose lease ran out (a paused VM, a long stall) from overwriting
// a newer token is the generation check of SaveIf.
func (s *Store) Lease(ctx context.Context) (epicoauth.StoreLease, error) {
	owner := rand.Text() // 128 random bits
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ok, err := s.client.SetNX(ctx, s.leaseKey, owner, s.leaseTTL).Result()
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				// The SET may have reached Redis before ctx ended: give
				// back the lease this call may hold, or the fleet would
				// wait for it to expire.
				_ = s.release(ctx, owner)
				return nil, ctxErr
			}
			return nil, s.fail("lease", s.leaseKey, err)
		}
		if ok {
			return s.hold(ctx, owner), nil
		}
		if err := s.sleep(ctx, s.pollInterval); err != nil {
			return nil, err
		}
	}
}

// lease is a held renewal lease.
type lease struct {
	store *Store
	owner string // the random value in the lease key; never printed

	stop     context.CancelFunc
	renewing chan struct{} // closed when the renewal goroutine has ended
	once     sync.Once
	err      error // Release's result
}

// hold starts renewing the lease that owner just took.
func (s *Store) hold(ctx context.Context, owner string) *lease {
	// The renewals outlive the Lease call: keep ctx's values (trace ids),
	// not its deadline.
	renewCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	l := &lease{store: s, owner: owner, stop: stop, renewing: make(chan struct{})}
	go l.renewLoop(renewCtx)
	return l
}

// renewLoop extends the lease every LeaseTTL/3 until Release or until the
// lease turns out to belong to someone else. A failed renewal (Redis
// unreachable for a moment) is tried again at the next turn: two more
// turns fit in the TTL.
func (l *lease) renewLoop(ctx context.Context) {
	defer close(l.renewing)
	every := l.store.leaseTTL / 3
	for {
		if l.store.sleep(ctx, every) != nil {
			return
		}
		held, err := l.renew(ctx, every)
		if err == nil && !held {
			return
		}
	}
}

// renew extends the lease to a full TTL if this holder still owns it,
// waiting at most timeout for Redis.
func (l *lease) renew(ctx context.Context, timeout time.Duration) (held bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	n, err := renewScript.Run(ctx, l.store.client, []string{l.store.leaseKey}, l.owner, l.store.leaseTTL.Milliseconds()).Int64()
	if err != nil {
		return false, l.store.fail("renew lease", l.store.leaseKey, err)
	}
	return n == 1, nil
}

// Load returns the stored token and its generation (0 when nothing is
// stored).
func (l *lease) Load(ctx context.Context) (*oauth2.Token, uint64, error) {
	return l.store.load(ctx)
}

// SaveIf stores tok if the stored generation is still generation, with one
// script, and returns the new generation. Otherwise it returns an error
// matching epicoauth.ErrStaleGeneration. It does not check that the lease
// is still held: a holder whose lease ran out but whose generation is still
// the stored one has the newest token, which must not be thrown away.
func (l *lease) SaveIf(ctx context.Context, tok *oauth2.Token, generation uint64) (uint64, error) {
	return l.store.saveIf(ctx, tok, generation)
}

// Release stops the renewals and deletes the lease if this holder still
// owns it. Calling it again does nothing and returns the first result. If
// Redis cannot be reached the lease expires by itself after LeaseTTL.
//
// Release goes on when ctx is already done (it keeps ctx's values, and
// waits at most LeaseTTL/3 for Redis): a holder whose caller gave up must
// still hand the lease on, or the whole fleet would wait for it to expire.
func (l *lease) Release(ctx context.Context) error {
	l.once.Do(func() {
		l.stop()
		<-l.renewing
		l.err = l.store.release(ctx, l.owner)
	})
	return l.err
}

// release deletes the lease if owner still holds it. It goes on when ctx
// is done (keeping ctx's values) and waits at most LeaseTTL/3 for Redis.
func (s *Store) release(ctx context.Context, owner string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.leaseTTL/3)
	defer cancel()
	if err := releaseScript.Run(ctx, s.client, []string{s.leaseKey}, owner).Err(); err != nil {
		return s.fail("release lease", s.leaseKey, err)
	}
	return nil
}

// String names the lease's key, never its owner value (which would let
// anyone release it).
func (l *lease) String() string {
	return fmt.Sprintf("redisstore lease %q", l.store.leaseKey)
}

// Format makes every fmt verb print String.
func (l *lease) Format(f fmt.State, verb rune) { redact.Format(f, verb, l.String()) }

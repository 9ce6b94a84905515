package epicoauth

import (
	"context"
	"errors"

	"golang.org/x/oauth2"
)

// SharedTokenStore is a [TokenStore] that several processes or replicas
// share: one Epic session for the whole fleet instead of one per process.
//
// Epic rotates the refresh token on every refresh, so two holders that
// refresh from the same refresh token at once lose: Epic answers the first
// and rejects the second, whose owner then needs a new login (or quietly
// makes a second session). A [TokenSource] whose Store implements
// SharedTokenStore therefore takes turns with the other holders. Before
// every renewal it takes the store's lease, loads the stored token and,
// when another holder already saved a newer token that is still usable,
// adopts it and sends nothing. Otherwise it renews from the newest stored
// refresh token, saves the result with a compare-and-set on the generation
// it loaded, and releases the lease. (Only when the lease cannot be had
// does it renew without it, and it reports a [LeaseError].) The renewal
// decision lives in the engine, once; a store only provides the lease and
// the compare-and-set.
//
// Why a lease plus compare-and-set rather than a read-modify-write Update:
// a renewal is a network request that can take seconds (retries included),
// and no store can hold a transaction open that long across processes. The
// lease makes the fleet take turns; the generation fences a holder whose
// lease ran out while it was paused (a stopped VM, a long GC, a slow Epic):
// its save is refused and it adopts what is stored instead of overwriting a
// newer token.
//
// [FileStore] implements it for processes on one machine (an OS lock on a
// sidecar file); package github.com/epicoauth/epicoauth/redisstore for
// processes on many machines.
type SharedTokenStore interface {
	TokenStore

	// Lease takes the store's renewal lease, waiting while another holder
	// has it, until ctx is done (then it returns ctx's error). The store
	// keeps the lease alive while it is held, so it outlasts any token
	// request, and a holder that crashes loses it by itself (a process's
	// OS file lock ends with the process; a Redis lease expires after its
	// TTL). Errors other than ctx's are the store's own (Redis down, a
	// directory that cannot be written).
	Lease(ctx context.Context) (StoreLease, error)
}

// StoreLease is a renewal lease held on a [SharedTokenStore]. It is used by
// one goroutine, the one renewing.
type StoreLease interface {
	// Load returns the stored token and its generation: a number the store
	// increases on every save. Nothing saved yet is a nil token and
	// generation 0.
	Load(ctx context.Context) (tok *oauth2.Token, generation uint64, err error)

	// SaveIf stores tok if the stored generation is still generation (the
	// one Load returned) and returns the new generation. When another
	// holder saved meanwhile it stores nothing and returns an error
	// matching [ErrStaleGeneration]; the caller then adopts what is stored.
	SaveIf(ctx context.Context, tok *oauth2.Token, generation uint64) (uint64, error)

	// Release gives the lease up, if this holder still has it. Calling it
	// again does nothing.
	Release(ctx context.Context) error
}

// ErrStaleGeneration is returned by [StoreLease.SaveIf] when the stored
// token changed after it was loaded: another holder renewed first, so the
// token at hand is not the newest and must not replace the stored one.
var ErrStaleGeneration = errors.New("epicoauth: the stored token changed since it was loaded")

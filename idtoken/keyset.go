package idtoken

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/wire"
)

// RefetchCooldown is the least time between two fetches of one Verifier's
// key set. A token whose kid is not in the cached set makes the Verifier
// fetch the set again, since Epic rotates keys; within the cooldown of the
// last fetch it fails with ErrUnknownKey at once instead, so a stream of
// tokens with made-up kids (or forged signatures) costs Epic at most one
// request a minute.
const RefetchCooldown = time.Minute

// fetchTimeout bounds one fetch of a key set, which every verification
// that needs it waits on (each only as long as its own context allows).
const fetchTimeout = 30 * time.Second

// errCoolingDown is what go-oidc's fetch gets while RefetchCooldown holds.
var errCoolingDown = errors.New("idtoken: key set fetched less than RefetchCooldown ago")

// keySet is one kind's key set: go-oidc's RemoteKeySet, which parses,
// caches and verifies, and shares one in-flight fetch among concurrent
// verifications while each waits on its own context. go-oidc fetches on
// every unknown kid and every bad signature; keySet is the HTTP transport of
// that fetch, so it lets at most one through per RefetchCooldown, sends it
// through the library's one HTTP path (client from the context, 1 MiB
// limit, no plain http beyond loopback, Epic's errors parsed), and notes the
// kids each fetched set holds.
type keySet struct {
	url     string
	clock   epicoauth.Clock
	httpCtx context.Context // carries the caller's HTTP client; never cancelled
	remote  *oidc.RemoteKeySet

	mu        sync.Mutex
	started   int       // fetches started
	ended     int       // fetches ended
	fetching  bool      // one is in flight
	lastFetch time.Time // when the last one started
	lastErr   error     // why the last one failed, nil if it did not
	kids      map[string]bool
}

func newKeySet(ctx context.Context, url string, clock epicoauth.Clock) *keySet {
	k := &keySet{url: url, clock: clock, httpCtx: context.WithoutCancel(ctx)}
	k.remote = oidc.NewRemoteKeySet(oidc.ClientContext(k.httpCtx, &http.Client{Transport: k}), url)
	return k
}

// verify checks raw's signature, whose header names kid, and returns the
// payload.
func (k *keySet) verify(ctx context.Context, raw, kid string) ([]byte, error) {
	for tries := 1; ; tries++ {
		a := k.admit(kid)
		if !a.known && !a.due && !a.fetching {
			// Asking go-oidc would only fail later.
			return nil, k.unknown(kid)
		}
		payload, err := k.remote.VerifySignature(ctx, raw)
		if err == nil && k.has(kid) {
			return payload, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("idtoken: waiting for Epic's key set: %w", ctx.Err())
		}
		if k.stale(a) && tries < maxStaleTries {
			runtime.Gosched()
			continue
		}
		var fe *fetchError
		switch {
		case err == nil:
			// Verified by a key the last fetch no longer lists.
			return nil, k.unknown(kid)
		case k.has(kid):
			return nil, fmt.Errorf("%w (kid %s)", ErrBadSignature, quote(kid))
		case errors.As(err, &fe):
			return nil, fmt.Errorf("%w: %w", ErrKeySetUnavailable, fe.err)
		default:
			return nil, k.unknown(kid)
		}
	}
}

// maxStaleTries bounds verify's retries past a stale fetch result.
const maxStaleTries = 100

// admission is what verify sees of the key set before it asks go-oidc.
type admission struct {
	known    bool // kid is in the last set fetched
	due      bool // a fetch may start now
	fetching bool // a fetch is in flight, to be shared
	started  int  // fetches started so far
	ended    int  // fetches ended so far
}

func (k *keySet) admit(kid string) admission {
	k.mu.Lock()
	defer k.mu.Unlock()
	return admission{known: k.kids[kid], due: k.dueLocked(), fetching: k.fetching, started: k.started, ended: k.ended}
}

// stale reports whether go-oidc's answer to a call admitted as a may be
// from before the key set it should have used. go-oidc replaces its cache
// and forgets its finished fetch an instant after the fetch ends, and in
// that instant it verifies from the old cache or hands the finished
// fetch's result to newcomers. Its answer is stale if a fetch ended during
// the call (the call may have read the cache before), or if a fetch was
// due and none has started since (the call got an older fetch's result,
// as when a fake clock jumps past the cooldown). Asking again settles it.
func (k *keySet) stale(a admission) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.ended != a.ended || (a.due && k.started == a.started)
}

func (k *keySet) has(kid string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.kids[kid]
}

func (k *keySet) unknown(kid string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.unknownLocked(kid)
}

// unknownLocked is the error for a kid not in the set: ErrUnknownKey, or
// ErrKeySetUnavailable if the last fetch failed, since the key may exist.
func (k *keySet) unknownLocked(kid string) error {
	if k.lastErr != nil {
		return fmt.Errorf("%w (last fetch at %s): %w", ErrKeySetUnavailable, k.lastFetch.UTC().Format(time.RFC3339), k.lastErr)
	}
	return fmt.Errorf("%w (kid %s)", ErrUnknownKey, quote(kid))
}

// dueLocked reports whether a fetch may start now.
func (k *keySet) dueLocked() bool {
	return k.started == 0 || k.clock.Now().Sub(k.lastFetch) >= RefetchCooldown
}

// fetchError marks a fetch that was tried and failed, as opposed to one
// refused by the cooldown.
type fetchError struct{ err error }

func (e *fetchError) Error() string { return e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

// RoundTrip serves go-oidc's GET of the key set: refused within
// RefetchCooldown of the last one, else sent with wire.Do.
func (k *keySet) RoundTrip(req *http.Request) (*http.Response, error) {
	k.mu.Lock()
	if !k.dueLocked() {
		k.mu.Unlock()
		return nil, errCoolingDown
	}
	k.started, k.fetching, k.lastFetch = k.started+1, true, k.clock.Now()
	k.mu.Unlock()

	body, header, kids, err := k.fetch()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ended, k.fetching = k.ended+1, false
	if err != nil {
		k.lastErr = err
		return nil, &fetchError{err}
	}
	k.lastErr, k.kids = nil, kids
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}, nil
}

// fetch gets the key set and the kids it holds.
func (k *keySet) fetch() ([]byte, http.Header, map[string]bool, error) {
	ctx, cancel := context.WithTimeout(k.httpCtx, fetchTimeout)
	defer cancel()
	resp, err := wire.Do(ctx, &wire.Request{Method: http.MethodGet, URL: k.url, Clock: k.clock})
	if err != nil {
		return nil, nil, nil, err
	}
	kids, err := keptKids(resp.Body)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("idtoken: %s is not a JSON Web Key Set go-oidc can read: %w", k.url, err)
	}
	return resp.Body, resp.Header, kids, nil
}

// keptKids returns the kids of the keys go-oidc keeps from a key set, or
// the error for which it rejects the whole set, so that the kids noted here
// are those of go-oidc's cache. As go-oidc v3.21.0 does, it skips a key
// whose alg go-oidc does not support or whose type go-jose cannot read.
func keptKids(body []byte) (map[string]bool, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, err
	}
	kids := make(map[string]bool, len(set.Keys))
	for _, raw := range set.Keys {
		var meta struct {
			Alg string `json:"alg"`
		}
		if err := json.Unmarshal(raw, &meta); err != nil {
			return nil, err
		}
		if meta.Alg != "" && !goOIDCAlgs[meta.Alg] {
			continue
		}
		var key jose.JSONWebKey
		if err := key.UnmarshalJSON(raw); err != nil {
			if errors.Is(err, jose.ErrUnsupportedKeyType) {
				continue
			}
			return nil, err
		}
		kids[key.KeyID] = true
	}
	return kids, nil
}

// goOIDCAlgs are the key algorithms go-oidc keeps in a key set.
var goOIDCAlgs = map[string]bool{
	oidc.RS256: true, oidc.RS384: true, oidc.RS512: true, oidc.ES256: true, oidc.ES384: true,
	oidc.ES512: true, oidc.PS256: true, oidc.PS384: true, oidc.PS512: true, oidc.EdDSA: true,
}

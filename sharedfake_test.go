package epicoauth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

// sharedStore is an in-memory SharedTokenStore for tests: one token, its
// generation, one lease at a time, and faults to inject. Several
// TokenSources on one sharedStore behave like processes sharing a file or a
// Redis key.
type sharedStore struct {
	mu      sync.Mutex
	tok     *oauth2.Token
	gen     uint64
	holder  *memLease     // the lease in force, nil when free
	freed   chan struct{} // closed when the lease in force ends
	waiting chan struct{} // gets a value whenever Lease starts to wait

	// Faults: a non-nil error fails every call of that kind.
	leaseErr, loadErr, saveErr error
	// leaseDeadlines records whether each Lease call's ctx had a deadline.
	leaseDeadlines []bool
	saves          int // successful saves, plain and compare-and-set
}

func newSharedStore() *sharedStore { return &sharedStore{waiting: make(chan struct{}, 100)} }

// memLease is one holder's lease on a sharedStore.
type memLease struct{ s *sharedStore }

func (s *sharedStore) Load(ctx context.Context) (*oauth2.Token, error) {
	tok, _, err := s.load(ctx)
	return tok, err
}

func (s *sharedStore) load(context.Context) (*oauth2.Token, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loadErr != nil {
		return nil, 0, s.loadErr
	}
	return s.tok, s.gen, nil
}

// Save is the plain save of TokenStore: like FileStore's, it waits while
// a lease is held (until ctx is done), then writes and moves the
// generation on.
func (s *sharedStore) Save(ctx context.Context, tok *oauth2.Token) error {
	for {
		s.mu.Lock()
		if s.saveErr != nil {
			defer s.mu.Unlock()
			return s.saveErr
		}
		if s.holder == nil {
			defer s.mu.Unlock()
			s.putLocked(tok)
			return nil
		}
		freed := s.freed
		s.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *sharedStore) putLocked(tok *oauth2.Token) {
	s.tok = tok
	s.gen++
	s.saves++
}

// put saves tok as another holder would.
func (s *sharedStore) put(tok *oauth2.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLocked(tok)
}

// stored returns the stored token and its generation.
func (s *sharedStore) stored() (*oauth2.Token, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok, s.gen
}

func (s *sharedStore) Lease(ctx context.Context) (StoreLease, error) {
	s.mu.Lock()
	_, hasDeadline := ctx.Deadline()
	s.leaseDeadlines = append(s.leaseDeadlines, hasDeadline)
	s.mu.Unlock()
	for {
		s.mu.Lock()
		if s.leaseErr != nil {
			defer s.mu.Unlock()
			return nil, s.leaseErr
		}
		if s.holder == nil {
			l := &memLease{s: s}
			s.holder, s.freed = l, make(chan struct{})
			s.mu.Unlock()
			return l, nil
		}
		freed := s.freed
		s.mu.Unlock()
		s.waiting <- struct{}{}
		select {
		case <-freed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// take takes the lease for the test itself, as another holder would.
func (s *sharedStore) take(t *testing.T) StoreLease {
	t.Helper()
	l, err := s.Lease(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// expire ends the lease in force as if its holder had paused past its TTL:
// the holder is not told, and its lease no longer protects it.
func (s *sharedStore) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endLocked()
}

func (s *sharedStore) endLocked() {
	if s.holder != nil {
		s.holder = nil
		close(s.freed)
	}
}

func (l *memLease) Load(ctx context.Context) (*oauth2.Token, uint64, error) { return l.s.load(ctx) }

func (l *memLease) SaveIf(_ context.Context, tok *oauth2.Token, gen uint64) (uint64, error) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.saveErr != nil {
		return 0, s.saveErr
	}
	if gen != s.gen {
		return 0, ErrStaleGeneration
	}
	s.putLocked(tok)
	return s.gen, nil
}

func (l *memLease) Release(context.Context) error {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.holder == l {
		s.endLocked()
	}
	return nil
}

var _ SharedTokenStore = (*sharedStore)(nil)

// scriptedRenewer is a scriptedSource that is also a SessionRenewer: each
// step arrives as a call whose kind says which it is.
type scriptedRenewer struct{ *scriptedSource }

func newScriptedRenewer() *scriptedRenewer { return &scriptedRenewer{newScriptedSource()} }

func (s *scriptedRenewer) RefreshFrom(ctx context.Context, from *oauth2.Token) (*oauth2.Token, error) {
	return s.ask(call{ctx: ctx, kind: "refresh", from: from})
}

func (s *scriptedRenewer) Login(ctx context.Context, cause error) (*oauth2.Token, error) {
	return s.ask(call{ctx: ctx, kind: "login", cause: cause})
}

// CheckToken refuses tokens whose access token starts with "foreign".
func (s *scriptedRenewer) CheckToken(tok *oauth2.Token) error {
	if strings.HasPrefix(tok.AccessToken, "foreign") {
		return errForeign
	}
	return nil
}

var errForeign = errors.New("another account's token")

var _ SessionRenewer = (*scriptedRenewer)(nil)

package epicoauth

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/secretfile"
)

// FileStore is a [TokenStore] that keeps one token in a JSON file, and a
// [SharedTokenStore]: the processes of one machine that share the file (a
// daemon and a cron job, replicas, a launcher and its helper) renew the
// session one at a time and never undo each other's refresh-token
// rotations. Use a *FileStore; its zero value with Path set is ready, and
// any number of FileStores, in any number of processes, may name one file.
//
// The file holds the form of [MarshalToken] plus a top-level "generation":
// a number that every save increases by one, which the lease's SaveIf
// compares. A file without it (written by an older version, or by hand with
// MarshalToken) counts as generation 1, and nothing saved as 0. The file gets
// permission 0600; missing directories are created with 0700.
//
// Crashes. A save writes a temporary file next to the file, flushes it to
// disk and renames it over the file, so a crash leaves the previous token or
// the new one, never half a file. A process killed between writing the
// temporary file and the rename leaves the newest token in that temporary
// file: the next Load, Save or lease finds it (it must decode and be newer
// than the file: a higher generation, or when a file has none, a later
// modification time), makes it the file and deletes the other leftovers.
//
// Locking. Save and a lease hold an exclusive lock: an in-process lock for
// the goroutines and FileStores of this process, and an OS lock
// (github.com/gofrs/flock) on the sidecar file <Path>.lock for other
// processes. The token file itself is never locked, since it is replaced by
// rename. The OS drops the lock of a process that dies, SIGKILL included, so
// a crashed holder never blocks the others. The lock file is left in place:
// deleting it while another process waits on it would let two holders in.
// Load reads without waiting for the lock.
//
// Path must name a regular file, or nothing yet: a named pipe, a device or a
// directory there is refused (the error matches [ErrNotRegularFile]) before
// it is opened, so Load never blocks.
type FileStore struct {
	// Path is the file's name.
	Path string
}

// Compile-time check that FileStore provides the coordination contract.
var _ SharedTokenStore = (*FileStore)(nil)

// ErrNotRegularFile is matched (errors.Is) by the error of FileStore and of
// epic.LoadDeviceAuth for a path that names a named pipe, a device, a
// socket or a directory instead of a regular file.
var ErrNotRegularFile = secretfile.ErrNotRegular

// maxTokenFile bounds what FileStore reads: a token with all of Epic's
// extras and an eg1 JWT is a few kilobytes.
const maxTokenFile = 1 << 20

// Load reads the saved token. A missing file means nothing is saved yet: it
// returns nil and no error. When a crashed save left a newer token in a
// temporary file and no one holds the lock, Load recovers it (see
// FileStore); while another holder has the lock, Load returns the file as
// it is without waiting.
func (s *FileStore) Load(ctx context.Context) (*oauth2.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if temps, _ := secretfile.Temps(s.Path); len(temps) > 0 {
		if l := tryLockFile(s.Path); l != nil {
			defer l.unlock()
			cur := s.newestLocked("")
			return cur.tok, cur.err
		}
	}
	f := readStoredFile(s.Path)
	return f.tok, f.err
}

// Save writes tok to the file, replacing what was there (a file that does
// not decode included) and increasing the generation. It waits for the
// lock while a lease is held, until ctx is done.
func (s *FileStore) Save(ctx context.Context, tok *oauth2.Token) error {
	if tok == nil {
		return errors.New("epicoauth: FileStore.Save: nil token")
	}
	l, err := lockFile(ctx, s.Path)
	if err != nil {
		return err
	}
	defer l.unlock()
	cur := s.newestLocked("")
	if cur.err != nil && !cur.corrupt {
		return cur.err
	}
	data, err := marshalToken(tok, cur.generation()+1)
	if err != nil {
		return err
	}
	if err := secretfile.Write(s.Path, data, 0o600); err != nil {
		return fmt.Errorf("epicoauth: saving token: %w", err)
	}
	return nil
}

// Lease takes the store's lock (see FileStore), waiting while another
// goroutine or process holds it, until ctx is done. Release it when done:
// until then every Save on the file waits. The lease has no time limit: it
// ends with Release or with the process (the OS drops the lock of a process
// that dies), so a process that is stopped, not dead, keeps it, and the
// others wait as long as their contexts allow.
func (s *FileStore) Lease(ctx context.Context) (StoreLease, error) {
	l, err := lockFile(ctx, s.Path)
	if err != nil {
		return nil, err
	}
	return &fileLease{store: s, lock: l}, nil
}

// String names the store's file.
func (s *FileStore) String() string { return "FileStore(" + s.Path + ")" }

// errLeaseReleased is returned by a released fileLease.
var errLeaseReleased = errors.New("epicoauth: FileStore lease used after Release")

// fileLease is FileStore's StoreLease: the lock, held.
type fileLease struct {
	store *FileStore

	mu   sync.Mutex // for a Release from another goroutine
	lock *fileLock  // nil once released
}

// Load returns the stored token and its generation, recovering a crashed
// save's token first.
func (l *fileLease) Load(ctx context.Context) (*oauth2.Token, uint64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lock == nil {
		return nil, 0, errLeaseReleased
	}
	cur := l.store.newestLocked("")
	if cur.err != nil {
		return nil, 0, cur.err
	}
	return cur.tok, cur.generation(), nil
}

// SaveIf saves tok as the next generation if the stored one is still
// generation. A file that does not decode counts as generation 0.
//
// The token is written to its temporary file before the stored generation
// is checked: a process killed from then on leaves it where the next
// holder recovers it (it is one generation ahead of the file), so the
// window in which a kill loses a renewed token ends as early as it can.
func (l *fileLease) SaveIf(ctx context.Context, tok *oauth2.Token, generation uint64) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lock == nil {
		return 0, errLeaseReleased
	}
	data, err := marshalToken(tok, generation+1)
	if err != nil {
		return 0, err
	}
	tmp, err := secretfile.WriteTemp(l.store.Path, data, 0o600)
	if err != nil {
		return 0, fmt.Errorf("epicoauth: saving token: %w", err)
	}
	cur := l.store.newestLocked(tmp.Name())
	if cur.err != nil && !cur.corrupt {
		tmp.Discard()
		return 0, cur.err
	}
	if got := cur.generation(); got != generation {
		tmp.Discard()
		return 0, fmt.Errorf("%w (%s holds generation %d, not %d)", ErrStaleGeneration, l.store, got, generation)
	}
	if err := tmp.Commit(); err != nil {
		return 0, fmt.Errorf("epicoauth: saving token: %w", err)
	}
	return generation + 1, nil
}

// Release gives the lock up.
func (l *fileLease) Release(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lock != nil {
		l.lock.unlock()
		l.lock = nil
	}
	return nil
}

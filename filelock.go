package epicoauth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// lockRetry is how often a FileStore waiting for its lock tries the OS lock
// again while another process holds it. Goroutines of one process wait on
// an in-process lock instead, without polling.
const lockRetry = 10 * time.Millisecond

// fileLock is a FileStore's exclusive lock on its path: an in-process lock
// that orders the goroutines and FileStores of this process, then an OS lock
// on the sidecar file <path>.lock that orders processes. The OS drops the
// latter when its process dies, however it dies. The token file itself is
// never locked: it is replaced by rename, and on Windows a locked file
// cannot be.
type fileLock struct {
	key   string
	local *localLock
	os    *flock.Flock // nil where the system has no file locks
}

// localLock is the in-process part: a one-slot semaphore, so that waiting
// for it can end with a context.
type localLock struct {
	slot chan struct{}
	refs int // guarded by localLocks.mu
}

// localLocks holds the in-process locks by absolute path, while in use.
// gofrs/flock's locks already exclude each other within one process on
// Linux, BSD, macOS and Windows (each Flock opens its own file), but not
// where it falls back to fcntl locks (AIX, Solaris), which belong to the
// process; and this way goroutines wait on a channel rather than poll.
var localLocks = struct {
	mu sync.Mutex
	m  map[string]*localLock
}{m: map[string]*localLock{}}

// lockFile takes the lock on path, waiting while another goroutine or
// process holds it until ctx is done (then it returns ctx's error). It
// creates path's directory (0700) and lock file (0600) if need be.
func lockFile(ctx context.Context, path string) (*fileLock, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l := newFileLock(path)
	select {
	case l.local.slot <- struct{}{}:
	case <-ctx.Done():
		l.unref()
		return nil, ctx.Err()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		l.unlock()
		return nil, fmt.Errorf("epicoauth: locking %s: %w", path, err)
	}
	_, err := l.os.TryLockContext(ctx, lockRetry)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			l.unlock()
			return nil, ctxErr
		}
		if err := l.osUnsupported(err); err != nil {
			l.unlock()
			return nil, err
		}
	}
	return l, nil
}

// tryLockFile takes the lock on path if nobody holds it, without waiting;
// it returns nil when the lock is taken. Unlike lockFile it creates
// nothing: it is for a directory that exists.
func tryLockFile(path string) *fileLock {
	l := newFileLock(path)
	select {
	case l.local.slot <- struct{}{}:
	default:
		l.unref()
		return nil
	}
	ok, err := l.os.TryLock()
	if err != nil && l.osUnsupported(err) == nil {
		return l
	}
	if !ok || err != nil {
		l.unlock()
		return nil
	}
	return l
}

func newFileLock(path string) *fileLock {
	key, err := filepath.Abs(path)
	if err != nil {
		key = filepath.Clean(path)
	}
	localLocks.mu.Lock()
	local := localLocks.m[key]
	if local == nil {
		local = &localLock{slot: make(chan struct{}, 1)}
		localLocks.m[key] = local
	}
	local.refs++
	localLocks.mu.Unlock()
	return &fileLock{
		key:   key,
		local: local,
		os:    flock.New(path+".lock", flock.SetPermissions(0o600)),
	}
}

// osUnsupported turns err into nil, and drops the OS lock, when the system
// has no file locks (Plan 9, js/wasm): there the in-process lock is all
// there is. Other errors are returned, named.
func (l *fileLock) osUnsupported(err error) error {
	if errors.Is(err, errors.ErrUnsupported) {
		l.os = nil
		return nil
	}
	return fmt.Errorf("epicoauth: locking %s: %w", l.os.Path(), err)
}

// unlock releases the OS lock (closing the lock file) and the in-process
// lock.
func (l *fileLock) unlock() {
	if l.os != nil {
		_ = l.os.Unlock()
	}
	<-l.local.slot
	l.unref()
}

// unref forgets the in-process lock once nobody holds or waits for it.
func (l *fileLock) unref() {
	localLocks.mu.Lock()
	defer localLocks.mu.Unlock()
	if l.local.refs--; l.local.refs == 0 {
		delete(localLocks.m, l.key)
	}
}

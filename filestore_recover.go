package epicoauth

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/secretfile"
)

// storedFile is what one file of a FileStore holds: the token file or a
// temporary file a save left behind.
type storedFile struct {
	path    string
	missing bool
	tok     *oauth2.Token
	gen     uint64 // as written; 0 when the file has none
	modTime time.Time
	err     error // the file could not be read or decoded
	corrupt bool  // err is a decoding error: the file is there, its content is not a token
}

// generation is the file's generation for SaveIf: nothing saved is 0, a
// token written without one 1, and a file that does not decode 0 (a save
// may replace it).
func (f storedFile) generation() uint64 {
	switch {
	case f.missing || f.err != nil:
		return 0
	case f.gen == 0:
		return 1
	}
	return f.gen
}

func readStoredFile(path string) storedFile {
	f := storedFile{path: path}
	data, info, err := secretfile.ReadStat(path, maxTokenFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f.missing = true
		return f
	case err != nil:
		f.err = fmt.Errorf("epicoauth: loading token: %w", err)
		return f
	}
	f.modTime = info.ModTime()
	f.tok, f.gen, err = unmarshalToken(data)
	if err != nil {
		f.err, f.corrupt = fmt.Errorf("%w (file %s)", err, path), true
	}
	return f
}

// newer reports whether the temporary file t holds a later token than f.
// Generations decide when both files carry one: FileStore writes them, one
// more on every save, and clears leftovers on every save, so they are
// exact. Otherwise (a file from an older version, a file that does not
// decode) the later modification time decides, and a tie keeps f: a
// temporary file is only ever written after the file it replaces.
func (t storedFile) newer(f storedFile) bool {
	switch {
	case f.missing:
		return true
	case t.gen != 0 && f.gen != 0 && f.err == nil:
		return t.gen > f.gen
	}
	return t.modTime.After(f.modTime)
}

// newestLocked returns the newest complete token of the store: the file's,
// or a crashed save's from a temporary file, which it then makes the file.
// Every other temporary file is deleted. The lock is held, so no save is in
// progress and every temporary file is a leftover, except pending: the
// caller's own save, which is neither read nor deleted.
//
// A file that cannot be read for another reason than its content (a
// permission, a named pipe) is returned as it is, leftovers untouched.
func (s *FileStore) newestLocked(pending string) storedFile {
	best := readStoredFile(s.Path)
	if best.err != nil && !best.corrupt {
		return best
	}
	temps, err := secretfile.Temps(s.Path)
	if err != nil {
		return best
	}
	for _, path := range temps {
		if path == pending {
			continue
		}
		if t := readStoredFile(path); t.err == nil && !t.missing && t.newer(best) {
			best = t
		}
	}
	for _, path := range temps {
		if path != best.path && path != pending {
			_ = os.Remove(path)
		}
	}
	if best.path != s.Path && secretfile.Promote(best.path, s.Path) == nil {
		best.path = s.Path
	}
	return best
}

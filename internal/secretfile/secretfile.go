// Package secretfile reads and writes the small files that hold credentials
// (saved tokens, device auths). A write leaves either the old file or the new
// one, never a mix, even if the process dies half way; only the owner can
// read what it writes; and a file that does not decode is described without
// being quoted.
package secretfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Write replaces the file at path with data: it writes a temporary file in
// the same directory with permission perm, flushes it to disk, and renames it
// over path, so a crash leaves the previous content intact. Missing parent
// directories are created with permission 0700.
func Write(path string, data []byte, perm fs.FileMode) error {
	t, err := WriteTemp(path, data, perm)
	if err != nil {
		return err
	}
	return t.Commit()
}

// Temp is the first half of a Write: data is in a temporary file next to
// the destination (in the system's cache; a killed process loses nothing,
// Temps lists it), not yet flushed to disk nor in place. Commit or Discard
// it.
type Temp struct {
	f    *os.File
	dest string
}

// WriteTemp writes data to a new temporary file for path, with permission
// perm, creating missing parent directories with 0700.
func WriteTemp(path string, data []byte, perm fs.FileMode) (_ *Temp, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return nil, err
	}
	t := &Temp{f: f, dest: path}
	defer func() {
		if err != nil {
			t.Discard()
		}
	}()
	if _, err = f.Write(data); err != nil {
		return nil, err
	}
	// CreateTemp makes the file 0600 (less what the umask takes away).
	// Chmod only when that is not perm: it is a metadata change that a
	// journaling file system may hold until the last save's flush is done,
	// and until the data is written a killed process loses it.
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm() != perm {
		if err = f.Chmod(perm); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Name is the temporary file's path.
func (t *Temp) Name() string { return t.f.Name() }

// Commit flushes the temporary file to disk and renames it over the
// destination. If that fails, the temporary file is removed.
func (t *Temp) Commit() error {
	err := t.f.Sync()
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = renameDurably(t.f.Name(), t.dest)
	}
	if err != nil {
		_ = os.Remove(t.f.Name())
	}
	return err
}

// Discard removes the temporary file.
func (t *Temp) Discard() {
	_ = t.f.Close()
	_ = os.Remove(t.f.Name())
}

// tempPrefix starts the name of every temporary file Write makes for path;
// os.CreateTemp appends a random decimal number.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// Temps returns the temporary files that Write left next to path: the
// files of a write that a crash (or a failed rename) interrupted, or of a
// write in progress in another process. Only names Write makes for this very
// path are listed. A missing directory has none.
func Temps(path string) ([]string, error) {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	prefix := tempPrefix(path)
	var temps []string
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			temps = append(temps, filepath.Join(dir, e.Name()))
		}
	}
	return temps, nil
}

// Promote makes the temporary file tmp (one that Temps listed) the file at
// path, the last step of a Write that was interrupted: it flushes tmp to
// disk (the interrupted write may not have) and renames it over path.
func Promote(tmp, path string) error {
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return renameDurably(tmp, path)
}

// renameDurably renames tmp to path and makes the rename durable.
func renameDurably(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a rename in dir durable. Some systems (Windows) cannot open
// a directory for syncing; the rename is still atomic there, so failure is
// ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// ErrTooLarge is returned by Read for a file longer than its limit.
var ErrTooLarge = errors.New("file too large")

// ErrNotRegular is matched by the error of Read for a path that names
// something other than a regular file (after symbolic links): a named pipe,
// whose opening would block until a writer comes, a device, a socket or a
// directory.
var ErrNotRegular = errors.New("not a regular file")

// Read returns the content of the file at path, which must be a regular file
// at most limit bytes long. A missing file gives an error matching
// fs.ErrNotExist, anything but a regular file one matching ErrNotRegular.
func Read(path string, limit int64) ([]byte, error) {
	data, _, err := ReadStat(path, limit)
	return data, err
}

// ReadStat is Read that also describes the file it read.
//
// The path is checked before it is opened, so that a named pipe or a device
// is never opened at all; it is opened without blocking (a pipe put there
// in between cannot hang the open) and the opened file is checked again, so
// what is read is the regular file that was checked.
func ReadStat(path string, limit int64) ([]byte, fs.FileInfo, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if err := checkRegular(path, info); err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNoBlock, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, nil, err
	}
	if err := checkRegular(path, info); err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(data)) > limit {
		return nil, nil, fmt.Errorf("%s: %w (over %d bytes)", path, ErrTooLarge, limit)
	}
	return data, info, nil
}

// checkRegular returns an error matching ErrNotRegular, which names the kind
// of file, unless info describes a regular file.
func checkRegular(path string, info fs.FileInfo) error {
	mode := info.Mode()
	if mode.IsRegular() {
		return nil
	}
	kind := "a special file"
	switch {
	case mode.IsDir():
		kind = "a directory"
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	case mode&fs.ModeDevice != 0:
		kind = "a device"
	}
	return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (it is %s)", ErrNotRegular, kind)}
}

// Decode unmarshals the JSON document data into v. Its error says what is
// wrong without quoting the document: the messages of encoding/json and
// package time can contain the values they failed on, and in a credentials
// file those may be secrets.
func Decode(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var timeErr *time.ParseError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("not valid JSON (offset %d)", syntax.Offset)
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return fmt.Errorf("field %s is not a %s", typeErr.Field, typeErr.Type)
	case errors.As(err, &typeErr):
		return errors.New("not a JSON object")
	case errors.As(err, &timeErr):
		return errors.New("a time is not in RFC 3339 form")
	}
	return errors.New("a field has the wrong form")
}

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
	"time"
)

// Write replaces the file at path with data: it writes a temporary file in
// the same directory with permission perm, flushes it to disk, and renames it
// over path, so a crash leaves the previous content intact. Missing parent
// directories are created with permission 0700.
func Write(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	// CreateTemp uses 0600 already; Chmod makes perm explicit (and narrower
	// or wider if a caller asks).
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(dir)
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

// Read returns the content of the file at path, which must be at most limit
// bytes long. A missing file gives an error matching fs.ErrNotExist.
func Read(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w (over %d bytes)", path, ErrTooLarge, limit)
	}
	return data, nil
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

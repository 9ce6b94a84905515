package epicoauth_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// storedFile is one file a test puts next to a FileStore's file: a token
// written with a generation (0: without, as MarshalToken or an older
// version writes it), or raw bytes; age sets its modification time back.
type storedFile struct {
	tok *oauth2.Token
	gen uint64
	raw string
	age time.Duration
}

// tokenFile returns tok in FileStore's form with generation gen (none for
// 0).
func tokenFile(t *testing.T, tok *oauth2.Token, gen uint64) []byte {
	t.Helper()
	data, err := epicoauth.MarshalToken(tok)
	require.NoError(t, err)
	if gen == 0 {
		return data
	}
	var fields map[string]any
	require.NoError(t, json.Unmarshal(data, &fields))
	fields["generation"] = gen
	data, err = json.Marshal(fields)
	require.NoError(t, err)
	return data
}

// writeStoredFile writes f at path with its modification time.
func writeStoredFile(t *testing.T, path string, f storedFile, now time.Time) {
	t.Helper()
	data := []byte(f.raw)
	if f.tok != nil {
		data = tokenFile(t, f.tok, f.gen)
	}
	require.NoError(t, os.WriteFile(path, data, 0o600))
	mtime := now.Add(-f.age)
	require.NoError(t, os.Chtimes(path, mtime, mtime))
}

// savedGeneration reads the generation written in the file at path.
func savedGeneration(t *testing.T, path string) uint64 {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var f struct{ Generation uint64 }
	require.NoError(t, json.Unmarshal(data, &f))
	return f.Generation
}

// A process killed between writing a save's temporary file and renaming it
// leaves the newest token in that file. Every way into the store (Load, a
// lease, Save) finds it when it is complete and newer than the file, makes
// it the file, and deletes the other leftovers; nothing else in the
// directory is touched.
func TestFileStoreRecoversCrashedSave(t *testing.T) {
	older := (&oauth2.Token{AccessToken: "at-older", RefreshToken: "rt-older"}).WithExtra(map[string]any{"account_id": "a1"})
	newer := (&oauth2.Token{AccessToken: "at-newer", RefreshToken: "rt-newer"}).WithExtra(map[string]any{"account_id": "a1"})
	newest := &oauth2.Token{AccessToken: "at-newest", RefreshToken: "rt-newest"}
	const temp1, temp2 = ".token.json.tmp-1234", ".token.json.tmp-98765"

	tests := []struct {
		name    string
		main    *storedFile // nil: no file
		temps   map[string]storedFile
		want    *oauth2.Token
		wantGen uint64 // the lease's generation
		keep    []string
	}{
		{
			name:    "temporary file one generation ahead",
			main:    &storedFile{tok: older, gen: 3, age: 2 * time.Second},
			temps:   map[string]storedFile{temp1: {tok: newer, gen: 4, age: time.Second}},
			want:    newer,
			wantGen: 4,
		},
		{
			name:    "generation decides over modification time",
			main:    &storedFile{tok: older, gen: 3, age: time.Second},
			temps:   map[string]storedFile{temp1: {tok: newer, gen: 4, age: time.Hour}},
			want:    newer,
			wantGen: 4,
		},
		{
			name:    "stale temporary file is deleted",
			main:    &storedFile{tok: newer, gen: 5, age: 2 * time.Second},
			temps:   map[string]storedFile{temp1: {tok: older, gen: 4, age: time.Second}},
			want:    newer,
			wantGen: 5,
		},
		{
			name:    "same generation keeps the file",
			main:    &storedFile{tok: older, gen: 5, age: 2 * time.Second},
			temps:   map[string]storedFile{temp1: {tok: newer, gen: 5, age: time.Second}},
			want:    older,
			wantGen: 5,
		},
		{
			name:    "half-written temporary file is deleted",
			main:    &storedFile{tok: older, gen: 3},
			temps:   map[string]storedFile{temp1: {raw: `{"access_token":"at-newer","refresh_tok`}},
			want:    older,
			wantGen: 3,
		},
		{
			name:    "empty temporary file is deleted",
			main:    &storedFile{tok: older, gen: 3},
			temps:   map[string]storedFile{temp1: {raw: ""}},
			want:    older,
			wantGen: 3,
		},
		{
			name:    "the first save crashed",
			temps:   map[string]storedFile{temp1: {tok: newer, gen: 1}},
			want:    newer,
			wantGen: 1,
		},
		{
			name:    "files without generation: the later temporary file wins",
			main:    &storedFile{tok: older, age: 2 * time.Second},
			temps:   map[string]storedFile{temp1: {tok: newer, age: time.Second}},
			want:    newer,
			wantGen: 1,
		},
		{
			name:    "files without generation: an earlier temporary file loses",
			main:    &storedFile{tok: older, age: time.Second},
			temps:   map[string]storedFile{temp1: {tok: newer, age: 2 * time.Second}},
			want:    older,
			wantGen: 1,
		},
		{
			name:    "files without generation: a tie keeps the file",
			main:    &storedFile{tok: older, age: time.Second},
			temps:   map[string]storedFile{temp1: {tok: newer, age: time.Second}},
			want:    older,
			wantGen: 1,
		},
		{
			name:    "a file of an older version, then a crashed save of this one",
			main:    &storedFile{tok: older, age: 2 * time.Second},
			temps:   map[string]storedFile{temp1: {tok: newer, gen: 2, age: time.Second}},
			want:    newer,
			wantGen: 2,
		},
		{
			name:    "a later temporary file replaces a file that does not decode",
			main:    &storedFile{raw: `{"access_token":`, age: 2 * time.Second},
			temps:   map[string]storedFile{temp1: {tok: newer, gen: 7, age: time.Second}},
			want:    newer,
			wantGen: 7,
		},
		{
			name: "several leftovers: the highest generation wins",
			main: &storedFile{tok: older, gen: 3, age: 3 * time.Second},
			temps: map[string]storedFile{
				temp1: {tok: newer, gen: 4, age: 2 * time.Second},
				temp2: {tok: newest, gen: 5, age: time.Second},
			},
			want:    newest,
			wantGen: 5,
		},
		{
			name: "other files are not ours",
			main: &storedFile{tok: older, gen: 3, age: 2 * time.Second},
			temps: map[string]storedFile{
				".token.json.tmp-12x":  {tok: newer, gen: 9},
				".token.json.tmp-":     {tok: newer, gen: 9},
				"token.json.tmp-5":     {tok: newer, gen: 9},
				".other.json.tmp-5":    {tok: newer, gen: 9},
				".token.json.tmp-1.x":  {tok: newer, gen: 9},
				".token.jsonx.tmp-123": {tok: newer, gen: 9},
			},
			want:    older,
			wantGen: 3,
			keep:    []string{".other.json.tmp-5", ".token.json.tmp-", ".token.json.tmp-1.x", ".token.json.tmp-12x", ".token.jsonx.tmp-123", "token.json.tmp-5"},
		},
	}
	ways := []struct {
		name string
		// open returns what the store holds, the way a user of it sees it.
		open func(t *testing.T, s *epicoauth.FileStore) (*oauth2.Token, uint64)
	}{
		{"Load", func(t *testing.T, s *epicoauth.FileStore) (*oauth2.Token, uint64) {
			tok, err := s.Load(context.Background())
			require.NoError(t, err)
			return tok, savedGeneration(t, s.Path)
		}},
		{"Lease", func(t *testing.T, s *epicoauth.FileStore) (*oauth2.Token, uint64) {
			ctx := context.Background()
			lease, err := s.Lease(ctx)
			require.NoError(t, err)
			defer lease.Release(ctx)
			tok, gen, err := lease.Load(ctx)
			require.NoError(t, err)
			return tok, gen
		}},
	}
	for _, tt := range tests {
		for _, way := range ways {
			t.Run(tt.name+"/"+way.name, func(t *testing.T) {
				dir := t.TempDir()
				store := &epicoauth.FileStore{Path: filepath.Join(dir, "token.json")}
				now := time.Now()
				if tt.main != nil {
					writeStoredFile(t, store.Path, *tt.main, now)
				}
				for name, f := range tt.temps {
					writeStoredFile(t, filepath.Join(dir, name), f, now)
				}

				tok, gen := way.open(t, store)
				assert.Equal(t, tt.want, tok)
				if way.name == "Lease" || tt.wantGen > 1 {
					assert.Equal(t, tt.wantGen, gen)
				}
				want := append([]string{"token.json"}, tt.keep...)
				slices.Sort(want)
				got := slices.DeleteFunc(dirEntries(t, dir), func(name string) bool { return name == "token.json.lock" })
				assert.Equal(t, want, got, "the token is the file; no leftover of ours remains")

				// The next save counts on from the recovered generation.
				require.NoError(t, store.Save(context.Background(), newest))
				assert.Equal(t, tt.wantGen+1, savedGeneration(t, store.Path))
			})
		}
	}
}

// A save that crashed leaves its temporary file to whoever takes the lock
// next: Save counts on from it and deletes it.
func TestFileStoreSaveAfterCrash(t *testing.T) {
	dir := t.TempDir()
	store := &epicoauth.FileStore{Path: filepath.Join(dir, "token.json")}
	now := time.Now()
	writeStoredFile(t, store.Path, storedFile{tok: &oauth2.Token{AccessToken: "a"}, gen: 3, age: time.Second}, now)
	writeStoredFile(t, filepath.Join(dir, ".token.json.tmp-1"), storedFile{tok: &oauth2.Token{AccessToken: "b"}, gen: 4}, now)

	next := &oauth2.Token{AccessToken: "c"}
	require.NoError(t, store.Save(context.Background(), next))
	assert.Equal(t, uint64(5), savedGeneration(t, store.Path))
	assert.Equal(t, []string{"token.json", "token.json.lock"}, dirEntries(t, dir))
	got, err := store.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, next, got)
}

// While another holder has the lock, a temporary file may be its save in
// progress: Load returns the file as it is, without waiting and without
// touching the temporary file; the holder's own reads recover it.
func TestFileStoreLoadLeavesTempWhileLocked(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	holder := &epicoauth.FileStore{Path: filepath.Join(dir, "token.json")}
	reader := &epicoauth.FileStore{Path: holder.Path}
	older, newer := &oauth2.Token{AccessToken: "a"}, &oauth2.Token{AccessToken: "b"}
	now := time.Now()
	writeStoredFile(t, holder.Path, storedFile{tok: older, gen: 1, age: time.Second}, now)
	temp := filepath.Join(dir, ".token.json.tmp-42")
	writeStoredFile(t, temp, storedFile{tok: newer, gen: 2}, now)

	lease, err := holder.Lease(ctx)
	require.NoError(t, err)
	got, err := reader.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, older, got)
	assert.FileExists(t, temp)

	got, gen, err := lease.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, newer, got)
	assert.Equal(t, uint64(2), gen)
	assert.NoFileExists(t, temp)
	require.NoError(t, lease.Release(ctx))
}

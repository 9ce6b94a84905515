package epicoauth_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// dirEntries lists the names in dir.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestFileStoreSaveLoad(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "config", "epic")
	store := &epicoauth.FileStore{Path: filepath.Join(dir, "token.json")}

	tok, err := store.Load(ctx)
	require.NoError(t, err, "nothing saved yet is not an error")
	assert.Nil(t, tok)

	first := fixtureToken(t, "account-token-exchange_code.json")
	require.NoError(t, store.Save(ctx, first))
	got, err := store.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, first, got)

	info, err := os.Stat(store.Path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	info, err = os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())

	second := fixtureToken(t, "account-token-authorization_code.json")
	require.NoError(t, store.Save(ctx, second))
	got, err = store.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, second, got)
	assert.Equal(t, []string{"token.json", "token.json.lock"}, dirEntries(t, dir), "no temporary file left behind")
	assert.Equal(t, "FileStore("+store.Path+")", store.String())
}

func TestFileStoreCrashDuringSave(t *testing.T) {
	// A process that died between writing the temporary file and renaming
	// it leaves the temporary file; the saved token is untouched.
	ctx := context.Background()
	dir := t.TempDir()
	store := &epicoauth.FileStore{Path: filepath.Join(dir, "token.json")}
	saved := fixtureToken(t, "account-token-exchange_code.json")
	require.NoError(t, store.Save(ctx, saved))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".token.json.tmp-123"), []byte(`{"access_token":"half`), 0o600))

	got, err := store.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, saved, got)

	next := fixtureToken(t, "account-token-authorization_code.json")
	require.NoError(t, store.Save(ctx, next))
	got, err = store.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, next, got)
	assert.Equal(t, []string{"token.json", "token.json.lock"}, dirEntries(t, dir), "the leftover is deleted")
}

func TestFileStoreBadFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := &epicoauth.FileStore{Path: filepath.Join(dir, "token.json")}
	const secret = "cccccccccccccccccccccccccccccccc"
	corrupt := []byte(`{"refresh_token":"` + secret)
	require.NoError(t, os.WriteFile(store.Path, corrupt, 0o600))

	tok, err := store.Load(ctx)
	require.ErrorIs(t, err, epicoauth.ErrInvalidToken)
	assert.Nil(t, tok)
	assert.Contains(t, err.Error(), store.Path)
	assert.NotContains(t, err.Error(), secret)
	data, err := os.ReadFile(store.Path)
	require.NoError(t, err)
	assert.Equal(t, corrupt, data, "a bad file is left for a person to look at")
}

func TestFileStoreErrors(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(notADir, nil, 0o600))
	tok := &oauth2.Token{AccessToken: "a"}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		store   *epicoauth.FileStore
		ctx     context.Context
		loadErr error // nil: any error
	}{
		{"parent is a file", &epicoauth.FileStore{Path: filepath.Join(notADir, "token.json")}, context.Background(), nil},
		{"cancelled context", &epicoauth.FileStore{Path: filepath.Join(dir, "token.json")}, cancelled, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Error(t, tt.store.Save(tt.ctx, tok))
			_, err := tt.store.Load(tt.ctx)
			require.Error(t, err)
			if tt.loadErr != nil {
				assert.ErrorIs(t, err, tt.loadErr)
			}
		})
	}
	_, err := os.Stat(filepath.Join(dir, "token.json"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestFileStoreConcurrentSaves(t *testing.T) {
	ctx := context.Background()
	store := &epicoauth.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := (&oauth2.Token{AccessToken: fmt.Sprint("a", i)}).WithExtra(map[string]any{"n": float64(i)})
			assert.NoError(t, store.Save(ctx, tok))
		}()
	}
	wg.Wait()
	got, err := store.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, got.AccessToken, fmt.Sprint("a", got.Extra("n")), "one whole token, not a mix")
}

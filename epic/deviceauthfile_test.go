package epic_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

func TestDeviceAuthFileRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "epictoken")
	path := filepath.Join(dir, "deviceauth.json")
	require.NoError(t, epic.SaveDeviceAuth(path, testDeviceAuth))

	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), info.Mode().Perm())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var fields map[string]string
	require.NoError(t, json.Unmarshal(data, &fields))
	assert.Equal(t, map[string]string{
		"accountId": testDeviceAuth.AccountID,
		"deviceId":  testDeviceAuth.DeviceID,
		"secret":    testDeviceAuth.Secret,
	}, fields, "Epic's field names")

	got, err := epic.LoadDeviceAuth(path)
	require.NoError(t, err)
	assert.Equal(t, testDeviceAuth, got)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestLoadDeviceAuthFromEpicResponse(t *testing.T) {
	// The body of POST .../deviceAuth saved as it is.
	got, err := epic.LoadDeviceAuth(filepath.Join("testdata", "account-deviceAuth-create.json"))
	require.NoError(t, err)
	assert.Equal(t, testDeviceAuth, got)

	// and it logs in.
	epicSrv := newAccountService(t)
	tok, err := epicSrv.config().Token(context.Background(), got)
	require.NoError(t, err)
	assert.Equal(t, "at-1", tok.AccessToken)
}

func TestDeviceAuthFileBadInput(t *testing.T) {
	secret := testDeviceAuth.Secret
	tests := []struct {
		name    string
		content string
		want    error
		names   string // what the message must name
	}{
		{"no secret", `{"accountId":"a","deviceId":"d"}`, epic.ErrInvalidDeviceAuth, "secret"},
		{"empty object", `{}`, epic.ErrInvalidDeviceAuth, "accountId, deviceId, secret"},
		{"not JSON", `secret=` + secret, epic.ErrInvalidDeviceAuth, "not valid JSON"},
		{"truncated", `{"accountId":"a","deviceId":"d","secret":"` + secret, epic.ErrInvalidDeviceAuth, "not valid JSON"},
		{"wrong type", `{"accountId":"a","deviceId":"d","secret":7}`, epic.ErrInvalidDeviceAuth, "secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "deviceauth.json")
			require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o600))
			d, err := epic.LoadDeviceAuth(path)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.names)
			assert.NotContains(t, err.Error(), secret)
			assert.Equal(t, epic.DeviceAuth{}, d)
		})
	}

	t.Run("missing file", func(t *testing.T) {
		_, err := epic.LoadDeviceAuth(filepath.Join(t.TempDir(), "none.json"))
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
	t.Run("incomplete device auth is not saved", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "deviceauth.json")
		err := epic.SaveDeviceAuth(path, epic.DeviceAuth{AccountID: "a", Secret: secret})
		require.ErrorIs(t, err, epic.ErrInvalidDeviceAuth)
		assert.Contains(t, err.Error(), "deviceId")
		assert.NotContains(t, err.Error(), secret)
		_, err = os.Stat(path)
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
}

func TestLoadDeviceAuthRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := epic.LoadDeviceAuth(dir)
	require.ErrorIs(t, err, epicoauth.ErrNotRegularFile)
	assert.Contains(t, err.Error(), dir)
}

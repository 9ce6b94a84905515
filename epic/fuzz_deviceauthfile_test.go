package epic_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth/epic"
)

// FuzzLoadDeviceAuth feeds device-auth files (seeds in
// testdata/fuzz/FuzzLoadDeviceAuth, among them Epic's create response) to
// LoadDeviceAuth. Invariants: no panic; an error matches
// ErrInvalidDeviceAuth (or is a read error) and never contains the file's
// secret; a device auth that loads has every field and saves and loads back
// equal.
func FuzzLoadDeviceAuth(f *testing.F) {
	f.Add([]byte(`{"accountId":"94b1569506b04f9f8557af611e8c5e47","deviceId":"435b52ece6d347479531c5132e209e53","secret":"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}`))
	f.Add([]byte(`{"accountId":"a","deviceId":"d"}`))
	// One folder for the whole run: a temporary folder and an fsync per
	// input would make the disk, not the parser, the bottleneck.
	dir := f.TempDir()
	path := filepath.Join(dir, "deviceauth.json")
	again := filepath.Join(dir, "again.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		require.NoError(t, os.WriteFile(path, data, 0o600))
		d, err := epic.LoadDeviceAuth(path)
		if err != nil {
			var m map[string]any
			if json.Unmarshal(data, &m) == nil {
				if s, ok := m["secret"].(string); ok && len(strings.TrimSpace(s)) >= 8 {
					require.NotContains(t, err.Error(), s, "the error quotes the secret")
				}
			}
			require.True(t, errors.Is(err, epic.ErrInvalidDeviceAuth) || strings.Contains(err.Error(), "loading device auth"), err.Error())
			return
		}
		require.NotEmpty(t, d.AccountID)
		require.NotEmpty(t, d.DeviceID)
		require.NotEmpty(t, d.Secret)
		saved, err := json.Marshal(d) // the format SaveDeviceAuth writes, without its fsyncs
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(again, saved, 0o600))
		d2, err := epic.LoadDeviceAuth(again)
		require.NoError(t, err)
		require.Equal(t, d, d2)
	})
}

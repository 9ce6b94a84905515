package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolveClient(t *testing.T) {
	dir := t.TempDir()
	fromFlagFile := filepath.Join(dir, "flag.json")
	fromEnvFile := filepath.Join(dir, "env.json")
	require.NoError(t, os.WriteFile(fromFlagFile, []byte(`{"client_id": "file-id", "client_secret": "file-secret"}`), 0o600))
	require.NoError(t, os.WriteFile(fromEnvFile, []byte(`{"client_id": "envfile-id", "client_secret": "envfile-secret", "name": "mine"}`), 0o600))
	env := map[string]string{envClient: "env-id:env-secret", envCredentials: fromEnvFile}

	tests := []struct {
		name              string
		flag, credentials string
		env               map[string]string
		fallback          string
		want              client
	}{
		{"--client name", "launcherAppClient2", fromFlagFile, env, "", named("launcherAppClient2")},
		{"--client ID:SECRET", "id:se:cret", fromFlagFile, env, "", client{ID: "id", Secret: "se:cret"}},
		{"--credentials", "", fromFlagFile, env, "", client{ID: "file-id", Secret: "file-secret"}},
		{"$EPICTOKEN_CLIENT", "", "", env, defaultLoginClient, client{ID: "env-id", Secret: "env-secret"}},
		{"$EPICTOKEN_CREDENTIALS", "", "", map[string]string{envCredentials: fromEnvFile}, "", client{Name: "mine", ID: "envfile-id", Secret: "envfile-secret"}},
		{"fallback", "", "", nil, defaultLoginClient, named(defaultLoginClient)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveClient(tt.flag, tt.credentials, func(k string) string { return tt.env[k] }, tt.fallback)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	_, err := resolveClient("", "", func(string) string { return "" }, "")
	assert.Equal(t, errNoClient, err)
}

func TestClientErrorsHideSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	tests := []struct {
		name string
		err  func() error
		want string
	}{
		{"no secret", func() error { _, err := parseClient("hunter2-id:", "--client"); return err }, "--client must be a known client name"},
		{"no separator", func() error { _, err := parseClient("hunter2-secret-value", "$EPICTOKEN_CLIENT"); return err }, "$EPICTOKEN_CLIENT must be"},
		{"not JSON", func() error { _, err := readCredentials(write("a.json", `hunter2-secret-value`)); return err }, "not valid JSON"},
		{"secret not a string", func() error {
			_, err := readCredentials(write("b.json", `{"client_id": "x", "client_secret": ["hunter2-secret-value"]}`))
			return err
		}, "field client_secret is not a string"},
		{"no secret in file", func() error { _, err := readCredentials(write("c.json", `{"client_id": "hunter2-id"}`)); return err }, "lacks client_id or client_secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			require.Error(t, err)
			assert.Equal(t, exitUsage, exitCode(err))
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
	assert.Equal(t, "launcherAppClient2 (34a02cf8f4414e29b15921876da36f9a)", named("launcherAppClient2").String())
	assert.Equal(t, "an-id", client{ID: "an-id", Secret: "hunter2"}.String())
}

func TestClientID(t *testing.T) {
	for in, want := range map[string]string{
		"fortniteIOSGameClient": "3446cd72694c4a4485d81b77adbb2141",
		"abc:secret":            "abc",
		"abc":                   "abc",
		"":                      "",
	} {
		assert.Equal(t, want, clientID(in), in)
	}
}

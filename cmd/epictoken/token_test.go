package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

var (
	switchClient   = named(defaultLoginClient)
	launcherClient = named("launcherAppClient2")
)

func named(name string) client {
	c := wellKnownClients[name]
	c.Name = name
	return c
}

// printedToken reads the token a run printed and checks it against the
// fake: a live session of the expected account (empty for a client token).
func printedToken(t *testing.T, h *harness, res result, accountID string) string {
	t.Helper()
	expect(t, res, exitOK)
	tok := strings.TrimSuffix(res.stdout, "\n")
	require.NotContains(t, tok, "\n")
	v, err := h.f.config(switchClient).Verify(context.Background(), &oauth2.Token{AccessToken: tok})
	require.NoError(t, err)
	assert.Equal(t, accountID, v.AccountID)
	return tok
}

// lastTokenRequest is the last request to the account token endpoint.
func lastTokenRequest(t *testing.T, f *fake) epictest.Request {
	t.Helper()
	reqs := f.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Path == epictest.AccountTokenPath {
			return reqs[i]
		}
	}
	t.Fatal("no token request")
	return epictest.Request{}
}

func TestTokenGrants(t *testing.T) {
	h := newHarness(t)
	_, daPath := h.saveDeviceAuth(switchClient)

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		account string
		form    map[string]string
	}{
		{"client_credentials", []string{"--grant", "client_credentials", "--client", defaultLoginClient}, nil, "",
			map[string]string{"grant_type": "client_credentials"}},
		{"client from $EPICTOKEN_CLIENT", []string{"--grant", "client_credentials"}, map[string]string{envClient: defaultLoginClient}, "",
			map[string]string{"grant_type": "client_credentials"}},
		{"device_auth from the default file and client", []string{"--grant", "device_auth"}, nil, fakeAccount.ID,
			map[string]string{"grant_type": "device_auth", "account_id": fakeAccount.ID}},
		{"device_auth from --device-auth", []string{"--grant", "device_auth", "--device-auth", daPath, "--client", defaultLoginClient}, nil, fakeAccount.ID,
			map[string]string{"grant_type": "device_auth"}},
		{"exchange_code from $EPICTOKEN_CODE", []string{"--grant", "exchange_code", "--client", "launcherAppClient2"},
			map[string]string{envCode: h.f.NewExchangeCode(fakeAccount.ID, switchClient.ID)}, fakeAccount.ID,
			map[string]string{"grant_type": "exchange_code"}},
		{"authorization_code", []string{"--grant", "authorization_code", "--client", "launcherAppClient2",
			"--code", h.f.NewAuthorizationCode(fakeAccount.ID, launcherClient.ID)}, nil, fakeAccount.ID,
			map[string]string{"grant_type": "authorization_code"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.env = tt.env
			printedToken(t, h, h.runPrinting(append([]string{"token", "--fake"}, tt.args...)...), tt.account)
			req := lastTokenRequest(t, h.f)
			for k, v := range tt.form {
				assert.Equal(t, v, req.Form.Get(k), k)
			}
			assert.Contains(t, req.Header.Get("User-Agent"), "epictoken/")
		})
	}
}

func TestTokenJSONAndRefresh(t *testing.T) {
	h := newHarness(t)
	h.saveDeviceAuth(switchClient)
	res := h.runPrinting("token", "--fake", "--grant", "device_auth", "--json", "--eg1")
	expect(t, res, exitOK)
	tok, err := epicoauth.UnmarshalToken([]byte(res.stdout))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(tok.AccessToken, "eg1~"), "an eg1 token")
	assert.Equal(t, "eg1", lastTokenRequest(t, h.f).Form.Get("token_type"))
	assert.Equal(t, fakeAccount.ID, epic.AccountID(tok))
	assert.Equal(t, fakeAccount.DisplayName, epic.DisplayName(tok))
	assert.False(t, epic.RefreshExpiry(tok).IsZero())
	require.NotEmpty(t, tok.RefreshToken)

	h.env = map[string]string{envCode: tok.RefreshToken}
	printedToken(t, h, h.runPrinting("token", "--fake", "--grant", "refresh_token", "--client", defaultLoginClient), fakeAccount.ID)
	assert.Equal(t, "refresh_token", lastTokenRequest(t, h.f).GrantType)

	// Refresh tokens rotate: the first one is spent.
	res = h.run("token", "--fake", "--grant", "refresh_token", "--client", defaultLoginClient)
	expect(t, res, exitLogin)
	assertLines(t, res.stderr, epicoauth.ErrorCodeInvalidRefreshToken, "Log in again with 'epictoken login'.")
}

// --store keeps one session across runs: the saved token while it lasts,
// then a refresh, each new token saved before it is printed.
func TestTokenStore(t *testing.T) {
	h := newHarness(t)
	h.saveDeviceAuth(switchClient)
	store := h.path("token.json")
	args := []string{"token", "--fake", "--grant", "device_auth", "--store", store}

	first := printedToken(t, h, h.runPrinting(args...), fakeAccount.ID)
	assert.Equal(t, os.FileMode(0o600), fileMode(t, store))
	again := printedToken(t, h, h.runPrinting(args...), fakeAccount.ID)
	assert.Equal(t, first, again)
	assert.Equal(t, 1, h.f.Count("device_auth"))
	assert.Zero(t, h.f.Count("refresh_token"))

	h.f.Clock().Advance(2 * time.Hour)
	renewed := printedToken(t, h, h.runPrinting(args...), fakeAccount.ID)
	assert.NotEqual(t, first, renewed)
	assert.Equal(t, 1, h.f.Count("refresh_token"))
	saved, err := (&epicoauth.FileStore{Path: store}).Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, renewed, saved.AccessToken)

	// refresh_token with nothing but the store resumes it too.
	h.f.Clock().Advance(2 * time.Hour)
	printedToken(t, h, h.runPrinting("token", "--fake", "--grant", "refresh_token", "--client", defaultLoginClient, "--store", store), fakeAccount.ID)
	assert.Equal(t, 2, h.f.Count("refresh_token"))
	assert.Equal(t, 1, h.f.Count("device_auth"))
}

func TestTokenErrors(t *testing.T) {
	h := newHarness(t)
	credentials := h.path("credentials.json")
	require.NoError(t, os.WriteFile(credentials, []byte(`{"client_id": "abc", "client_secret": 0a2449a2}`), 0o600))
	spent := h.f.NewExchangeCode(fakeAccount.ID, switchClient.ID)
	_, err := h.f.config(launcherClient).Token(context.Background(), epic.ExchangeCode(spent))
	require.NoError(t, err)

	tests := []struct {
		name    string
		args    []string
		fault   *epictest.Fault
		code    int
		message []string
	}{
		{"unknown client name", []string{"--grant", "client_credentials", "--client", "fortnite"}, nil, exitUsage,
			[]string{"--client must be a known client name (fortniteAndroidGameClient, "}},
		{"client without secret", []string{"--grant", "client_credentials", "--client", "my-secret-client-id:"}, nil, exitUsage,
			[]string{"--client must be"}},
		{"no client", []string{"--grant", "client_credentials"}, nil, exitUsage, []string{"no client: pass --client"}},
		{"credentials file not JSON", []string{"--grant", "client_credentials", "--credentials", credentials}, nil, exitUsage,
			[]string{"credentials file " + credentials + ": not valid JSON"}},
		{"credentials file missing", []string{"--grant", "client_credentials", "--credentials", h.path("none.json")}, nil, exitUsage,
			[]string{"reading credentials", "none.json"}},
		{"no grant", []string{"--client", defaultLoginClient}, nil, exitUsage, []string{"--grant is required"}},
		{"unknown grant", []string{"--grant", "password", "--client", defaultLoginClient}, nil, exitUsage, []string{`unknown --grant "password"`}},
		{"exchange_code without code", []string{"--grant", "exchange_code", "--client", defaultLoginClient}, nil, exitUsage,
			[]string{"--grant exchange_code needs --code (or $EPICTOKEN_CODE)"}},
		{"refresh_token without anything", []string{"--grant", "refresh_token", "--client", defaultLoginClient}, nil, exitUsage,
			[]string{"or --store FILE"}},
		{"missing device auth file", []string{"--grant", "device_auth"}, nil, exitLogin,
			[]string{"no device auth in " + filepath.Join(h.dir, "epictoken", "deviceauth-fake.json"), "Log in again"}},
		{"spent exchange code", []string{"--grant", "exchange_code", "--client", "launcherAppClient2", "--code", spent}, nil, exitLogin,
			[]string{epicoauth.ErrorCodeExchangeCodeNotFound, "Log in again"}},
		{"grant the client may not use", []string{"--grant", "exchange_code", "--client", defaultLoginClient, "--code", "0123456789abcdef0123456789abcdef"}, nil, exitError,
			[]string{epicoauth.ErrorCodeUnauthorizedClient}},
		{"throttled", []string{"--grant", "client_credentials", "--client", defaultLoginClient},
			&epictest.Fault{Kind: epictest.Throttle, RetryAfter: 5 * time.Minute}, exitTemporary, // beyond what the retry policy waits
			[]string{"429 Too Many Requests", epicoauth.ErrorCodeThrottled, "Epic asks to wait 5m0s before trying again."}},
		{"server error", []string{"--grant", "client_credentials", "--client", defaultLoginClient},
			&epictest.Fault{Kind: epictest.ServerError, Status: http.StatusServiceUnavailable, Times: 3}, exitTemporary, // every attempt of the retry policy
			[]string{"503 Service Unavailable", "try again later"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				h.f.Inject(*tt.fault)
			}
			res := h.run(append([]string{"token", "--fake"}, tt.args...)...)
			expect(t, res, tt.code)
			assert.Empty(t, res.stdout)
			assertLines(t, res.stderr, tt.message...)
			assert.NotContains(t, res.stderr, "my-secret-client-id")
			assert.NotContains(t, res.stderr, "0a2449a2", "the credentials file is not quoted")
		})
	}
}

func TestTokenCredentialsFile(t *testing.T) {
	h := newHarness(t)
	custom := client{ID: "0123456789abcdef0123456789abcdef", Secret: "a-custom-client-secret"}
	h.rec.add(custom.Secret)
	path := h.path("credentials.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"client_id": "`+custom.ID+`", "client_secret": "`+custom.Secret+`"}`), 0o600))

	for name, setup := range map[string]func() []string{
		"--credentials": func() []string { h.env = nil; return []string{"--credentials", path} },
		"$EPICTOKEN_CREDENTIALS": func() []string {
			h.env = map[string]string{envCredentials: path}
			return nil
		},
		"--client ID:SECRET": func() []string { h.env = nil; return []string{"--client", custom.ID + ":" + custom.Secret} },
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"token", "--fake", "--grant", "client_credentials"}, setup()...)
			printedToken(t, h, h.runPrinting(args...), "")
			raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lastTokenRequest(t, h.f).Header.Get("Authorization"), "Basic "))
			require.NoError(t, err)
			assert.Equal(t, custom.ID+":"+custom.Secret, string(raw))
		})
	}
}

// A local file that cannot be read is an error (exit 1), not a temporary
// failure (exit 4) that a retrying script would loop on.
func TestLocalFileErrorsAreNotTemporary(t *testing.T) {
	h := newHarness(t)
	h.saveDeviceAuth(switchClient)
	dir := h.path("a-directory")
	require.NoError(t, os.Mkdir(dir, 0o700))
	tests := []struct {
		name string
		args []string
	}{
		{"directory at --store", []string{"token", "--fake", "--grant", "device_auth", "--store", dir}},
		{"directory at --device-auth", []string{"verify", "--fake", "--device-auth", dir}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.run(tt.args...)
			expect(t, res, exitError)
			assert.Contains(t, res.stderr, "is a directory")
			assert.NotContains(t, res.stderr, "try again later")
		})
	}
}

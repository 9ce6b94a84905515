package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// clientToken is a client_credentials run of a token verb, on the
// launcher client.
func clientToken(verb string, flags ...string) []string {
	return append([]string{verb, "--fake", "--grant", "client_credentials", "--client", "launcherAppClient2"}, flags...)
}

func TestTokenOutput(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name string
		args []string
		// read returns the access token the run printed.
		read func(t *testing.T, stdout string) string
	}{
		{"bare by default", clientToken("token"), bareToken},
		{"bare", clientToken("token", "--output", "bare"), bareToken},
		{"header", clientToken("token", "--output", "header"), headerToken},
		{"header command", clientToken("header"), headerToken},
		{"json", clientToken("token", "--output", "json"), jsonToken},
		{"--json", clientToken("token", "--json"), jsonToken},
		{"--json with --output json", clientToken("token", "--json", "--output", "json"), jsonToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.runPrinting(tt.args...)
			expect(t, res, exitOK)
			tok := tt.read(t, res.stdout)
			v, err := h.f.config(switchClient).Verify(context.Background(), &oauth2.Token{AccessToken: tok})
			require.NoError(t, err)
			assert.Equal(t, launcherClient.ID, v.ClientID)
		})
	}
}

func bareToken(t *testing.T, stdout string) string {
	tok, ok := strings.CutSuffix(stdout, "\n")
	require.True(t, ok)
	require.NotContains(t, tok, "\n")
	return tok
}

func headerToken(t *testing.T, stdout string) string {
	tok, ok := strings.CutPrefix(bareToken(t, stdout), "Authorization: bearer ")
	require.True(t, ok, "want an Authorization header line, got %q", stdout)
	return tok
}

func jsonToken(t *testing.T, stdout string) string {
	tok, err := epicoauth.UnmarshalToken([]byte(stdout))
	require.NoError(t, err)
	assert.Equal(t, launcherClient.ID, epic.ClientID(tok), "Epic's extras are kept")
	return tok.AccessToken
}

func TestTokenOutputErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name    string
		args    []string
		message string
	}{
		{"unknown form", clientToken("token", "--output", "yaml"), `unknown --output "yaml": want bare, header or json`},
		{"--json disagrees", clientToken("token", "--json", "--output", "header"), `--json and --output "header" disagree`},
		{"header takes no arguments", clientToken("header", "extra"), `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.run(tt.args...)
			expect(t, res, exitUsage)
			assert.Contains(t, res.stderr, tt.message)
		})
	}
	assert.Empty(t, h.f.Requests(), "no request for a bad command line")
}

// A refresh from a store needs no --client: the saved token names it.
func TestTokenRefreshFromStoreKnowsItsClient(t *testing.T) {
	h := newHarness(t)
	h.saveDeviceAuth(switchClient)
	store := h.path("token.json")
	printedToken(t, h, h.runPrinting("token", "--fake", "--grant", "device_auth", "--store", store), fakeAccount.ID)

	h.f.Clock().Advance(2 * time.Hour)
	printedToken(t, h, h.runPrinting("token", "--fake", "--grant", "refresh_token", "--store", store), fakeAccount.ID)
	req := lastTokenRequest(t, h.f)
	assert.Equal(t, "refresh_token", req.Form.Get("grant_type"))
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(switchClient.ID+":"+switchClient.Secret)), req.Header.Get("Authorization"))

	t.Run("a client that is not well known still needs --client", func(t *testing.T) {
		other := h.path("other.json")
		tok := &oauth2.Token{AccessToken: "x", RefreshToken: "y", Expiry: time.Now().Add(-time.Hour)}
		tok = tok.WithExtra(map[string]any{"client_id": "0123456789abcdef0123456789abcdef"})
		require.NoError(t, (&epicoauth.FileStore{Path: other}).Save(context.Background(), tok))
		res := h.run("token", "--fake", "--grant", "refresh_token", "--store", other)
		expect(t, res, exitUsage)
		assert.Contains(t, res.stderr, "holds a token of client 0123456789abcdef0123456789abcdef, which is not a well-known one: no client: pass --client")
	})
}

func TestCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed (apt-get install curl)")
	}
	h := newHarness(t)
	verifyURL := h.f.URL + "/account/api/oauth/verify"

	t.Run("sends the token", func(t *testing.T) {
		// -k: the fake's certificate is its own; curl's arguments follow URL.
		res := h.runPrinting(clientToken("curl", verifyURL, "-s", "-k", "--fail")...)
		expect(t, res, exitOK)
		var v struct {
			ClientID string `json:"client_id"`
		}
		require.NoError(t, json.Unmarshal([]byte(res.stdout), &v), res.stdout)
		assert.Equal(t, launcherClient.ID, v.ClientID)
	})
	t.Run("curl's exit status", func(t *testing.T) {
		// --fail makes curl exit 22 on an HTTP error: a token refused by
		// the path.
		res := h.runPrinting(clientToken("curl", h.f.URL+"/no/such/path", "-s", "-k", "--fail")...)
		expect(t, res, 22)
		assert.Contains(t, res.stderr, "curl exited with status 22")
	})
	t.Run("flags after URL are curl's", func(t *testing.T) {
		res := h.runPrinting(clientToken("curl", verifyURL, "-k", "-s", "-o", os.DevNull, "-w", "%{http_code}")...)
		expect(t, res, exitOK)
		assert.Equal(t, "200", res.stdout)
	})
	t.Run("no URL", func(t *testing.T) {
		res := h.run(clientToken("curl")...)
		expect(t, res, exitUsage)
		assert.Contains(t, res.stderr, "curl needs a URL")
	})
	t.Run("no curl", func(t *testing.T) {
		h.env[envCurl] = "epictoken-no-such-curl"
		defer delete(h.env, envCurl)
		res := h.run(clientToken("curl", verifyURL)...)
		expect(t, res, exitError)
		assert.Contains(t, res.stderr, "finding curl")
	})
}

func TestInfo(t *testing.T) {
	h := newHarness(t)
	res := h.runPrinting(clientToken("token", "--json")...)
	expect(t, res, exitOK)
	saved := res.stdout
	tok, err := epicoauth.UnmarshalToken([]byte(saved))
	require.NoError(t, err)
	store := h.path("token.json")
	require.NoError(t, (&epicoauth.FileStore{Path: store}).Save(context.Background(), tok))

	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"bare token on stdin", tok.AccessToken + "\n", nil},
		{"header line on stdin", "Authorization: bearer " + tok.AccessToken, nil},
		{"JSON on stdin", saved, nil},
		{"a store", "", []string{"--store", store}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.stdin = strings.NewReader(tt.stdin)
			res := h.run(append([]string{"info", "--fake"}, tt.args...)...)
			expect(t, res, exitOK)
			assertLines(t, res.stdout, "client_id:      "+launcherClient.ID, "expires_at:")
			assert.NotContains(t, res.stdout, "account_id:", "a client token has no account: no line")
			assert.NotRegexp(t, `(?m):\s*$`, res.stdout, "no line without a value")
		})
	}

	t.Run("errors never echo stdin", func(t *testing.T) {
		for _, in := range []string{"", "two words", "{not json"} {
			h.stdin = strings.NewReader(in)
			res := h.run("info", "--fake")
			expect(t, res, exitUsage)
			if in != "" {
				assert.NotContains(t, res.stderr, in)
			}
		}
	})
	t.Run("a dead token", func(t *testing.T) {
		require.True(t, h.f.RevokeSession(tok.AccessToken))
		h.stdin = strings.NewReader(tok.AccessToken)
		res := h.run("info", "--fake")
		expect(t, res, exitError)
		assert.Contains(t, res.stderr, "the token is not accepted by Epic")
	})
}

func TestReset(t *testing.T) {
	h := newHarness(t)
	h.saveDeviceAuth(switchClient)
	store := h.path("token.json")
	tok := printedToken(t, h, h.runPrinting("token", "--fake", "--grant", "device_auth", "--store", store), fakeAccount.ID)
	live := func() bool {
		_, err := h.f.config(switchClient).Verify(context.Background(), &oauth2.Token{AccessToken: tok})
		return err == nil
	}
	require.True(t, live())

	res := h.run("reset", "--fake", "--store", store, "--account", "someoneelse")
	expect(t, res, exitError)
	assert.Contains(t, res.stderr, "not \"someoneelse\": left as it is")
	assert.FileExists(t, store)

	res = h.run("reset", "--fake", "--store", store, "--account", fakeAccount.ID)
	expect(t, res, exitOK)
	assert.Contains(t, res.stderr, "Forgot the session of account "+fakeAccount.ID)
	assert.NoFileExists(t, store)
	assert.False(t, live(), "the session ended on Epic")
	_, daErr := os.Stat(h.path("epictoken/deviceauth-fake.json"))
	assert.NoError(t, daErr, "the device auth is kept")

	res = h.run("reset", "--fake", "--store", store)
	expect(t, res, exitOK)
	assert.Contains(t, res.stderr, "No session saved")

	res = h.run("reset", "--fake")
	expect(t, res, exitUsage)
}

// reset takes the file's lease: a 'token --store' run that is renewing the
// saved session finishes first, and reset forgets the session it saved.
func TestResetWaitsForARenewal(t *testing.T) {
	h := newHarness(t)
	d, _ := h.saveDeviceAuth(switchClient)
	store := &epicoauth.FileStore{Path: h.path("token.json")}
	printedToken(t, h, h.runPrinting("token", "--fake", "--grant", "device_auth", "--store", store.Path), fakeAccount.ID)
	ctx := context.Background()
	renewed, err := h.f.config(switchClient).Token(ctx, d)
	require.NoError(t, err)
	h.rec.add(renewed.AccessToken)
	h.rec.add(renewed.RefreshToken)

	renewal, err := store.Lease(ctx) // a concurrent run, renewing
	require.NoError(t, err)
	done := make(chan result)
	go func() { done <- h.run("reset", "--fake", "--store", store.Path) }()
	_, gen, err := renewal.Load(ctx)
	require.NoError(t, err)
	_, err = renewal.SaveIf(ctx, renewed, gen)
	require.NoError(t, err)
	require.NoError(t, renewal.Release(ctx))

	expect(t, <-done, exitOK)
	assert.NoFileExists(t, store.Path)
	_, err = h.f.config(switchClient).Verify(ctx, renewed)
	assert.Error(t, err, "the renewed session, the one saved, ended on Epic")
}

func TestVerifyHelpShowsTheExitCodeForm(t *testing.T) {
	h := newHarness(t)
	res := h.run("verify", "--help")
	expect(t, res, exitOK)
	assert.Contains(t, res.stdout, "[ $? -eq 3 ] && epictoken login")
	assert.NotContains(t, res.stdout, "||", "a temporary failure must not start a person's login")
}

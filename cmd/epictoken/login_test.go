package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// loadSaved reads a device auth the command saved and registers its
// secret with the harness.
func loadSaved(t *testing.T, h *harness, path string) epic.DeviceAuth {
	t.Helper()
	assert.Equal(t, os.FileMode(0o600), fileMode(t, path))
	d, err := epic.LoadDeviceAuth(path)
	require.NoError(t, err)
	h.rec.add(d.Secret)
	return d
}

func TestLogin(t *testing.T) {
	h := newHarness(t)
	res := h.run("login", "--fake")
	expect(t, res, exitOK)
	path := filepath.Join(h.dir, "epictoken", "deviceauth-fake.json")
	assert.Equal(t, path+"\n", res.stdout)
	d := loadSaved(t, h, path)
	assert.Equal(t, fakeAccount.ID, d.AccountID)

	// The person was shown where to go, the code and a QR code.
	reqs := h.f.Requests()
	require.Equal(t, epictest.DeviceAuthorizationPath, reqs[1].Path)
	assertLines(t, res.stderr,
		h.f.URL+"/activate?userCode=", "and enter the code ", "The code expires in 10m0s.",
		"██ ▄▄▄▄▄ █", // the top of a finder pattern, drawn negative
		"Logged in as epictoken-demo (account "+fakeAccount.ID+").",
		"Saved device auth "+d.DeviceID+" (mode 0600)")
	assert.Equal(t, 2, h.f.Count("device_code"), "polled until the fake approved")
	for _, r := range reqs {
		if r.GrantType == "device_code" {
			assert.Equal(t, "Basic", strings.Fields(r.Header.Get("Authorization"))[0])
		}
	}

	// The device auth works with the client, and the login's own session
	// was ended.
	assert.Empty(t, h.f.Sessions(fakeAccount.ID))
	_, err := h.f.config(switchClient).Token(context.Background(), d)
	require.NoError(t, err)

	// Logging in again replaces the file and says which device auth it
	// replaced.
	res = h.run("login", "--fake", "--no-qr", "--out", path)
	expect(t, res, exitOK)
	assertLines(t, res.stderr, "warning: replacing device auth "+d.DeviceID, "epictoken device-auth delete "+d.DeviceID)
	assert.NotContains(t, res.stderr, "█")
	assert.NotEqual(t, d.DeviceID, loadSaved(t, h, path).DeviceID)
}

func TestLoginErrors(t *testing.T) {
	t.Run("client without device_code", func(t *testing.T) {
		h := newHarness(t)
		res := h.run("login", "--fake", "--client", "launcherAppClient2")
		expect(t, res, exitError)
		assertLines(t, res.stderr, "starting the login with launcherAppClient2 (34a02cf8f4414e29b15921876da36f9a) (does it allow device_code?)",
			epicoauth.ErrorCodeUnauthorizedClient)
	})

	t.Run("nobody approves", func(t *testing.T) {
		h := newHarness(t)
		h.f.AutoApproveDeviceCodes("", 0)
		res := h.run("login", "--fake", "--no-qr")
		expect(t, res, exitLogin)
		assertLines(t, res.stderr, epic.ErrDeviceCodeExpired.Error(), "Log in again with 'epictoken login'.")
		assert.NoFileExists(t, filepath.Join(h.dir, "epictoken", "deviceauth-fake.json"))
		assert.Equal(t, 59, h.f.Count("device_code"), "one poll every 10 s for 600 s, the last before expiry")
	})

	t.Run("throttled", func(t *testing.T) {
		h := newHarness(t)
		h.f.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: 120e9, Path: epictest.DeviceAuthorizationPath})
		res := h.run("login", "--fake", "--no-qr")
		expect(t, res, exitTemporary)
		assertLines(t, res.stderr, "Epic asks to wait 2m0s")
	})

	t.Run("interrupted while waiting", func(t *testing.T) {
		h := newHarness(t)
		h.f.AutoApproveDeviceCodes("", 0)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		h.ctx = h.rec.context(ctx)
		h.rec.after = func(r *http.Request) {
			if r.URL.Path == epictest.DeviceAuthorizationPath {
				cancel() // as Ctrl-C would, while the person reads the code
			}
		}
		res := h.run("login", "--fake", "--no-qr")
		expect(t, res, exitInterrupted)
		last := h.f.Requests()[len(h.f.Requests())-1]
		assert.Equal(t, http.MethodDelete, last.Method, "the code is withdrawn")
		assert.True(t, strings.HasPrefix(last.Path, epictest.DeviceAuthorizationPath+"/"), last.Path)
		assert.Equal(t, http.StatusNoContent, last.Status)
	})
}

// Without a test's fake, each --fake run starts its own, which learns the
// device auth from the file that an earlier run saved.
func TestFakeAcrossRuns(t *testing.T) {
	h := newHarnessWithoutFake(t)
	res := h.run("login", "--fake", "--no-qr")
	expect(t, res, exitOK)
	loadSaved(t, h, strings.TrimSpace(res.stdout))

	res = h.run("verify", "--fake")
	expect(t, res, exitOK)
	assertLines(t, res.stdout, "account_id:     "+fakeAccount.ID, "auth_method:    device_auth")

	res = h.runPrinting("token", "--fake", "--grant", "device_auth")
	expect(t, res, exitOK)
	assert.Regexp(t, `^[0-9a-f]{32}\n$`, res.stdout)
}

// A device auth of an account the fake has never seen (say, a real one)
// works with --fake too: the fake takes the file's word for it.
func TestFakeLearnsUnknownAccount(t *testing.T) {
	h := newHarnessWithoutFake(t)
	d := epic.DeviceAuth{AccountID: "94b1569506b04f9f8557af611e8c5e47", DeviceID: "435b52ece6d347479531c5132e209e53", Secret: "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}
	h.rec.add(d.Secret)
	path := h.path("real.json")
	require.NoError(t, epic.SaveDeviceAuth(path, d))
	res := h.run("verify", "--fake", "--device-auth", path)
	expect(t, res, exitOK)
	assertLines(t, res.stdout, "account_id:     "+d.AccountID, "display_name:   Player-94b156", "device_id:      "+d.DeviceID)
}

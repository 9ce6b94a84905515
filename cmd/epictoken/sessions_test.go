package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

func TestVerify(t *testing.T) {
	h := newHarness(t)
	d, _ := h.saveDeviceAuth(switchClient)

	res := h.run("verify", "--fake")
	expect(t, res, exitOK)
	assert.Equal(t, "account_id:     "+fakeAccount.ID+"\n"+
		"display_name:   epictoken-demo\n"+
		"client_id:      "+switchClient.ID+"\n"+
		"client_service: prod-fn\n"+
		"auth_method:    device_auth\n"+
		"device_id:      "+d.DeviceID+"\n"+
		"expires_at:     2025-01-01T14:00:00Z\n", res.stdout)
	assert.Empty(t, res.stderr)
	assert.Empty(t, h.f.Sessions(fakeAccount.ID), "the session was ended")
	assert.Equal(t, 1, h.f.Count("/account/api/oauth/verify"))

	res = h.run("verify", "--fake", "--perms")
	expect(t, res, exitOK)
	assertLines(t, res.stdout, "perm:           account:public:account:deviceAuths 11\n")
}

func TestSessionCommandsNeedAWorkingDeviceAuth(t *testing.T) {
	commands := [][]string{{"verify"}, {"device-auth", "list"}, {"device-auth", "delete"}, {"exchange-code"}, {"kill"}}
	for _, args := range commands {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			h := newHarness(t)
			res := h.run(append(args, "--fake")...)
			expect(t, res, exitLogin)
			assertLines(t, res.stderr, "no device auth in ", "Log in again with 'epictoken login'.")

			d, _ := h.saveDeviceAuth(switchClient)
			res = h.run(append(args, "--fake", "--client", "fortniteIOSGameClient")...)
			expect(t, res, exitLogin)
			assertLines(t, res.stderr, "made with another client than fortniteIOSGameClient", epicoauth.ErrorCodeInvalidAccountCredentials)

			h.f.DeleteDeviceAuth(d.AccountID, d.DeviceID) // the password changed
			res = h.run(append(args, "--fake")...)
			expect(t, res, exitLogin)

			h.saveDeviceAuth(switchClient)
			// Longer than the retry policy waits (60 s), so it reaches the command.
			h.f.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: 5 * time.Minute})
			res = h.run(append(args, "--fake")...)
			expect(t, res, exitTemporary)
			assertLines(t, res.stderr, "Epic asks to wait 5m0s before trying again.")
		})
	}
}

func TestDeviceAuthListAndDelete(t *testing.T) {
	h := newHarness(t)
	other := h.f.NewDeviceAuth(fakeAccount.ID, switchClient.ID)
	h.rec.add(other.Secret)
	h.f.Clock().Advance(time.Minute)
	saved, path := h.saveDeviceAuth(switchClient)

	res := h.run("device-auth", "list", "--fake")
	expect(t, res, exitOK)
	lines := strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
	require.Len(t, lines, 3, res.stdout)
	assert.Regexp(t, `^\s+DEVICE ID\s+CREATED\s+LAST USED\s+USER AGENT$`, lines[0])
	assert.Regexp(t, `^\s+`+other.DeviceID+`\s+2025-01-01T12:00:00Z Local\s+-\s*$`, lines[1])
	assert.Regexp(t, `^\*\s+`+saved.DeviceID+`\s+2025-01-01T12:01:00Z Local\s+2025-01-01T12:01:00Z Local`, lines[2])
	assert.Empty(t, h.f.Sessions(fakeAccount.ID))

	res = h.run("device-auth", "delete", other.DeviceID, "--fake")
	expect(t, res, exitOK)
	assert.Equal(t, "Deleted device auth "+other.DeviceID+" of account "+fakeAccount.ID+".\n", res.stderr)
	assert.False(t, h.f.DeleteDeviceAuth(other.AccountID, other.DeviceID), "deleted on the fake")
	assert.FileExists(t, path)

	res = h.run("device-auth", "delete", "--fake", "no-such-device")
	expect(t, res, exitError) // a mistyped id, not a login problem
	assertLines(t, res.stderr, "account "+fakeAccount.ID+" has no device auth no-such-device", epicoauth.ErrorCodeDeviceAuthNotFound)

	res = h.run("device-auth", "delete", "--fake")
	expect(t, res, exitOK)
	assertLines(t, res.stderr, "Deleted device auth "+saved.DeviceID, "Removed "+path)
	assert.NoFileExists(t, path)
	assert.False(t, h.f.DeleteDeviceAuth(saved.AccountID, saved.DeviceID))
	assert.Empty(t, h.f.Sessions(fakeAccount.ID))
}

func TestExchangeCode(t *testing.T) {
	h := newHarness(t)
	h.saveDeviceAuth(switchClient)
	ctx := context.Background()
	ios := named("fortniteIOSGameClient")

	res := h.runPrinting("exchange-code", "--fake", "--consumer", "fortniteIOSGameClient")
	expect(t, res, exitOK)
	code := strings.TrimSpace(res.stdout)
	assert.Equal(t, "Exchange code for client "+ios.ID+", valid once until 2025-01-01T12:05:00Z.\n", res.stderr)
	assert.Equal(t, ios.ID, h.f.Requests()[len(h.f.Requests())-1].Query.Get("consumingClientId"))
	assert.Len(t, h.f.Sessions(fakeAccount.ID), 1, "the session that made the code stays")

	_, err := h.f.config(launcherClient).Token(ctx, epic.ExchangeCode(code))
	var e *epicoauth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, epicoauth.ErrorCodeExchangeCodeClientMismatch, e.ErrorCode)
	tok, err := h.f.config(ios).Token(ctx, epic.ExchangeCode(code))
	require.NoError(t, err)
	assert.Equal(t, fakeAccount.ID, epic.AccountID(tok))

	// Without --consumer any client may redeem it; the command's own
	// token grant can.
	res = h.runPrinting("exchange-code", "--fake")
	expect(t, res, exitOK)
	assertLines(t, res.stderr, "Exchange code for any client")
	h.env = map[string]string{envCode: strings.TrimSpace(res.stdout)}
	printedToken(t, h, h.runPrinting("token", "--fake", "--grant", "exchange_code", "--client", "launcherAppClient2"), fakeAccount.ID)
}

func TestKill(t *testing.T) {
	tests := []struct {
		args []string
		kind epic.KillType
	}{
		{nil, epic.KillOthersAccountClient},
		{[]string{"--type", "others"}, epic.KillOthers},
		{[]string{"--type", "ALL"}, epic.KillAll},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			h := newHarness(t)
			d, _ := h.saveDeviceAuth(switchClient)
			ctx := context.Background()
			for range 3 { // sessions a bot left behind
				_, err := h.f.config(switchClient).Token(ctx, d)
				require.NoError(t, err)
			}
			require.Len(t, h.f.Sessions(fakeAccount.ID), 3)

			res := h.run(append([]string{"kill", "--fake"}, tt.args...)...)
			expect(t, res, exitOK)
			assert.Equal(t, "Ended the "+string(tt.kind)+" sessions of account "+fakeAccount.ID+".\n", res.stderr)
			assert.Empty(t, h.f.Sessions(fakeAccount.ID), "the others and its own")
			var kill epictest.Request
			for _, r := range h.f.Requests() {
				if r.Method == http.MethodDelete && r.Path == "/account/api/oauth/sessions/kill" {
					kill = r
				}
			}
			assert.Equal(t, string(tt.kind), kill.Query.Get("killType"))

			_, err := h.f.config(switchClient).Token(ctx, d)
			assert.NoError(t, err, "the device auth keeps working")
		})
	}
}

// A failure to end the session after the work is done is only a warning.
func TestSessionEndFailureIsAWarning(t *testing.T) {
	h := newHarness(t)
	h.saveDeviceAuth(switchClient)
	h.rec.after = func(r *http.Request) {
		if r.URL.Path == "/account/api/oauth/verify" {
			h.f.Inject(epictest.Fault{Kind: epictest.ServerError})
		}
	}
	res := h.run("verify", "--fake")
	expect(t, res, exitOK)
	assertLines(t, res.stdout, "account_id:")
	assertLines(t, res.stderr, "epictoken: warning: ending the session: epic: killing session: epicoauth: 500 Internal Server Error")
}

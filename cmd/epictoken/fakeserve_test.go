package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/internal/proctest"
)

// envRunMain makes the test binary run the command itself, so that tests
// can start epictoken as a real process without building it.
const envRunMain = "EPICTOKEN_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) == "1" {
		os.Args = append([]string{"epictoken"}, os.Args[1:]...)
		main()
	}
	os.Exit(m.Run())
}

// epictokenCmd is epictoken as a separate process with args.
func epictokenCmd(ctx context.Context, t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, exe, args...)
	// Under -race a process waits 1 s at exit unless told not to.
	cmd.Env = append(os.Environ(), envRunMain+"=1", "GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE"),
		"HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// runEpictoken runs epictoken to the end and returns its stdout, requiring
// exit status 0.
func runEpictoken(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := epictokenCmd(ctx, t, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "epictoken %s\nstderr:\n%s", strings.Join(args, " "), stderr.String())
	return stdout.String()
}

// startFakeProcess starts 'epictoken fake' with args and returns its state
// once it serves, and the process, which the test's cleanup stops.
func startFakeProcess(ctx context.Context, t *testing.T, args ...string) (fakeState, *exec.Cmd, *proctest.Buffer) {
	t.Helper()
	cmd := epictokenCmd(ctx, t, append([]string{"fake"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &proctest.Buffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var st fakeState
	require.NoError(t, json.NewDecoder(stdout).Decode(&st), "stderr:\n%s", stderr.String())
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return st, cmd, stderr
}

// TestFakeServerEndToEnd drives a real 'epictoken fake' process over HTTPS
// as a program in another language would: Epic's host names resolved to
// the fake, its CA trusted, credentials from its state file.
func TestFakeServerEndToEnd(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("stops the fake with SIGTERM")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	statePath, caPath := filepath.Join(dir, "state.json"), filepath.Join(dir, "ca.pem")
	st, fakeProc, fakeStderr := startFakeProcess(ctx, t, "--tls", "--ca-out", caPath, "--state-out", statePath)

	written, err := os.ReadFile(statePath)
	require.NoError(t, err)
	var fromFile fakeState
	require.NoError(t, json.Unmarshal(written, &fromFile))
	assert.Equal(t, st, fromFile, "the state file says what stdout says")
	info, err := os.Stat(statePath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "it holds secrets")
	assert.Equal(t, caPath, st.CA)
	require.True(t, strings.HasPrefix(st.URL, "https://127.0.0.1:"), st.URL)

	// The test's client: Epic's real URLs, every name dialled to the fake,
	// and only the fake's CA trusted.
	pemData, err := os.ReadFile(st.CA)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemData))
	fakeAddr := strings.TrimPrefix(st.URL, "https://")
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, fakeAddr)
		},
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	post := func(form url.Values, clientID, secret string) (int, http.Header, map[string]any) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, "POST", "https://account-public-service-prod.ol.epicgames.com/account/api/oauth/token", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.SetBasicAuth(clientID, secret)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return resp.StatusCode, resp.Header, body
	}
	admin := func(path, body string) {
		t.Helper()
		resp, err := hc.Post("https://www.epicgames.com/_epictest"+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
	}

	// A login with the seeded device auth, then a refresh.
	require.Len(t, st.DeviceAuths, 1)
	da := st.DeviceAuths[0]
	secret := ""
	for _, c := range st.Clients {
		if c.ID == da.ClientID {
			secret = c.Secret
		}
	}
	require.NotEmpty(t, secret)
	status, _, tok := post(url.Values{"grant_type": {"device_auth"}, "account_id": {da.AccountID}, "device_id": {da.DeviceID}, "secret": {da.Secret}}, da.ClientID, secret)
	require.Equal(t, 200, status, "%v", tok)
	assert.Equal(t, fakeAccount.ID, tok["account_id"])
	status, _, refreshed := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}, da.ClientID, secret)
	require.Equal(t, 200, status, "%v", refreshed)
	assert.NotEqual(t, tok["access_token"], refreshed["access_token"])

	// The state's exchange code works once, for any client.
	launcher := wellKnownClients["launcherAppClient2"]
	status, _, _ = post(url.Values{"grant_type": {"exchange_code"}, "exchange_code": {st.ExchangeCode.Code}}, launcher.ID, launcher.Secret)
	assert.Equal(t, 200, status)

	// epictoken runs against the fake: a device-code login that saves a
	// device auth, an exchange code from it, and the code redeemed by a
	// second run for another client.
	fakeFlags := []string{"--fake-url", st.URL, "--ca", st.CA}
	daPath := filepath.Join(dir, "deviceauth.json")
	assert.Equal(t, daPath+"\n", runEpictoken(ctx, t, append([]string{"login", "--no-qr", "--out", daPath}, fakeFlags...)...))
	code := strings.TrimSpace(runEpictoken(ctx, t, append([]string{"exchange-code", "--device-auth", daPath}, fakeFlags...)...))
	require.Regexp(t, "^[0-9a-f]{32}$", code)
	out := runEpictoken(ctx, t, append([]string{"token", "--grant", "exchange_code", "--code", code, "--client", "launcherAppClient2", "--json"}, fakeFlags...)...)
	handedOff, err := epicoauth.UnmarshalToken([]byte(out))
	require.NoError(t, err, out)
	assert.Equal(t, fakeAccount.ID, epic.AccountID(handedOff))
	assert.Equal(t, launcher.ID, handedOff.Extra("client_id"))

	// A throttle fault through the admin API.
	admin("/faults", `{"kind":"throttle","retryAfter":30,"path":"/account/api/oauth/token"}`)
	status, header, body := post(url.Values{"grant_type": {"client_credentials"}}, launcher.ID, launcher.Secret)
	assert.Equal(t, 429, status)
	assert.Equal(t, "30", header.Get("Retry-After"))
	assert.Equal(t, "errors.com.epicgames.common.throttled", body["errorCode"])
	status, _, _ = post(url.Values{"grant_type": {"client_credentials"}}, launcher.ID, launcher.Secret)
	assert.Equal(t, 200, status, "the fault applied once")

	// A served fake's clock follows real time unless --frozen.
	resp, err := hc.Get("https://www.epicgames.com/_epictest/clock")
	require.NoError(t, err)
	var clock struct{ Frozen bool }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&clock))
	resp.Body.Close()
	assert.False(t, clock.Frozen, "the clock runs by default")

	// SIGTERM ends it cleanly, with status 0.
	require.NoError(t, fakeProc.Process.Signal(syscall.SIGTERM))
	require.NoError(t, fakeProc.Wait(), "stderr:\n%s", fakeStderr.String())
	assert.Contains(t, fakeStderr.String(), "fake stopped")
}

func TestFakeServerSeedAndSignal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("stops the fake with SIGINT")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seed := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`{
		"clients": [{"name": "bot", "id": "b0b", "secret": "s3cret", "grants": ["client_credentials", "exchange_code"]}],
		"accounts": [{"displayName": "first"}, {"id": "a2", "displayName": "second", "correctiveAction": "DATE_OF_BIRTH"}],
		"deployments": [{"id": "dep1"}],
		"deviceAuths": [{"accountId": "a2", "clientId": "bot"}]}`), 0o600))
	st, proc, stderr := startFakeProcess(ctx, t, "--seed", seed, "--frozen")

	require.True(t, strings.HasPrefix(st.URL, "http://127.0.0.1:"), st.URL)
	assert.Empty(t, st.CA)
	assert.Equal(t, st.URL+"/_epictest", st.AdminURL)
	require.Len(t, st.Clients, 1)
	assert.Equal(t, "bot", st.Clients[0].Name)
	require.Len(t, st.Accounts, 2)
	assert.Regexp(t, "^[0-9a-f]{32}$", st.Accounts[0].ID)
	assert.Equal(t, "DATE_OF_BIRTH", st.Accounts[1].CorrectiveAction)
	assert.Equal(t, "dep1", st.Deployments[0].ID)
	require.Len(t, st.DeviceAuths, 1)
	assert.Equal(t, "b0b", st.DeviceAuths[0].ClientID)
	assert.Regexp(t, "^[0-9a-f]{32}$", st.DeviceAuths[0].Secret)
	assert.Equal(t, st.Accounts[0].ID, st.ExchangeCode.AccountID)

	resp, err := http.Get(st.AdminURL + "/clock")
	require.NoError(t, err)
	var clock struct{ Frozen bool }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&clock))
	resp.Body.Close()
	assert.True(t, clock.Frozen)

	require.NoError(t, proc.Process.Signal(os.Interrupt))
	require.NoError(t, proc.Wait(), "stderr:\n%s", stderr.String())
}

func TestFakeServerCommandLineErrors(t *testing.T) {
	h := newHarnessWithoutFake(t)
	badSeed := h.path("seed.json")
	require.NoError(t, os.WriteFile(badSeed, []byte(`{"clients": [{"secret": "hunter2-secret"`), 0o600))
	dupSeed := h.path("dup.json")
	require.NoError(t, os.WriteFile(dupSeed, []byte(`{"accounts": [{"id": "a"}, {"id": "a"}]}`), 0o600))
	tests := []struct {
		name    string
		args    []string
		code    int
		message string
	}{
		{"ca-out without tls", []string{"fake", "--ca-out", "ca.pem"}, exitUsage, "--ca-out and --host need --tls"},
		{"argument", []string{"fake", "extra"}, exitUsage, `unexpected argument "extra"`},
		{"seed missing", []string{"fake", "--seed", h.path("none.json")}, exitUsage, "reading --seed"},
		{"seed not JSON", []string{"fake", "--seed", badSeed}, exitUsage, "not valid JSON"},
		{"seed conflict", []string{"fake", "--seed", dupSeed}, exitUsage, "account a is already registered"},
		{"bad address", []string{"fake", "--addr", "127.0.0.1:99999"}, exitError, "invalid port"},
		{"two fakes", []string{"token", "--grant", "client_credentials", "--client", "launcherAppClient2", "--fake", "--fake-url", "http://127.0.0.1:1"}, exitUsage, "give one"},
		{"ca without fake-url", []string{"token", "--grant", "client_credentials", "--client", "launcherAppClient2", "--ca", "ca.pem"}, exitUsage, "--ca is for --fake-url"},
		{"fake-url with a path", []string{"token", "--grant", "client_credentials", "--client", "launcherAppClient2", "--fake-url", "http://127.0.0.1:1/account"}, exitUsage, "base URL"},
		{"ca not PEM", []string{"token", "--grant", "client_credentials", "--client", "launcherAppClient2", "--fake-url", "https://127.0.0.1:1", "--ca", badSeed}, exitUsage, "holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.run(tt.args...)
			expect(t, res, tt.code)
			assert.Contains(t, res.stderr, tt.message)
			assert.NotContains(t, res.stderr, "hunter2")
			assert.Empty(t, res.stdout)
		})
	}
}

// TestFakeURL runs commands against a fake in this process by URL, as
// against a running 'epictoken fake': the runs share its state.
func TestFakeURL(t *testing.T) {
	h := newHarness(t)
	srv := h.f // reached only by its URL: --fake is not given
	h.saveDeviceAuth(switchClient)

	res := h.runPrinting("exchange-code", "--fake-url", srv.URL)
	expect(t, res, exitOK)
	code := strings.TrimSpace(res.stdout)
	h.rec.add(code)
	printedToken(t, h, h.runPrinting("token", "--fake-url", srv.URL+"/", "--grant", "exchange_code", "--code", code, "--client", "launcherAppClient2"), fakeAccount.ID)
	res = h.run("token", "--fake-url", srv.URL, "--grant", "exchange_code", "--code", code, "--client", "launcherAppClient2")
	expect(t, res, exitLogin)
	assert.Contains(t, res.stderr, epicoauth.ErrorCodeExchangeCodeNotFound, "the code was spent by the previous run")

	res = h.run("verify", "--fake-url", srv.URL)
	expect(t, res, exitOK)
	assert.Contains(t, res.stdout, fakeAccount.ID)
}

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

func TestTopLevelUsage(t *testing.T) {
	h := newHarnessWithoutFake(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"-help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			res := h.run(args...)
			expect(t, res, exitOK)
			for _, c := range commands {
				assert.Contains(t, res.stdout, "  "+c.name)
			}
			assertLines(t, res.stdout, "Exit status:", "3    a person must log in", "4    temporary", "--fake")
			assert.Empty(t, res.stderr)
		})
	}

	t.Run("no arguments", func(t *testing.T) {
		res := h.run()
		expect(t, res, exitUsage)
		assert.Empty(t, res.stdout)
		assert.Contains(t, res.stderr, "Commands:")
	})
}

func TestCommandHelp(t *testing.T) {
	h := newHarnessWithoutFake(t)
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
				res := h.run(args...)
				expect(t, res, exitOK)
				assert.True(t, strings.HasPrefix(res.stdout, "Usage: epictoken "+c.name), res.stdout)
				assert.Empty(t, res.stderr)
				switch c.name {
				case "demo":
				case "fake":
					assertLines(t, res.stdout, "Flags:", "  --addr HOST:PORT\n", "Admin API", "/_epictest/faults")
				default:
					assertLines(t, res.stdout, "Flags:", "  --fake\n", "  --client NAME\n", "  --fake-url URL\n", "  --ca FILE\n")
				}
			}
		})
	}
}

func TestCommandLineErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name    string
		args    []string
		message string
	}{
		{"unknown command", []string{"tokne"}, `unknown command "tokne"`},
		{"help for an unknown command", []string{"help", "tokne"}, `no help for unknown command "tokne"`},
		{"secret as a command", []string{"34a02cf8f4414e29b15921876da36f9a:daafbccc737745039dffe53d94fc76cf"}, "unknown command (not shown: it may be a secret)"},
		{"unknown flag", []string{"token", "--grnat", "x"}, `unknown flag "--grnat"`},
		{"secret as a flag name", []string{"token", "--34a02cf8f4414e29b15921876da36f9a"}, "unknown flag (not shown: it may be a secret)"},
		{"secret as a boolean flag's value", []string{"token", "--json=daafbccc737745039dffe53d94fc76cf"}, "invalid value for --json (not shown: it may be a secret): parse error"},
		{"secret as bad flag syntax", []string{"token", "-=daafbccc737745039dffe53d94fc76cf"}, "bad flag syntax (not shown: it may be a secret)"},
		{"extra argument", []string{"verify", "--fake", "now"}, `unexpected argument "now"`},
		{"secret as an argument", []string{"verify", "--fake", "0a2449a2-001a-451e-afec-3e812901c4d7"}, "unexpected argument (not shown"},
		{"demo takes no flags", []string{"demo", "--fake"}, `unknown flag "--fake"`},
		{"device-auth without action", []string{"device-auth", "--fake"}, "device-auth needs list or delete"},
		{"device-auth unknown action", []string{"device-auth", "show", "--fake"}, `unknown device-auth action "show"`},
		{"device-auth delete two ids", []string{"device-auth", "delete", "a", "b", "--fake"}, "one DEVICE_ID"},
		{"kill unknown type", []string{"kill", "--fake", "--type", "SOME"}, "invalid value for --type (not shown: it may be a secret): want one of OTHERS_ACCOUNT_CLIENT, "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.run(tt.args...)
			expect(t, res, exitUsage)
			assert.Empty(t, res.stdout)
			assertLines(t, res.stderr, tt.message, "Run 'epictoken --help' for usage.")
			assert.Equal(t, 1, strings.Count(res.stderr, tt.message), "said once")
		})
	}
	assert.Empty(t, h.f.Requests(), "no request for a bad command line")
}

func TestExitCode(t *testing.T) {
	throttled := &epicoauth.Error{StatusCode: 429, ErrorCode: epicoauth.ErrorCodeThrottled, RetryAfter: 30_000_000_000}
	tests := []struct {
		name string
		err  error
		code int
		hint string
	}{
		{"nil", nil, exitOK, ""},
		{"usage", usagef("bad"), exitUsage, "--help"},
		{"login required from a token source", fmt.Errorf("%w: %w", epicoauth.ErrLoginRequired, errors.New("x")), exitLogin, "epictoken login"},
		{"spent refresh token", &epicoauth.Error{StatusCode: 400, ErrorCode: epicoauth.ErrorCodeInvalidRefreshToken}, exitLogin, "epictoken login"},
		{"missing device auth", &loginError{errors.New("no file")}, exitLogin, "epictoken login"},
		{"device code expired", fmt.Errorf("x: %w", epic.ErrDeviceCodeExpired), exitLogin, "epictoken login"},
		{"corrective action", &epicoauth.Error{StatusCode: 400, ErrorCode: epicoauth.ErrorCodeCorrectiveActionRequired,
			ContinuationURL: "https://www.epicgames.com/id/login/eula"}, exitLogin, "open https://www.epicgames.com/id/login/eula"},
		{"throttled", fmt.Errorf("wrapped: %w", throttled), exitTemporary, "wait 30s"},
		{"server error", &epicoauth.Error{StatusCode: 503}, exitTemporary, "try again later"},
		{"network", &url.Error{Op: "Post", URL: "https://x", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, exitTemporary, "try again later"},
		{"timeout", context.DeadlineExceeded, exitTemporary, "try again later"},
		{"interrupted", fmt.Errorf("x: %w", context.Canceled), exitInterrupted, ""},
		{"client not allowed", &epicoauth.Error{StatusCode: 400, ErrorCode: epicoauth.ErrorCodeUnauthorizedClient}, exitError, ""},
		{"other", errors.New("disk full"), exitError, ""},
		// syscall.Errno satisfies net.Error: a local file error must not
		// read as temporary, or a retrying script loops for ever.
		{"directory at a file's path", &fs.PathError{Op: "read", Path: "/tmp/x", Err: syscall.EISDIR}, exitError, ""},
		{"unreadable file", fmt.Errorf("loading token: %w", &fs.PathError{Op: "open", Path: "/x", Err: syscall.EACCES}), exitError, ""},
		// An untrusted certificate is not cured by waiting.
		{"unknown certificate authority", &url.Error{Op: "Post", URL: "https://x", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, exitError, "--ca FILE"},
		{"certificate for another host", &url.Error{Op: "Post", URL: "https://x", Err: x509.HostnameError{Host: "x"}}, exitError, "--ca FILE"},
		{"connection refused", &url.Error{Op: "Post", URL: "https://x", Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}, exitTemporary, "try again later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.code, exitCode(tt.err))
			if tt.hint == "" {
				assert.Empty(t, hint(tt.err))
			} else {
				assert.Contains(t, hint(tt.err), tt.hint)
			}
		})
	}
}

// run itself, as main calls it, with the process's environment.
func TestRun(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"token", "--fake", "--grant", "client_credentials", "--client", defaultLoginClient}, &stdout, &stderr, os.Getenv)
	require.Equal(t, exitOK, code, stderr.String())
	assert.Regexp(t, `^[0-9a-f]{32}\n$`, stdout.String())
	assert.Empty(t, stderr.String())
}

func TestDeviceAuthPath(t *testing.T) {
	failing := func() (string, error) { return "", errors.New("$HOME is not defined") }
	tests := []struct {
		name      string
		flag, env string
		fake      bool
		configDir func() (string, error)
		want      string
		err       string
	}{
		{"flag", "/x/da.json", "/env/da.json", false, nil, "/x/da.json", ""},
		{"environment", "", "/env/da.json", false, nil, "/env/da.json", ""},
		{"default", "", "", false, nil, "/cfg/epictoken/deviceauth.json", ""},
		{"fake default", "", "/env/da.json", true, nil, "/cfg/epictoken/deviceauth-fake.json", ""},
		{"fake flag", "/x/da.json", "", true, nil, "/x/da.json", ""},
		{"no config directory", "", "", false, failing, "", "pass --device-auth FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &cli{getenv: func(k string) string {
				if k == envDeviceAuth {
					return tt.env
				}
				return ""
			}, configDir: func() (string, error) { return "/cfg", nil }}
			if tt.configDir != nil {
				r.configDir = tt.configDir
			}
			got, err := r.deviceAuthPath(tt.flag, tt.fake)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, strings.ReplaceAll(tt.want, "/", string(os.PathSeparator)), got)
		})
	}
}

// The fake knows the public clients with the grants Epic gives them.
func TestFakeClients(t *testing.T) {
	f := newFake()
	defer f.Close()
	ctx := context.Background()
	launcher := f.config(wellKnownClients["launcherAppClient2"])
	_, err := launcher.DeviceAuthorization(ctx)
	var e *epicoauth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, epicoauth.ErrorCodeUnauthorizedClient, e.ErrorCode)

	custom := client{ID: "0123456789abcdef0123456789abcdef", Secret: "my-own-secret-value"}
	tok, err := f.config(custom).Token(ctx, epic.ClientCredentials())
	require.NoError(t, err)
	assert.Equal(t, custom.ID, epic.ClientID(tok))
	assert.NotPanics(t, func() { f.config(custom) }, "registered once")
}

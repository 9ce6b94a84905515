package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/epic"
)

// harness runs the command as a user would, against a fake, and checks
// that no secret that crossed the wire shows up in its output.
type harness struct {
	t   *testing.T
	f   *fake // the fake --fake uses; nil to let each run start its own
	env map[string]string
	dir string // the user's config directory
	rec *recorder
	ctx context.Context
	// stdin is what the next run reads on stdin; nil for none.
	stdin io.Reader
}

// newHarness starts a fake for the test's runs.
func newHarness(t *testing.T) *harness {
	h := newHarnessWithoutFake(t)
	h.f = newFake()
	t.Cleanup(h.f.Close)
	return h
}

// newHarnessWithoutFake lets every --fake run start its own fake, as the
// command does outside tests.
func newHarnessWithoutFake(t *testing.T) *harness {
	rec := &recorder{secrets: map[string]bool{}}
	for _, c := range wellKnownClients {
		rec.add(c.Secret)
	}
	return &harness{
		t: t, env: map[string]string{}, dir: t.TempDir(), rec: rec,
		ctx: rec.context(context.Background()),
	}
}

// result is what a run printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

// run runs the command and checks that neither stdout nor stderr shows a
// secret.
func (h *harness) run(args ...string) result {
	h.t.Helper()
	res := h.runPrinting(args...)
	h.noSecrets("stdout", res.stdout)
	return res
}

// runPrinting is run for a command whose stdout is a secret asked for
// (token, exchange-code); only stderr is checked.
func (h *harness) runPrinting(args ...string) result {
	h.t.Helper()
	var stdout, stderr bytes.Buffer
	r := &cli{
		stdin:  h.stdin,
		stdout: &stdout, stderr: &stderr,
		getenv:    func(k string) string { return h.env[k] },
		configDir: func() (string, error) { return h.dir, nil },
		fake:      h.f,
	}
	res := result{code: r.main(h.ctx, args)}
	res.stdout, res.stderr = stdout.String(), stderr.String()
	h.noSecrets("stderr", res.stderr)
	return res
}

func (h *harness) noSecrets(name, output string) {
	h.t.Helper()
	for _, s := range h.rec.list() {
		if strings.Contains(output, s) {
			h.t.Errorf("%s shows the secret %.4s…:\n%s", name, s, output)
		}
	}
}

// path is a file in the test's config directory.
func (h *harness) path(name string) string { return filepath.Join(h.dir, name) }

// saveDeviceAuth makes a device auth for the fake's account and client c
// and saves it to the default file for --fake runs.
func (h *harness) saveDeviceAuth(c client) (epic.DeviceAuth, string) {
	h.t.Helper()
	d := h.f.NewDeviceAuth(fakeAccount.ID, c.ID)
	h.rec.add(d.Secret)
	path := filepath.Join(h.dir, "epictoken", "deviceauth-fake.json")
	require.NoError(h.t, epic.SaveDeviceAuth(path, d))
	return d, path
}

// expect checks an exit code and shows the output when it is wrong.
func expect(t *testing.T, res result, code int) {
	t.Helper()
	require.Equal(t, code, res.code, "stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
}

// recorder is an HTTP transport that remembers every secret crossing it:
// client secrets, tokens, codes and device-auth secrets, sent or received.
type recorder struct {
	mu      sync.Mutex
	secrets map[string]bool
	// after, if set, runs after each response.
	after func(*http.Request)
}

// context returns ctx with an HTTP client that goes through rec, where
// the library and the command look for one.
func (rec *recorder) context(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: rec})
}

func (rec *recorder) add(s string) {
	if len(s) < 12 { // too short to be a secret, and to search for
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.secrets[s] = true
}

func (rec *recorder) list() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := make([]string, 0, len(rec.secrets))
	for s := range rec.secrets {
		out = append(out, s)
	}
	return out
}

// secretFields are the form and JSON fields that hold secrets.
var secretFields = []string{"access_token", "refresh_token", "secret", "code", "exchange_code", "device_code",
	"external_auth_token", "code_verifier", "token", "id_token", "client_secret"}

func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	auth := req.Header.Get("Authorization")
	if b, ok := strings.CutPrefix(auth, "bearer "); ok {
		rec.add(b)
	} else if b, ok := strings.CutPrefix(auth, "Bearer "); ok {
		rec.add(b)
	} else if b, ok := strings.CutPrefix(auth, "Basic "); ok {
		if raw, err := base64.StdEncoding.DecodeString(b); err == nil {
			_, secret, _ := strings.Cut(string(raw), ":")
			rec.add(secret)
		}
	}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil {
			for _, k := range secretFields {
				rec.add(form.Get(k))
			}
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, k := range secretFields {
			s, _ := m[k].(string)
			rec.add(s)
		}
	}
	if rec.after != nil {
		rec.after(req)
	}
	return resp, nil
}

// fileMode is the permission bits of a file.
func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Mode().Perm()
}

// assertLines checks that output contains each of want.
func assertLines(t *testing.T, output string, want ...string) {
	t.Helper()
	for _, w := range want {
		assert.Contains(t, output, w)
	}
}

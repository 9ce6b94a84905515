package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// envDeviceAuth names the device-auth file when --device-auth is not given.
const envDeviceAuth = "EPICTOKEN_DEVICE_AUTH"

// userAgent is sent with every request to Epic.
const userAgent = "epictoken/" + epicoauth.Version + " " + epicoauth.DefaultUserAgent

// clientFlags are the flags of every command that talks to Epic.
type clientFlags struct {
	client, credentials string
	fake                bool
	fakeURL, ca         string // a running 'epictoken fake' and its CA
	fallback            string // the client used when none is given, or ""
}

// offline reports whether the command talks to a fake, embedded or
// running, rather than Epic.
func (f *clientFlags) offline() bool { return f.fake || f.fakeURL != "" }

func (f *clientFlags) register(fs *flagSet, fallback string) {
	f.fallback = fallback
	usage := "the client, by `NAME` (" + strings.Join(wellKnownNames(), ", ") + ") or as ID:SECRET"
	if fallback != "" {
		usage += " (default " + fallback + ")"
	}
	fs.StringVar(&f.client, "client", "", usage)
	fs.StringVar(&f.credentials, "credentials", "", "read the client from a JSON `FILE` {\"client_id\": ..., \"client_secret\": ...}")
	fs.BoolVar(&f.fake, "fake", false, "talk to an embedded fake of Epic (offline) instead of Epic")
	fs.StringVar(&f.fakeURL, "fake-url", "", "talk to the running 'epictoken fake' at `URL` instead of Epic")
	fs.StringVar(&f.ca, "ca", "", "with --fake-url https://..., trust the CA certificate in `FILE` (PEM), as 'epictoken fake --tls' writes it")
}

func (f *clientFlags) resolve(getenv func(string) string) (client, error) {
	return resolveClient(f.client, f.credentials, getenv, f.fallback)
}

// conn is where a command sends its requests: Epic, or a fake.
type conn struct {
	cfg  *epic.Config
	stop func() // stops a fake started for the command
}

// connect returns the connection for client c: Epic's account service; with
// --fake-url a running fake; or with --fake the embedded fake (a test's, or
// a new one that knows seed, a device auth loaded from a file, when not
// nil). The context it returns is ctx carrying the HTTP client that trusts
// --ca, if any, the way epic.Config picks its client: use it for every
// request on the connection.
func (r *cli) connect(ctx context.Context, f clientFlags, c client, seed *epic.DeviceAuth) (context.Context, *conn, error) {
	cn := &conn{stop: func() {}}
	switch {
	case f.fake && f.fakeURL != "":
		return nil, nil, usagef("--fake and --fake-url are two fakes: give one")
	case f.ca != "" && f.fakeURL == "":
		return nil, nil, usagef("--ca is for --fake-url https://...; Epic's certificates need no CA of yours")
	case f.fakeURL != "":
		base, err := fakeBaseURL(f.fakeURL)
		if err != nil {
			return nil, nil, err
		}
		// A fake's credentials are its own, so plain HTTP may cross a
		// network (a docker-compose service name, say).
		cn.cfg = &epic.Config{ClientID: c.ID, ClientSecret: c.Secret, Endpoint: epictest.AccountEndpointAt(base), AllowInsecureHTTP: true}
		if f.ca != "" {
			httpClient, err := caClient(f.ca)
			if err != nil {
				return nil, nil, err
			}
			ctx = context.WithValue(ctx, oauth2.HTTPClient, httpClient)
		}
	case f.fake:
		fk := r.fake
		if fk == nil {
			fk = newFake()
			cn.stop = fk.Close
			if seed != nil {
				fk.seed(*seed, c)
			}
		}
		cn.cfg = fk.config(c)
	default:
		cn.cfg = &epic.Config{ClientID: c.ID, ClientSecret: c.Secret}
	}
	cn.cfg.UserAgent = userAgent
	return ctx, cn, nil
}

// fakeBaseURL checks a --fake-url: http or https, a host, no path.
func fakeBaseURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
		return "", usagef("--fake-url must be the fake's base URL, such as http://127.0.0.1:8080 (the \"url\" of its state)")
	}
	return u.String(), nil
}

// caClient returns an HTTP client that trusts only the CA in the PEM file
// at path.
func caClient(path string) (*http.Client, error) {
	pemData, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("reading --ca: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		return nil, usagef("--ca %s holds no PEM certificate", path)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}

// defaultDeviceAuthHelp says where the device-auth file is by default.
const defaultDeviceAuthHelp = "(default $" + envDeviceAuth + ", else epictoken/deviceauth.json in the user's config directory; with --fake, epictoken/deviceauth-fake.json there)"

// deviceAuthFlags are the flags of the commands that use a saved device
// auth.
type deviceAuthFlags struct {
	clientFlags
	path string
}

func (f *deviceAuthFlags) register(fs *flagSet) {
	f.clientFlags.register(fs, defaultLoginClient)
	fs.StringVar(&f.path, "device-auth", "", "the device-auth `FILE` that 'epictoken login' saved "+defaultDeviceAuthHelp)
}

// deviceAuthPath is the file named by flagPath, else $EPICTOKEN_DEVICE_AUTH,
// else the default under the user's config directory. With a fake the
// default is another file, and the variable is not read, so that a fake
// login never replaces a real one.
func (r *cli) deviceAuthPath(flagPath string, fake bool) (string, error) {
	if flagPath != "" {
		return flagPath, nil
	}
	name := "deviceauth-fake.json"
	if !fake {
		if p := r.getenv(envDeviceAuth); p != "" {
			return p, nil
		}
		name = "deviceauth.json"
	}
	dir, err := r.configDir()
	if err != nil {
		return "", fmt.Errorf("finding the default device-auth file (pass --device-auth FILE): %w", err)
	}
	return filepath.Join(dir, "epictoken", name), nil
}

// loadDeviceAuth reads the device-auth file at path; a missing file means
// a login is needed.
func loadDeviceAuth(path string) (epic.DeviceAuth, error) {
	d, err := epic.LoadDeviceAuth(path)
	if errors.Is(err, fs.ErrNotExist) {
		return d, &loginError{fmt.Errorf("no device auth in %s (or pass --device-auth FILE)", path)}
	}
	return d, err
}

// session is a login with the saved device auth, for the commands that act
// on the account.
type session struct {
	*conn
	path       string
	deviceAuth epic.DeviceAuth
	tok        *oauth2.Token
}

// openSession logs in with the device auth that f names. The context it
// returns is the connection's (see connect).
func (r *cli) openSession(ctx context.Context, f *deviceAuthFlags) (context.Context, *session, error) {
	c, err := f.resolve(r.getenv)
	if err != nil {
		return nil, nil, err
	}
	path, err := r.deviceAuthPath(f.path, f.offline())
	if err != nil {
		return nil, nil, err
	}
	d, err := loadDeviceAuth(path)
	if err != nil {
		return nil, nil, err
	}
	ctx, cn, err := r.connect(ctx, f.clientFlags, c, &d)
	if err != nil {
		return nil, nil, err
	}
	s := &session{conn: cn, path: path, deviceAuth: d}
	s.tok, err = s.cfg.Token(ctx, d)
	if err != nil {
		s.stop()
		return nil, nil, fmt.Errorf("logging in with the device auth in %s (is it deleted, or made with another client than %s?): %w", path, c, err)
	}
	return ctx, s, nil
}

// end ends the session on Epic unless keep (an exchange code dies with
// the session that made it).
func (s *session) end(ctx context.Context, r *cli, keep bool) {
	if !keep {
		r.revoke(ctx, s.cfg, s.tok)
	}
	s.stop()
}

// revoke ends the session of tok on Epic, so that runs do not pile up
// sessions: Epic locks an account out for hours when there are too many.
// A failure is only reported: the command's work is done.
func (r *cli) revoke(ctx context.Context, cfg *epic.Config, tok *oauth2.Token) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := cfg.Revoke(ctx, tok); err != nil {
		r.warn("ending the session: %v", err)
	}
}

// cleanupContext is for the requests that tidy up after a command: they
// run even after Ctrl-C, but not for long.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

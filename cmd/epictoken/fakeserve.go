package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/epicoauth/epicoauth/epictest"
	"github.com/epicoauth/epicoauth/internal/secretfile"
)

var fakeCommand = &command{
	name:    "fake",
	summary: "serve a fake of Epic's services for programs in any language",
	usage: `Usage: epictoken fake [--addr HOST:PORT] [--tls [--ca-out FILE] [--host NAME]...]
                     [--seed FILE] [--state-out FILE] [flags]

Serves epictest, the fake of Epic's account service, EOS Connect and EOS Auth
that --fake embeds, until SIGINT or SIGTERM, so that programs in any language,
docker-compose tests and other epictoken runs (--fake-url URL) can use it.
Every Epic path is served from one address, whatever the Host header.

With --tls it serves HTTPS with a new CA and a certificate for Epic's real
host names (account-public-service-prod.ol.epicgames.com, -prod03...,
api.epicgames.dev, www.epicgames.com ...), localhost and 127.0.0.1, and
writes the CA to --ca-out: a client with Epic's URLs built in then only has
to resolve those names to the fake and trust the CA.

It knows the clients, accounts, deployments and device auths of --seed, a
JSON file:

  {"clients":     [{"name": "bot", "id": "...", "secret": "...",
                    "grants": ["device_auth", "refresh_token"]}],
   "accounts":    [{"id": "...", "displayName": "...", "correctiveAction": ""}],
   "deployments": [{"id": "..."}],
   "deviceAuths": [{"accountId": "...", "clientId": "bot or an id"}]}

(every field optional; missing ids and secrets are generated), or by default
the well-known clients with the grants Epic allows each, one account and a
device auth of it for ` + defaultLoginClient + `. It prints its state as JSON
on stdout, and writes it (mode 0600) to --state-out once it is serving:
url, adminUrl, ca, clients, accounts, deployments, deviceAuths (with their
secrets) and a fresh exchangeCode of the first account, valid 300 s.

Its clock follows real time (tokens expire as on Epic) unless --frozen.
Device codes approve themselves for the first account (see --approve-after).

Admin API (JSON in and out; errors are 4xx {"error": "..."}):
  GET    /_epictest/state                     url, clock, clients, accounts, deployments
  POST   /_epictest/seed                      a seed as above; answers it filled in
  POST   /_epictest/clients                   one client of a seed
  POST   /_epictest/accounts                  one account of a seed
  POST   /_epictest/device-auths              {accountId, clientId[, deviceId, secret]}
  POST   /_epictest/exchange-codes            {accountId, clientId} -> {code}
  POST   /_epictest/authorization-codes       {accountId, clientId} -> {code}
  POST   /_epictest/device-codes/approve      {userCode, accountId}
  POST   /_epictest/device-codes/auto-approve {accountId ("" = off), afterPolls}
  POST   /_epictest/corrective-action         {accountId, action ("" = clear)}
  POST   /_epictest/sessions/revoke           {accountId} -> {revoked}
  POST   /_epictest/keys/rotate               new ID-token signing keys (EOS Connect, EOS Auth)
  POST   /_epictest/faults                    {kind, times, path, status, retryAfter, delay, location}
  DELETE /_epictest/faults                    drop the faults not yet applied
  GET    /_epictest/clock                     {now, frozen}
  POST   /_epictest/clock                     {advance: "90m"} or {set: "2030-01-01T00:00:00Z"}, {frozen: true|false}
  GET    /_epictest/requests                  the request log (form field names, no secrets)
  DELETE /_epictest/requests                  empty the log
Fault kinds: throttle, server_error (5xx), html, delay, drop, huge_body,
malformed_json, redirect (to location), broken_optional_fields (a token
answer with refresh_expires 1e309 and a repeated expires_in); retryAfter is
in seconds, delay a duration such as "2s".

Exit status 0 when stopped by a signal, 1 when it cannot serve, 2 for a bad
command line or seed file.
`,
	run: (*cli).fakeCmd,
}

// fakeState is what 'epictoken fake' prints and writes for the programs
// that use it.
type fakeState struct {
	URL          string                    `json:"url"`
	AdminURL     string                    `json:"adminUrl"`
	CA           string                    `json:"ca,omitempty"`
	Hosts        []string                  `json:"hosts,omitempty"`
	PID          int                       `json:"pid"`
	Clients      []epictest.SeedClient     `json:"clients"`
	Accounts     []epictest.SeedAccount    `json:"accounts"`
	Deployments  []epictest.SeedDeployment `json:"deployments"`
	DeviceAuths  []epictest.SeedDeviceAuth `json:"deviceAuths"`
	ExchangeCode *fakeCode                 `json:"exchangeCode,omitempty"`
}

// fakeCode is an exchange code and whose it is.
type fakeCode struct {
	Code      string `json:"code"`
	AccountID string `json:"accountId"`
	ClientID  string `json:"clientId"`
}

// maxSeedFile bounds what --seed reads.
const maxSeedFile = 4 << 20

func (r *cli) fakeCmd(ctx context.Context, fs *flagSet, args []string) error {
	addr := fs.String("addr", "127.0.0.1:0", "listen on `HOST:PORT` (port 0 picks a free one; 0.0.0.0:PORT serves other machines, and its admin API has no password)")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a certificate for Epic's host names")
	caOut := fs.String("ca-out", "", "with --tls, write the CA certificate (PEM) to `FILE` (default a temporary file, removed on exit)")
	var hosts stringList
	fs.Var(&hosts, "host", "with --tls, also certify `NAME` (a host name or IP address); repeatable")
	seedPath := fs.String("seed", "", "register the clients, accounts, deployments and device auths of the JSON `FILE`")
	stateOut := fs.String("state-out", "", "write the state JSON to `FILE` (0600) once serving")
	frozen := fs.Bool("frozen", false, "start with the clock frozen (move it through the admin API)")
	interval := fs.Duration("device-code-interval", time.Second, "the polling `INTERVAL` device codes ask for (Epic asks 10s)")
	approveAfter := fs.Int("approve-after", 0, "device codes approve themselves for the first account after `N` pending polls; -1 never")
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	if !*useTLS && (*caOut != "" || len(hosts) > 0) {
		return usagef("--ca-out and --host need --tls")
	}
	seed := wellKnownSeed()
	if *seedPath != "" {
		var err error
		if seed, err = readSeed(*seedPath); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		// %v: a port in use is no network trouble worth retrying (exit 4).
		return fmt.Errorf("cannot serve: %v", err)
	}
	opts := &epictest.Options{Clock: epictest.NewRunningClock(), Clients: []epictest.Client{}, DeviceCodeInterval: *interval, Listener: ln}
	if len(seed.Deployments) > 0 {
		opts.Deployments = []epictest.Deployment{}
	}
	state := fakeState{PID: os.Getpid()}
	if *useTLS {
		h, err := epictest.NewHostsTLS(hosts...)
		if err != nil {
			_ = ln.Close()
			return err
		}
		if state.CA, err = writeCA(*caOut, h.CAPEM); err != nil {
			_ = ln.Close()
			return err
		}
		if *caOut == "" {
			defer os.Remove(state.CA)
		}
		opts.TLS, opts.TLSConfig, state.Hosts = true, h.Config, append(epictest.EpicHosts, hosts...)
	}
	srv := epictest.NewServer(opts)
	defer srv.Close()
	if host, port, err := net.SplitHostPort(ln.Addr().String()); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			// Bound to every interface: this machine reaches it on loopback.
			srv.URL = strings.Replace(srv.URL, ln.Addr().String(), net.JoinHostPort("127.0.0.1", port), 1)
		}
	}

	seeded, err := srv.Seed(seed)
	if err != nil {
		return usagef("--seed %s: %v", *seedPath, err)
	}
	if len(seed.Deployments) == 0 {
		seeded.Deployments = []epictest.SeedDeployment{epictest.SeedDeployment(srv.DefaultDeployment())}
	}
	if len(seeded.Accounts) > 0 && *approveAfter >= 0 {
		srv.AutoApproveDeviceCodes(seeded.Accounts[0].ID, *approveAfter)
	}
	if *frozen {
		srv.Clock().Freeze()
	}
	state.URL, state.AdminURL = srv.URL, srv.URL+epictest.AdminPath
	state.Clients, state.Accounts, state.Deployments, state.DeviceAuths = seeded.Clients, seeded.Accounts, seeded.Deployments, seeded.DeviceAuths
	state.ExchangeCode = firstExchangeCode(srv, seeded)
	data, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if *stateOut != "" {
		if err := secretfile.Write(*stateOut, data, 0o600); err != nil {
			return err
		}
	}
	if _, err := r.stdout.Write(data); err != nil {
		return err
	}
	fmt.Fprintf(r.stderr, "epictoken: fake Epic serving at %s (admin API %s); stop it with Ctrl-C or SIGTERM.\n", state.URL, state.AdminURL)

	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	fmt.Fprintln(r.stderr, "epictoken: fake stopped.")
	return nil
}

// readSeed reads a --seed file. Its errors never quote the file: it holds
// secrets.
func readSeed(path string) (epictest.Seed, error) {
	var seed epictest.Seed
	data, err := secretfile.Read(path, maxSeedFile)
	if err != nil {
		return seed, usagef("reading --seed: %v", err)
	}
	if err := secretfile.Decode(data, &seed); err != nil {
		return seed, usagef("--seed %s: %v", path, err)
	}
	return seed, nil
}

// writeCA writes the CA to path, or to a new temporary file when path is
// empty, and returns the file's path.
func writeCA(path string, pemData []byte) (string, error) {
	if path != "" {
		return path, os.WriteFile(path, pemData, 0o644)
	}
	f, err := os.CreateTemp("", "epictoken-fake-ca-*.pem")
	if err != nil {
		return "", err
	}
	_, err = f.Write(pemData)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// firstExchangeCode mints an exchange code of the first seeded account, by
// the client of its first device auth (any client may redeem it), for a
// program's first login.
func firstExchangeCode(srv *epictest.Server, seeded epictest.Seed) *fakeCode {
	if len(seeded.Accounts) == 0 || len(seeded.Clients) == 0 {
		return nil
	}
	c := fakeCode{AccountID: seeded.Accounts[0].ID, ClientID: seeded.Clients[0].ID}
	for _, d := range seeded.DeviceAuths {
		if d.AccountID == c.AccountID {
			c.ClientID = d.ClientID
			break
		}
	}
	c.Code = srv.NewExchangeCode(c.AccountID, c.ClientID)
	return &c
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

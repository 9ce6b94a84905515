package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

var demoCommand = &command{
	name:    "demo",
	summary: "walk through the library's main flows against an embedded fake of Epic",
	usage: `Usage: epictoken demo

Starts epictest, the library's in-process fake of Epic's account service,
EOS Connect and EOS Auth, and walks through the main flows, printing what
each step sends and gets: a client-credentials token; a device-code login
(the fake approves it); a device auth made from that login; an http.Client on
a device_auth TokenSource through several expiries and refresh-token
rotations; EOS Connect client and product-user tokens; an Epic Account
Services session made from the account session, with a signed ID token; a
throttled request; and three replicas that share one FileStore, renewing
once per expiry and keeping one Epic session. It needs no network and no
credentials, and runs in well under a second: the fake's clock jumps ahead
instead of sleeping. Secrets are shown by their first characters.
`,
	run: (*cli).demo,
}

// demo writes the transcript; each step is a method.
type demo struct {
	w      io.Writer
	f      *fake
	client client
	cfg    *epic.Config
	start  time.Time
	steps  int // steps written so far
}

func (r *cli) demo(ctx context.Context, fs *flagSet, args []string) error {
	if err := fs.parseNoArgs(args); err != nil {
		return err
	}
	f := r.fake
	if f == nil {
		f = newFake()
		defer f.Close()
	}
	c := wellKnownClients[defaultLoginClient]
	c.Name = defaultLoginClient
	d := &demo{w: r.stdout, f: f, client: c, cfg: f.config(c), start: f.Clock().Now()}
	d.cfg.UserAgent = userAgent

	fmt.Fprintf(d.w, "epictoken demo: the library's main flows against epictest, an in-process\n"+
		"fake of Epic's services, at %s (offline). Its clock starts at\n"+
		"%s and jumps ahead instead of sleeping. Secrets show only\n"+
		"their first characters.\n\n"+
		"    cfg := &epic.Config{ClientID: %q, ClientSecret: secret} // %s\n",
		f.URL, d.start.Format("2006-01-02 15:04 MST"), c.ID, c.Name)

	if err := d.clientCredentials(ctx); err != nil {
		return err
	}
	tok, err := d.deviceCode(ctx)
	if err != nil {
		return err
	}
	deviceAuth, err := d.deviceAuth(ctx, tok)
	if err != nil {
		return err
	}
	ts := d.cfg.TokenSource(ctx, deviceAuth)
	defer ts.Close()
	httpClient := epicoauth.NewClient(ctx, ts)
	if err := d.expiries(ctx, ts, httpClient); err != nil {
		return err
	}
	if err := d.eos(ctx, ts); err != nil {
		return err
	}
	if err := d.eas(ctx, ts); err != nil {
		return err
	}
	if err := d.throttled(ts, httpClient); err != nil {
		return err
	}
	if err := d.fleet(ctx); err != nil {
		return err
	}
	d.summary()
	return nil
}

// step starts the next numbered step.
func (d *demo) step(title string, code ...string) {
	d.steps++
	fmt.Fprintf(d.w, "\n%d. %s\n\n", d.steps, title)
	for _, line := range code {
		fmt.Fprintf(d.w, "    %s\n", line)
	}
	if len(code) > 0 {
		fmt.Fprintln(d.w)
	}
}

// kv writes one labelled line of a step's result.
func (d *demo) kv(key, format string, args ...any) {
	fmt.Fprintf(d.w, "  %-16s %s\n", key, fmt.Sprintf(format, args...))
}

func (d *demo) now() time.Time { return d.f.Clock().Now() }

// when shows a time on the fake clock and how far ahead it is.
func (d *demo) when(t time.Time) string {
	return t.UTC().Format("15:04:05") + " (in " + t.Sub(d.now()).Round(time.Second).String() + ")"
}

// token writes a token's fields and Epic's extras.
func (d *demo) token(tok *oauth2.Token) {
	d.kv("access token", "%s %s, expires %s", short(tok.AccessToken), tok.TokenType, d.when(tok.Expiry))
	if tok.RefreshToken != "" {
		d.kv("refresh token", "%s expires %s", short(tok.RefreshToken), d.when(epic.RefreshExpiry(tok)))
	} else {
		d.kv("refresh token", "none")
	}
	if id := epic.AccountID(tok); id != "" {
		d.kv("account", "%s, display name %q", id, epic.DisplayName(tok))
	} else {
		d.kv("account", "none: a token of the client itself")
	}
	d.kv("client", "%s, service %s", epic.ClientID(tok), epic.ClientService(tok))
}

func (d *demo) clientCredentials(ctx context.Context) error {
	d.step("Client credentials: a token for the client itself",
		"tok, err := cfg.Token(ctx, epic.ClientCredentials())")
	tok, err := d.cfg.Token(ctx, epic.ClientCredentials())
	if err != nil {
		return err
	}
	d.token(tok)
	return nil
}

func (d *demo) deviceCode(ctx context.Context) (*oauth2.Token, error) {
	d.step("Device-code login: a person approves the login on a phone",
		"da, err := cfg.DeviceAuthorization(ctx)  // with a client token it gets itself",
		"tok, err := cfg.DeviceAccessToken(ctx, da) // polls at da.Interval")
	da, err := d.cfg.DeviceAuthorization(ctx)
	if err != nil {
		return nil, err
	}
	d.kv("open", "%s", da.VerificationURIComplete)
	d.kv("user code", "%s, expires %s, poll every %ds", da.UserCode, d.when(da.Expiry), da.Interval)
	start, polls := d.now(), d.f.Count("device_code")
	tok, err := d.cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		return nil, err
	}
	d.kv("approved", "after %d polls, %s on the fake clock (the fake approves by itself)",
		d.f.Count("device_code")-polls, d.now().Sub(start))
	d.token(tok)
	return tok, nil
}

func (d *demo) deviceAuth(ctx context.Context, tok *oauth2.Token) (epic.DeviceAuth, error) {
	d.step("Device auth: a long-lived credential made from that login",
		"created, err := cfg.CreateDeviceAuth(ctx, tok)",
		"err = epic.SaveDeviceAuth(path, created.DeviceAuth) // what 'epictoken login' does",
		"err = cfg.Revoke(ctx, tok)                          // the login session is no longer needed")
	created, err := d.cfg.CreateDeviceAuth(ctx, tok)
	if err != nil {
		return epic.DeviceAuth{}, err
	}
	d.kv("device id", "%s (account %s)", created.DeviceID, created.AccountID)
	d.kv("secret", "%s shown by Epic this once", short(created.Secret))
	loaded, err := saveAndLoad(created.DeviceAuth)
	if err != nil {
		return epic.DeviceAuth{}, err
	}
	if err := d.cfg.Revoke(ctx, tok); err != nil {
		return epic.DeviceAuth{}, err
	}
	d.kv("login session", "ended; sessions left: %d", len(d.f.Sessions(created.AccountID)))
	return loaded, nil
}

// saveAndLoad round-trips a device auth through a temporary file, as a
// login and a later run would.
func saveAndLoad(da epic.DeviceAuth) (epic.DeviceAuth, error) {
	dir, err := os.MkdirTemp("", "epictoken-demo-")
	if err != nil {
		return epic.DeviceAuth{}, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "deviceauth.json")
	if err := epic.SaveDeviceAuth(path, da); err != nil {
		return epic.DeviceAuth{}, err
	}
	return epic.LoadDeviceAuth(path)
}

// verifyURL is the protected endpoint the demo's http.Client calls.
func (d *demo) verifyURL() string { return d.f.URL + "/account/api/oauth/verify" }

// get fetches the verify endpoint with client and reads the session's
// display name and remaining lifetime (never the token it echoes).
func (d *demo) get(client *http.Client) (string, error) {
	resp, err := client.Get(d.verifyURL())
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var v struct {
		DisplayName string `json:"display_name"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d %s, %s left", resp.StatusCode, v.DisplayName, time.Duration(v.ExpiresIn)*time.Second), nil
}

func (d *demo) expiries(_ context.Context, ts *epicoauth.TokenSource, client *http.Client) error {
	d.step("An http.Client on a device_auth TokenSource, through five expiries",
		"ts := cfg.TokenSource(ctx, deviceAuth)   // logs in, refreshes, logs in again if it must",
		"client := epicoauth.NewClient(ctx, ts)   // or cfg.Client(ctx, deviceAuth)",
		"resp, err := client.Get(\""+d.verifyURL()+"\") // every 2 h of fake time")
	fmt.Fprintf(d.w, "  %-8s  %-7s  %-7s  %-34s  %s\n", "time", "access", "refresh", "GET /account/api/oauth/verify", "device_auth, refresh_token requests")
	var first string
	for i := range 6 {
		if i > 0 {
			d.f.Clock().Advance(2 * time.Hour)
		}
		if err := d.row(ts, client); err != nil {
			return err
		}
		if i == 0 {
			first = ts.Peek().RefreshToken
		}
	}
	tok := ts.Peek()
	d.kv("rotation", "a new refresh token at every refresh, now valid until %s;", d.when(epic.RefreshExpiry(tok)))
	_, err := d.cfg.Token(context.Background(), epic.RefreshToken(first))
	var e *epicoauth.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("the spent refresh token was not refused: %v", err)
	}
	d.kv("", "the first one is refused now: %s", e.ErrorCode)
	return nil
}

// row writes one line of the expiries table.
func (d *demo) row(ts *epicoauth.TokenSource, client *http.Client) error {
	got, err := d.get(client)
	if err != nil {
		return err
	}
	tok := ts.Peek()
	fmt.Fprintf(d.w, "  %-8s  %-7s  %-7s  %-34s  %d, %d\n", d.now().UTC().Format("15:04:05"),
		short(tok.AccessToken), short(tok.RefreshToken), got, d.f.Count("device_auth"), d.f.Count("refresh_token"))
	return nil
}

func (d *demo) throttled(ts *epicoauth.TokenSource, client *http.Client) error {
	d.step("Throttling: Epic answers 429 to the refresh at the next expiry",
		"srv.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: 30 * time.Second})")
	d.f.Clock().Set(ts.Peek().Expiry)
	before := d.f.Count("refresh_token")
	d.f.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: 30 * time.Second, Path: epictest.AccountTokenPath})
	if err := d.row(ts, client); err != nil {
		return err
	}
	d.kv("recovered", "the retry policy waited the 30s Epic asked for and sent the refresh again (%d refresh requests)",
		d.f.Count("refresh_token")-before)

	fmt.Fprintf(d.w, "\n  A longer wait than RetryPolicy.MaxRetryAfter (60s) is reported at once:\n\n")
	d.f.Clock().Set(ts.Peek().Expiry)
	d.f.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: 5588 * time.Second, Path: epictest.AccountTokenPath})
	_, err := d.get(client)
	var e *epicoauth.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("the throttled request did not fail with *epicoauth.Error: %v", err)
	}
	d.kv("client.Get", "%v", e)
	d.kv("errors.As", "*epicoauth.Error: StatusCode %d, Temporary() %t, RetryAfter %s", e.StatusCode, e.Temporary(), e.RetryAfter)
	return nil
}

func (d *demo) summary() {
	counts := map[string]int{}
	var order []string
	reqs := d.f.Requests()
	for _, req := range reqs {
		key := req.Method + " " + hideIDs(req.Path)
		if req.GrantType != "" {
			key += " grant_type=" + req.GrantType
		}
		if counts[key] == 0 {
			order = append(order, key)
		}
		counts[key]++
	}
	fmt.Fprintf(d.w, "\nDone: %d requests to the fake over %s of fake time:\n", len(reqs), d.now().Sub(d.start))
	for _, k := range order {
		fmt.Fprintf(d.w, "  %3d  %s\n", counts[k], k)
	}
	fmt.Fprintf(d.w, "\nNext: 'epictoken login' logs in to Epic for real; 'epictoken --help' lists the commands.\n")
}

// hideIDs replaces the ids and tokens in a URL path (long words with
// digits) by "…": a session is killed by its access token in the path.
func hideIDs(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if len(p) >= 16 && strings.ContainsAny(p, "0123456789") {
			parts[i] = "…"
		}
	}
	return strings.Join(parts, "/")
}

// short shows the first characters of a secret and hides the rest.
func short(secret string) string {
	n := 4
	if strings.HasPrefix(secret, "eg1~") {
		n = 8 // the prefix says nothing
	}
	switch {
	case secret == "":
		return "-"
	case len(secret) < 4*n:
		return "…" // too short to show any of it safely
	}
	return secret[:n] + "…"
}

package fleettest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
	"github.com/epicoauth/epicoauth/internal/proctest"
)

// replyTimeout bounds each Token call of a fleet process and the parent's
// wait for a request: a failing run ends, a passing one never comes near.
// (proctest bounds the wait for each reply.)
const replyTimeout = 15 * time.Second

// Options configures Start.
type Options struct {
	// Procs is how many processes the fleet has.
	Procs int
	// Store is the spec each process opens its store from (see OpenStore).
	Store string
	// Uncoordinated gives the processes the store as a plain TokenStore.
	Uncoordinated bool
}

// Fleet is a running fleet: Procs processes, one epictest server, one
// account. Its methods are called from the test goroutine.
type Fleet struct {
	Server  *epictest.Server
	Account epictest.Account

	t     testing.TB
	opts  Options
	base  childConfig
	procs []*proc
	// mark is where the request log stood after the first login.
	mark int
	// rounds counts the calls of Expiry.
	rounds int
}

// Start serves an epictest server and its clock, logs the account in with
// one process (its token is in the store afterwards, as after `epictoken
// login`), then starts the others, which load the store. Everything stops
// when the test ends.
func Start(t testing.TB, opts Options) *Fleet {
	t.Helper()
	srv := epictest.NewServer(nil)
	t.Cleanup(srv.Close)
	clockSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(srv.Clock().Now())
	}))
	t.Cleanup(clockSrv.Close)
	client := srv.DefaultClient()
	account := srv.AddAccount(epictest.Account{})
	f := &Fleet{
		Server: srv, Account: account, t: t, opts: opts,
		base: childConfig{
			ServerURL: srv.URL, ClockURL: clockSrv.URL,
			ClientID: client.ID, ClientSecret: client.Secret,
			DeviceAuth: srv.NewDeviceAuth(account.ID, client.ID),
			Store:      opts.Store, Uncoordinated: opts.Uncoordinated,
		},
	}
	f.spawn(0)
	if r := f.procs[0].token(t); r.Err != "" {
		t.Fatalf("first login: %s", r.Err)
	}
	f.mark = len(srv.Requests())
	if s := f.statsOf(srv.Requests()[:f.mark]); s.TokenRequests != 1 || s.Logins != 1 || s.Rejected != 0 {
		t.Fatalf("the first login took %v, want one device_auth request", s)
	}
	for i := 1; i < opts.Procs; i++ {
		f.spawn(i)
	}
	return f
}

// proc is one fleet process.
type proc struct {
	name   string
	child  *proctest.Child
	killed bool
}

func (f *Fleet) spawn(i int) {
	f.t.Helper()
	c := f.base
	c.Name = "p" + strconv.Itoa(i)
	raw, err := json.Marshal(c)
	if err != nil {
		f.t.Fatal(err)
	}
	p := &proc{name: c.Name, child: proctest.Start(f.t, role, envChild+"="+string(raw))}
	f.procs = append(f.procs, p)
	if r := p.reply(f.t, ""); r.Err != "" { // the process has loaded the store
		f.t.Fatal(r.Err)
	}
}

// token asks the process for a token and waits for its reply.
func (p *proc) token(t testing.TB) Reply { return p.reply(t, "token") }

// reply sends cmd, if any, and waits for the process's next reply.
func (p *proc) reply(t testing.TB, cmd string) Reply {
	if cmd != "" {
		p.child.Send(t, cmd)
	}
	line, ok := p.child.Line(t)
	if !ok {
		return Reply{Err: p.name + " ended or went silent"}
	}
	var r Reply
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return Reply{Err: p.name + " answered " + line}
	}
	return r
}

// Live returns the names of the processes that have not been killed.
func (f *Fleet) Live() []string {
	var names []string
	for _, p := range f.live() {
		names = append(names, p.name)
	}
	return names
}

func (f *Fleet) live() []*proc {
	var live []*proc
	for _, p := range f.procs {
		if !p.killed {
			live = append(live, p)
		}
	}
	return live
}

// TokenAll asks every live process for a token at the same moment and
// returns their replies, in process order.
func (f *Fleet) TokenAll() []Reply {
	return f.each(func(_ int, p *proc) Reply { return p.token(f.t) })
}

// each runs ask on every live process at once and returns the replies in
// process order.
func (f *Fleet) each(ask func(i int, p *proc) Reply) []Reply {
	live := f.live()
	replies := make([]Reply, len(live))
	var wg sync.WaitGroup
	for i, p := range live {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = ask(i, p)
		}()
	}
	wg.Wait()
	return replies
}

// Expiry takes the fleet through the end of the current token's life, the
// two ways a busy fleet meets it, in turn: every process asks for a token
// inside the early-refresh window and gets the old one while renewals run
// in the background (EnterWindow, then Settle); or the processes first ask
// once the token has run out and wait for the renewal (AtExpiry). The fake
// clock never moves while a renewal runs, so every process sees the
// expiry the server set. It returns the replies that end the round.
func (f *Fleet) Expiry() []Reply {
	f.rounds++
	if f.rounds%2 == 1 {
		return f.Settle(f.EnterWindow())
	}
	return f.AtExpiry()
}

// EnterWindow moves the clock into the early-refresh window of the current
// token and asks every live process for a token: each gets the old one, and
// renewals start in the background. It returns those replies.
func (f *Fleet) EnterWindow() []Reply {
	f.Server.Clock().Set(f.tokenExpiry().Add(-epicoauth.DefaultExpiryDelta - time.Minute))
	return f.TokenAll()
}

// Settle waits until every live process serves a token other than the one
// in its reply to EnterWindow (old, in process order), and returns the new
// replies.
func (f *Fleet) Settle(old []Reply) []Reply {
	f.t.Helper()
	live := f.live()
	if len(old) != len(live) {
		f.t.Fatalf("%d replies for %d processes", len(old), len(live))
	}
	return f.each(func(i int, p *proc) Reply { return p.reply(f.t, "renewed "+old[i].Access) })
}

// AtExpiry moves the clock to the expiry of the current token and asks
// every live process for a token: each must wait for a renewal.
func (f *Fleet) AtExpiry() []Reply {
	f.Server.Clock().Set(f.tokenExpiry())
	return f.TokenAll()
}

// tokenExpiry is the expiry of the account's newest session.
func (f *Fleet) tokenExpiry() time.Time {
	var end time.Time
	for _, s := range f.Server.Sessions(f.Account.ID) {
		if s.Expiry.After(end) {
			end = s.Expiry
		}
	}
	if end.IsZero() {
		f.t.Fatal("the account has no session")
	}
	return end
}

// Kill ends the named process with SIGKILL, as a crash or an OOM kill
// would, and waits until it is gone.
func (f *Fleet) Kill(name string) {
	f.t.Helper()
	for _, p := range f.live() {
		if p.name == name {
			p.killed = true
			p.child.Kill(f.t)
			return
		}
	}
	f.t.Fatalf("no live process %s", name)
}

// Stats counts what the fleet did since the first login.
type Stats struct {
	// TokenRequests counts requests to the token endpoint: Refreshes,
	// Logins (device_auth) and any others.
	TokenRequests, Refreshes, Logins int
	// Rejected counts token requests answered with an error.
	Rejected int
	// Unanswered counts token requests whose client went away first (a
	// killed process).
	Unanswered int
	// Sessions counts the account's Epic sessions that can still be
	// refreshed: the sessions the fleet keeps alive.
	Sessions int
}

// Stats returns the counts since the first login.
func (f *Fleet) Stats() Stats { return f.statsOf(f.Server.Requests()[f.mark:]) }

// statsOf counts the token requests in log, and the account's sessions.
func (f *Fleet) statsOf(log []epictest.Request) Stats {
	var s Stats
	for _, r := range log {
		if r.Path != epictest.AccountTokenPath {
			continue
		}
		s.TokenRequests++
		switch r.GrantType {
		case "refresh_token":
			s.Refreshes++
		case "device_auth":
			s.Logins++
		}
		switch {
		case r.Status == 0:
			s.Unanswered++
		case r.Status != http.StatusOK:
			s.Rejected++
		}
	}
	for _, ss := range f.Server.Sessions(f.Account.ID) {
		if !ss.RefreshExpiry.IsZero() {
			s.Sessions++
		}
	}
	return s
}

// WaitForRequest waits until the server has received a token request that
// got fault kind, and returns the name of the process that sent it.
func (f *Fleet) WaitForRequest(kind epictest.FaultKind) string {
	f.t.Helper()
	deadline := time.Now().Add(replyTimeout)
	for time.Now().Before(deadline) {
		for _, r := range f.Server.Requests()[f.mark:] {
			if r.Fault == kind {
				return r.Header.Get("User-Agent")[len("fleet/"):]
			}
		}
		time.Sleep(2 * time.Millisecond) // another process's progress: nothing to wait on but the log
	}
	f.t.Fatalf("no token request got a %v fault", kind)
	return ""
}

// String describes the counts.
func (s Stats) String() string {
	return fmt.Sprintf("%d token requests (%d refreshes, %d logins), %d rejected, %d unanswered, %d sessions",
		s.TokenRequests, s.Refreshes, s.Logins, s.Rejected, s.Unanswered, s.Sessions)
}

// Bench takes a fleet through b.N expiries and reports, besides the time
// per expiry, the token requests per expiry (the first login not counted),
// the rejected ones, and the Epic sessions alive at the end.
func Bench(b *testing.B, opts Options) {
	f := Start(b, opts)
	b.ResetTimer()
	for range b.N {
		for _, r := range f.Expiry() {
			if r.Err != "" {
				b.Fatal(r.Err)
			}
		}
	}
	b.StopTimer()
	s := f.Stats()
	b.ReportMetric(float64(s.TokenRequests)/float64(b.N), "requests/expiry")
	b.ReportMetric(float64(s.Rejected)/float64(b.N), "rejected/expiry")
	b.ReportMetric(float64(s.Sessions), "sessions")
}

package fleettest

import (
	"slices"
	"testing"

	"github.com/epicoauth/epicoauth/epictest"
)

// The scenarios every SharedTokenStore must pass with real processes; the
// tests of each store run them on a fleet of their own.

// RequireOneToken requires every reply to carry the same token, and
// returns it.
func RequireOneToken(t testing.TB, replies []Reply) string {
	t.Helper()
	if len(replies) == 0 {
		t.Fatal("no replies")
	}
	for _, r := range replies {
		if r.Err != "" {
			t.Fatalf("a process failed (login required: %t): %s", r.LoginRequired, r.Err)
		}
		if r.SourceErr != "" {
			t.Fatalf("a process reports trouble: %s", r.SourceErr)
		}
		if r.Access != replies[0].Access {
			t.Fatalf("the processes serve different tokens: %+v", replies)
		}
	}
	return replies[0].Access
}

// RequireCoordinated takes the fleet through expiries and requires one
// token request per expiry for the whole fleet, a new token each time that
// every process serves, nothing rejected, and one Epic session.
func RequireCoordinated(t *testing.T, f *Fleet, expiries int) {
	t.Helper()
	before := f.Stats()
	seen := map[string]bool{RequireOneToken(t, f.TokenAll()): true}
	for i := range expiries {
		tok := RequireOneToken(t, f.Expiry())
		if seen[tok] {
			t.Fatalf("expiry %d: the fleet still serves an old token", i+1)
		}
		seen[tok] = true
	}
	s := f.Stats()
	t.Log(s)
	if got := s.TokenRequests - before.TokenRequests; got != expiries {
		t.Errorf("%d token requests for %d expiries, want one per expiry", got, expiries)
	}
	if s.Rejected != 0 || s.Logins != 0 {
		t.Errorf("%d rejected requests and %d new logins, want none", s.Rejected, s.Logins)
	}
	if s.Sessions != 1 {
		t.Errorf("%d Epic sessions, want 1", s.Sessions)
	}
}

// RequireTakeoverAfterKill holds the next refresh at the server, kills
// (SIGKILL) the process that sent it, and requires the others to take over
// once its lease has ended: one unanswered request, one that renews, no
// rejection, no new login, one session, every survivor on the new token.
func RequireTakeoverAfterKill(t *testing.T, f *Fleet) {
	t.Helper()
	before := f.Stats()
	f.Server.Inject(epictest.Fault{Kind: epictest.Delay, Delay: epictest.MaxDelay, Path: epictest.AccountTokenPath})
	old := f.EnterWindow()
	holder := f.WaitForRequest(epictest.Delay)
	i := slices.Index(f.Live(), holder)
	f.Kill(holder)
	old = slices.Delete(old, i, i+1)
	RequireOneToken(t, f.Settle(old))

	s := f.Stats()
	t.Logf("%s killed: %v", holder, s)
	if s.Unanswered != before.Unanswered+1 || s.TokenRequests != before.TokenRequests+2 {
		t.Errorf("want the killed holder's unanswered request and one more, got %v (before: %v)", s, before)
	}
	if s.Rejected != before.Rejected || s.Logins != before.Logins {
		t.Errorf("a rejected request or a new login after the kill: %v (before: %v)", s, before)
	}
	if s.Sessions != 1 {
		t.Errorf("%d Epic sessions, want 1", s.Sessions)
	}
}

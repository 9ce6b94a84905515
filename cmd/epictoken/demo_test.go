package main

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth/epictest"
)

func TestDemo(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)       // where the demo keeps its files while it runs
	h := newHarnessWithoutFake(t) // the demo starts its own fake, as in the README
	res := h.run("demo")
	expect(t, res, exitOK)
	assert.Empty(t, res.stderr)
	out := res.stdout

	steps := []string{
		"1. Client credentials", "2. Device-code login", "3. Device auth", "4. An http.Client on a device_auth TokenSource",
		"5. EOS Connect: a client token", "6. EOS Connect: a product user", "7. Epic Account Services", "8. Throttling",
		"9. A fleet on one account",
	}
	last := -1
	for _, s := range steps {
		i := strings.Index(out, "\n"+s)
		if assert.GreaterOrEqual(t, i, 0, "step %q missing", s) {
			assert.Greater(t, i, last, "step %q out of order", s)
			last = i
		}
	}
	assertLines(t, out,
		// Each token's extras.
		"account          none: a token of the client itself",
		`account          `+fakeAccount.ID+`, display name "epictoken-demo"`,
		"expires 16:00:00 (in 4h0m0s)",
		"expires 20:00:20 (in 8h0m0s)", // the device-code login's refresh token
		// The device-code login.
		"/activate?userCode=", "approved         after 2 polls, 20s on the fake clock",
		// The device auth and the end of the login session.
		"shown by Epic this once", "login session    ended; sessions left: 0",
		// Expiries and rotations.
		"the first one is refused now: errors.com.epicgames.account.auth_token.invalid_refresh_token",
		// EOS.
		"echoed back and matched", "features         Connect, Ecom", "(created by this login: true)",
		// EAS: from one exchange code, for the same account, with an ID token.
		"exchange code    1 made from the account session and redeemed for the deployment",
		"account          "+fakeAccount.ID+", the account session's (eos.AccountID)",
		"scope            basic_profile openid (eos.Scope)",
		// Throttling: recovered by the retry policy, then reported.
		"the retry policy waited the 30s Epic asked for and sent the refresh again (2 refresh requests)",
		"429 Too Many Requests: errors.com.epicgames.common.throttled",
		"StatusCode 429, Temporary() true, RetryAfter 1h33m8s",
		"POST /account/api/oauth/token grant_type=refresh_token",
		"DELETE /account/api/oauth/sessions/kill/…\n",
	)

	// Six expiries in the table (the start, five refreshes), then the
	// throttled refresh retried by the policy: every row a 200 with a new
	// access token.
	rows := regexp.MustCompile(`(?m)^  \d\d:\d\d:\d\d  (\S+)\s+(\S+)\s+200 epictoken-demo, 2h0m0s left\s+1, (\d+)$`).FindAllStringSubmatch(out, -1)
	if assert.Len(t, rows, 7, out) {
		seen := map[string]bool{}
		for i, row := range rows[:6] {
			assert.Equal(t, string(rune('0'+i)), row[3], "refreshes so far")
			assert.False(t, seen[row[1]], "a new access token each time")
			seen[row[1]] = true
		}
		assert.Equal(t, "8", rows[6][3], "the spent refresh token, the throttled refresh and its retry")
	}

	// EAS's ID token: signed, and its key published.
	assert.Regexp(t, `(?m)^  id_token         eyJh… signed RS256, kid [A-Za-z0-9_-]{43}\n\s+in the key set at GET /epic/oauth/v2/.well-known/jwks.json;`, out)

	// The fleet: at each of four expiries, one token request for the three
	// replicas on one file, which all get the same token; three requests
	// for three replicas with a file each.
	fleet := regexp.MustCompile(`(?m)^  \d\d:\d\d:\d\d  (\d+)\s+(\S+) (\S+) (\S+)\s+(\d+)\s+\S+ \S+ \S+$`).FindAllStringSubmatch(out, -1)
	if assert.Len(t, fleet, 4, out) {
		for _, row := range fleet {
			assert.Equal(t, "1", row[1], "requests for the replicas on one file")
			assert.Equal(t, []string{row[2], row[2]}, row[3:5], "one token for the replicas on one file")
			assert.Equal(t, "3", row[5], "requests for the replicas with a file each")
		}
	}
	assertLines(t, out, "Epic sessions    1 with one file, 3 with a file each")
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the demo removes its files")

	for _, m := range regexp.MustCompile(`\b[0-9a-f]{4,}…`).FindAllString(out, -1) {
		assert.Len(t, m, len("abcd…"), "secrets are shortened to four characters")
	}
}

func TestDemoReportsFailures(t *testing.T) {
	h := newHarness(t)
	// Every attempt of the retry policy gets the proxy's page.
	h.f.Inject(epictest.Fault{Kind: epictest.HTMLPage, Status: http.StatusBadGateway, Times: 3})
	res := h.run("demo")
	expect(t, res, exitTemporary)
	assertLines(t, res.stdout, "1. Client credentials")
	assertLines(t, res.stderr, "epictoken: epicoauth: 502 Bad Gateway", "try again later")
}

func TestShort(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "-",
		"0123456789abcdef0123456789abcdef": "0123…",
		"0123456789abcde":                  "…",
		"eg1~eyJraWQiOiJ0RkMyVUloRnBVa0hI": "eg1~eyJr…",
		"eg1~eyJraWQiOiJ0RkMy":             "…",
	} {
		assert.Equal(t, want, short(in), in)
	}
}

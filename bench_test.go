package epicoauth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// The benchmarks run this package's TokenSource side by side with
// golang.org/x/oauth2's ReuseTokenSource over the same underlying source.
// BENCHMARKS.md has the command, the machine and the results.

// slowSource stands for a token endpoint: every call takes delay, and
// returns a new token usable for life (Expiry = now + 10 s + life).
type slowSource struct {
	delay time.Duration
	life  time.Duration
	calls atomic.Int64
}

func (s *slowSource) Token() (*oauth2.Token, error) {
	n := s.calls.Add(1)
	time.Sleep(s.delay)
	return &oauth2.Token{
		AccessToken: fmt.Sprint("tok-", n),
		TokenType:   "Bearer",
		Expiry:      time.Now().Add(epicoauth.DefaultExpiryDelta + s.life),
	}, nil
}

// impl builds one of the compared sources over src, starting from tok.
type impl struct {
	name string
	new  func(tok *oauth2.Token, src oauth2.TokenSource, early time.Duration) (oauth2.TokenSource, func())
}

var impls = []impl{
	{"epicoauth", func(tok *oauth2.Token, src oauth2.TokenSource, early time.Duration) (oauth2.TokenSource, func()) {
		ts := epicoauth.NewTokenSource(src, &epicoauth.TokenSourceOptions{EarlyRefresh: early})
		ts.SetToken(tok)
		return ts, ts.Close
	}},
	// The same with a FileStore, a SharedTokenStore, attached: the cached
	// path must cost the same, since only renewals use the store.
	{"epicoauth-sharedstore", func(tok *oauth2.Token, src oauth2.TokenSource, early time.Duration) (oauth2.TokenSource, func()) {
		dir, err := os.MkdirTemp("", "epicoauth-bench")
		if err != nil {
			panic(err)
		}
		store := &epicoauth.FileStore{Path: filepath.Join(dir, "token.json")}
		ts := epicoauth.NewTokenSource(src, &epicoauth.TokenSourceOptions{EarlyRefresh: early, Store: store})
		ts.SetToken(tok)
		return ts, func() { ts.Close(); _ = os.RemoveAll(dir) }
	}},
	{"x-oauth2", func(tok *oauth2.Token, src oauth2.TokenSource, _ time.Duration) (oauth2.TokenSource, func()) {
		return oauth2.ReuseTokenSource(tok, src), func() {}
	}},
}

// BenchmarkCachedToken measures Token while the cached token is valid.
func BenchmarkCachedToken(b *testing.B) {
	for _, im := range impls {
		tok := &oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(time.Hour)}
		src := &slowSource{life: time.Hour}
		ts, done := im.new(tok, src, 0)
		b.Run("impl="+im.name+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ts.Token(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("impl="+im.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := ts.Token(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		done()
		if n := src.calls.Load(); n != 0 {
			b.Fatalf("%s: %d token requests on the cached path", im.name, n)
		}
	}
}

// Refresh under load: the cached token's usable life ends 160 ms into each
// iteration, the token endpoint takes 50 ms, and 64 goroutines call Token
// every ~500 µs for 250 ms. epicoauth runs with an 80 ms early-refresh
// window, half the usable life, the most the engine allows (Epic's default
// is 5 min of a 2 h token; this scales it down).
const (
	loadCallers = 64
	loadLife    = 160 * time.Millisecond
	loadDelay   = 50 * time.Millisecond
	loadWindow  = 80 * time.Millisecond
	loadSpan    = 250 * time.Millisecond
	loadPause   = 500 * time.Microsecond
)

// control is a source that never renews or blocks: its waits are what the
// machine's scheduler alone costs a caller.
var control = impl{"control", func(tok *oauth2.Token, src oauth2.TokenSource, _ time.Duration) (oauth2.TokenSource, func()) {
	tok = &oauth2.Token{AccessToken: tok.AccessToken, Expiry: time.Now().Add(time.Hour)}
	return oauth2.StaticTokenSource(tok), func() {}
}}

// BenchmarkRefreshUnderLoad measures, per expiry: token requests made, the
// longest Token call of any caller (worst-wait-ms) and the mean over
// callers of each one's longest call (mean-wait-ms). impl=control is the
// noise floor: a static source that never waits.
func BenchmarkRefreshUnderLoad(b *testing.B) {
	for _, im := range append(impls, control) {
		b.Run("impl="+im.name, func(b *testing.B) {
			var requests int64
			var worst, sum time.Duration
			var callers int
			for b.Loop() {
				src := &slowSource{delay: loadDelay, life: time.Hour}
				tok := &oauth2.Token{AccessToken: "old", Expiry: time.Now().Add(epicoauth.DefaultExpiryDelta + loadLife)}
				ts, done := im.new(tok, src, loadWindow)
				waits := callUnderLoad(b, ts)
				done()
				requests += src.calls.Load()
				for _, w := range waits {
					worst = max(worst, w)
					sum += w
					callers++
				}
			}
			b.ReportMetric(float64(requests)/float64(b.N), "token-reqs/expiry")
			b.ReportMetric(float64(worst)/float64(time.Millisecond), "worst-wait-ms")
			b.ReportMetric(float64(sum)/float64(callers)/float64(time.Millisecond), "mean-wait-ms")
		})
	}
}

// callUnderLoad runs the callers for loadSpan and returns each caller's
// longest Token call.
func callUnderLoad(b *testing.B, ts oauth2.TokenSource) []time.Duration {
	waits := make([]time.Duration, loadCallers)
	end := time.Now().Add(loadSpan)
	var wg sync.WaitGroup
	for i := range waits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				start := time.Now()
				tok, err := ts.Token()
				waits[i] = max(waits[i], time.Since(start))
				if err != nil || tok == nil {
					b.Errorf("Token: %v", err)
					return
				}
				time.Sleep(loadPause)
			}
		}()
	}
	wg.Wait()
	return waits
}

// BenchmarkClient measures requests per second through an http.Client to
// a local server while tokens expire every 1.5 s and a renewal takes 50 ms:
// epicoauth.NewClient over a TokenSource (500 ms early-refresh window)
// against oauth2.NewClient over the same source. (Shorter lifetimes would
// meet the engine's bound of one renewal per second.)
func BenchmarkClient(b *testing.B) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer api.Close()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, api.Client())
	clients := []struct {
		name string
		new  func(src oauth2.TokenSource) (*http.Client, func())
	}{
		{"epicoauth", func(src oauth2.TokenSource) (*http.Client, func()) {
			ts := epicoauth.NewTokenSource(src, &epicoauth.TokenSourceOptions{EarlyRefresh: 500 * time.Millisecond})
			return epicoauth.NewClient(ctx, ts), ts.Close
		}},
		{"x-oauth2", func(src oauth2.TokenSource) (*http.Client, func()) {
			return oauth2.NewClient(ctx, src), func() {}
		}},
	}
	for _, c := range clients {
		b.Run("impl="+c.name, func(b *testing.B) {
			src := &slowSource{delay: 50 * time.Millisecond, life: 1500 * time.Millisecond}
			client, done := c.new(src)
			defer done()
			b.SetParallelism(8)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(api.URL)
					if err != nil {
						b.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusNoContent {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			elapsed := time.Since(start)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(src.calls.Load())/elapsed.Seconds(), "token-reqs/s")
		})
	}
}

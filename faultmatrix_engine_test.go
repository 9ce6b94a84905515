package epicoauth_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epictest"
)

// Rows of the fault matrix about the renewal schedule rather than one bad
// answer: tokens too short for the expiry delta, and a corrective action.

// memoryStore is a TokenStore that keeps every token saved to it.
type memoryStore struct {
	mu    sync.Mutex
	saved []*oauth2.Token
}

func (s *memoryStore) Load(context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.saved) == 0 {
		return nil, nil
	}
	return s.saved[len(s.saved)-1], nil
}

func (s *memoryStore) Save(_ context.Context, tok *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saved = append(s.saved, tok)
	return nil
}

func (s *memoryStore) tokens() []*oauth2.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*oauth2.Token(nil), s.saved...)
}

// shortTokenRows: Epic (or a test server) hands out access tokens that live
// 1 s, 5 s or 11 s, shorter than or barely longer than the 10 s expiry
// delta. Each new token goes to the callers who waited for it, and 200
// calls with the clock standing still send one request; with the clock
// moving 100 ms a call, requests come once per token expiry at most and
// never more than once a second. Every request's token is saved and handed
// out: no refresh token is spent on a token nobody gets.
func shortTokenRows(t *testing.T) {
	for _, tt := range []struct {
		life   time.Duration
		period time.Duration // the least time between two requests
	}{
		{time.Second, time.Second},         // renewed once expired
		{5 * time.Second, 5 * time.Second}, // renewed once expired
		{11 * time.Second, time.Second},    // usable for 1 s, renewed then
	} {
		life := tt.life
		t.Run(life.String(), func(t *testing.T) {
			f := newMatrixFixture(t)
			f.srv.SetLifetimes(f.cfg.ClientID, epictest.Lifetimes{Access: life})
			store := &memoryStore{}
			ts, err := f.cfg.StoredTokenSource(f.ctx, f.da, &epicoauth.TokenSourceOptions{Store: store})
			require.NoError(t, err)
			defer ts.Close()
			clock := f.srv.Clock()

			handed := map[string]bool{}
			for range 200 {
				tok, err := ts.Token()
				require.NoError(t, err)
				assert.True(t, clock.Now().Before(tok.Expiry))
				handed[tok.AccessToken] = true
			}
			assert.Equal(t, 1, f.srv.Count(tokenPath), "200 calls with the clock standing still")

			start := clock.Now()
			for range 200 {
				tok, err := ts.Token()
				require.NoError(t, err)
				assert.True(t, clock.Now().Before(tok.Expiry), "an expired token was handed out")
				handed[tok.AccessToken] = true
				clock.Advance(100 * time.Millisecond)
			}
			ts.Close() // waits for a renewal the last call may have started
			elapsed := clock.Now().Sub(start)
			n := f.srv.Count(tokenPath)
			assert.LessOrEqual(t, n, 1+int(elapsed/tt.period),
				"requests in %s of 100 ms steps", elapsed)
			assert.Equal(t, 1, f.srv.Count("device_auth"), "the session was refreshed, never re-created")
			saved := store.tokens()
			assert.Len(t, saved, n, "every request's token was saved")
			for _, tok := range saved[:len(saved)-1] {
				assert.True(t, handed[tok.AccessToken], "a saved token nobody got")
			}
		})
	}
}

// correctiveActionRow: Epic asks the account's person to accept a EULA
// while a device-auth source needs a new token. Callers get the typed error
// with the continuation URL; the source sends nothing for 5 minutes, then
// retries (10, 20, 40 minutes, then hourly while the person has not acted),
// and once they have, the next retry logs in again without anyone calling
// SetToken. Retry restarts the source at once.
func correctiveActionRow(t *testing.T) {
	t.Run("retried with a growing backoff until the person acts", func(t *testing.T) {
		f := newMatrixFixture(t)
		ts, _ := f.login(t, "device_auth")
		f.srv.SetCorrectiveAction(f.account.ID, "EULA_ACCEPTANCE")
		f.expire()
		clock := f.srv.Clock()
		start := clock.Now()

		var attempts []time.Duration // when a call sent requests, from start
		for range 180 {              // one call a minute for 3 hours
			before := f.srv.Count(tokenPath)
			_, err := ts.Token()
			require.ErrorIs(t, err, epicoauth.ErrLoginRequired)
			var e *epicoauth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "EULA_ACCEPTANCE", e.CorrectiveAction)
			assert.NotEmpty(t, e.ContinuationURL)
			f.assertNoSecrets(t, err, nil)
			if f.srv.Count(tokenPath) > before {
				attempts = append(attempts, clock.Now().Sub(start))
			}
			clock.Advance(time.Minute)
		}
		assert.Equal(t, []time.Duration{0, 5 * time.Minute, 15 * time.Minute, 35 * time.Minute, 75 * time.Minute, 135 * time.Minute}, attempts)

		// The person acts; the next retry (an hour after the last) logs in.
		f.srv.SetCorrectiveAction(f.account.ID, "")
		f.srv.ResetRequests()
		clock.Set(start.Add(195*time.Minute - time.Nanosecond))
		_, err := ts.Token()
		require.Error(t, err)
		assert.Empty(t, f.srv.Requests())
		clock.Set(start.Add(195 * time.Minute))
		tok, err := ts.Token()
		require.NoError(t, err)
		assertFresh(t, clock, tok)
		assert.Equal(t, 1, f.srv.Count("device_auth"))
	})
	t.Run("Retry after the person acted: at once", func(t *testing.T) {
		f := newMatrixFixture(t)
		ts, _ := f.login(t, "device_auth")
		f.srv.SetCorrectiveAction(f.account.ID, "PRIVACY_POLICY_ACCEPTANCE")
		f.expire()
		_, err := ts.Token()
		require.ErrorIs(t, err, epicoauth.ErrLoginRequired)
		f.srv.SetCorrectiveAction(f.account.ID, "")
		f.srv.Clock().Advance(time.Minute)
		f.srv.ResetRequests()
		_, err = ts.Token()
		require.Error(t, err, "still backing off")
		assert.Empty(t, f.srv.Requests())

		ts.Retry()
		tok, err := ts.Token()
		require.NoError(t, err)
		assertFresh(t, f.srv.Clock(), tok)
		assert.Equal(t, 1, f.srv.Count("device_auth"))
	})
	t.Run("single-use code: the error stays, no request", func(t *testing.T) {
		f := newMatrixFixture(t)
		f.srv.SetCorrectiveAction(f.account.ID, "DATE_OF_BIRTH")
		ts := f.source(t, "exchange_code")
		_, err := ts.Token()
		require.ErrorIs(t, err, epicoauth.ErrLoginRequired)
		f.srv.SetCorrectiveAction(f.account.ID, "")
		f.srv.ResetRequests()
		for range 3 {
			f.srv.Clock().Advance(time.Hour)
			_, err = ts.Token()
			var e *epicoauth.Error
			require.ErrorAs(t, err, &e, "the corrective action stays the reason")
			assert.Equal(t, "DATE_OF_BIRTH", e.CorrectiveAction)
		}
		assert.Empty(t, f.srv.Requests(), "the spent code is never sent again")
	})
}

// TestSourcesOutliveTheirContext: every constructor's ctx gives the source
// its HTTP client (the fake serves TLS, so without it no request succeeds)
// but cancelling it does not stop the source.
func TestSourcesOutliveTheirContext(t *testing.T) {
	srv := epictest.NewServer(&epictest.Options{TLS: true})
	defer srv.Close()
	account := srv.AddAccount(epictest.Account{DisplayName: "ctx"})
	cfg := srv.EpicConfig(srv.DefaultClient())
	eosCfg := srv.EOSConfig(srv.DefaultClient(), srv.DefaultDeployment().ID)
	da := srv.NewDeviceAuth(account.ID, cfg.ClientID)

	sources := []struct {
		name string
		make func(t *testing.T, ctx context.Context) oauth2.TokenSource
	}{
		{"epic TokenSource", func(_ *testing.T, ctx context.Context) oauth2.TokenSource { return cfg.TokenSource(ctx, da) }},
		{"epic ResumeTokenSource", func(t *testing.T, ctx context.Context) oauth2.TokenSource {
			saved, err := cfg.Token(srv.Context(context.Background()), da)
			require.NoError(t, err)
			return cfg.ResumeTokenSource(ctx, saved, nil)
		}},
		{"epic StoredTokenSource", func(t *testing.T, ctx context.Context) oauth2.TokenSource {
			ts, err := cfg.StoredTokenSource(ctx, da, &epicoauth.TokenSourceOptions{Store: &memoryStore{}})
			require.NoError(t, err)
			return ts
		}},
		{"TokenSourceOptions.Context", func(_ *testing.T, ctx context.Context) oauth2.TokenSource {
			return epicoauth.NewTokenSource(cfg.TokenSource(srv.Context(context.Background()), da),
				&epicoauth.TokenSourceOptions{Context: ctx, Clock: srv.Clock()})
		}},
		{"eos TokenSource", func(_ *testing.T, ctx context.Context) oauth2.TokenSource {
			return eosCfg.TokenSource(ctx, eos.ClientCredentials())
		}},
	}
	for _, tt := range sources {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(srv.Context(context.Background()))
			ts := tt.make(t, ctx)
			if c, ok := ts.(interface{ Close() }); ok {
				defer c.Close()
			}
			cancel()
			for range 2 { // the first token, then a renewal
				tok, err := ts.Token()
				require.NoError(t, err)
				assertFresh(t, srv.Clock(), tok)
				srv.Clock().Advance(5 * time.Hour)
			}
		})
	}
	for name, client := range map[string]func(context.Context) *http.Client{
		"epic Client": func(ctx context.Context) *http.Client { return cfg.Client(ctx, da) },
		"eos Client":  func(ctx context.Context) *http.Client { return eosCfg.Client(ctx, eos.ClientCredentials()) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(srv.Context(context.Background()))
			hc := client(ctx)
			cancel()
			// The first request gets a token; the response (a verify of a
			// client or EOS token may be refused) does not matter here.
			resp, err := hc.Get(srv.URL + "/account/api/oauth/verify")
			require.NoError(t, err, "the token request must not see the cancelled context")
			require.NoError(t, resp.Body.Close())
			assert.Positive(t, srv.Count(epictest.AccountTokenPath)+srv.Count(epictest.EOSConnectTokenPath))
			srv.ResetRequests()
		})
	}
}

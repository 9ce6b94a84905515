package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
)

// Concurrent runs of 'epictoken token --store FILE', as real processes (a
// script's loop beside a cron job), share the saved session: when the saved
// token has run out they renew it once between them, under the file's
// lease, and all print the same new token. Uncoordinated, each would
// refresh with the same refresh token, and all but one would be rejected
// and log in again.
func TestTokenStoreConcurrentRuns(t *testing.T) {
	const runs = 4
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h := newHarness(t)
	// The processes read the real clock: the fake's must agree with it.
	h.f.Clock().Set(time.Now())
	_, daPath := h.saveDeviceAuth(switchClient)
	store := &epicoauth.FileStore{Path: h.path("token.json")}
	args := []string{"token", "--fake-url", h.f.URL, "--grant", "device_auth", "--device-auth", daPath, "--store", store.Path}

	first := strings.TrimSpace(runEpictoken(ctx, t, args...))
	// The saved token runs out by the processes' clock; its refresh token
	// still works at the fake.
	saved, err := store.Load(ctx)
	require.NoError(t, err)
	require.Equal(t, first, saved.AccessToken)
	saved.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, store.Save(ctx, saved))
	mark := len(h.f.Requests())
	// The first refresh is held for a second, long enough for every run to
	// start and load the expired token: the runs overlap whatever the
	// machine's load. (The result does not depend on it: coordinated runs
	// make one request however they overlap.)
	h.f.Inject(epictest.Fault{Kind: epictest.Delay, Delay: time.Second, Path: epictest.AccountTokenPath})

	printed := make([]string, runs)
	failures := make([]string, runs)
	var wg sync.WaitGroup
	for i := range runs {
		var stdout, stderr bytes.Buffer
		cmd := epictokenCmd(ctx, t, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Start())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := cmd.Wait(); err != nil {
				failures[i] = err.Error() + "\n" + stderr.String()
			}
			printed[i] = strings.TrimSpace(stdout.String())
		}()
	}
	wg.Wait()

	for i := range runs {
		require.Empty(t, failures[i], "run %d", i)
		assert.Equal(t, printed[0], printed[i], "every run prints the one renewed token")
	}
	assert.NotEqual(t, first, printed[0], "the token was renewed")
	var tokenRequests []string
	for _, r := range h.f.Requests()[mark:] {
		if r.Path == epictest.AccountTokenPath {
			tokenRequests = append(tokenRequests, r.GrantType)
			assert.Equal(t, http.StatusOK, r.Status, "no run was rejected")
		}
	}
	assert.Equal(t, []string{"refresh_token"}, tokenRequests, "one refresh for all the runs, no new login")
	renewed, err := store.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, printed[0], renewed.AccessToken, "the renewed token is saved")
	refreshable := 0
	for _, s := range h.f.Sessions(fakeAccount.ID) {
		if !s.RefreshExpiry.IsZero() {
			refreshable++
		}
	}
	assert.Equal(t, 1, refreshable, "one Epic session goes on")
}

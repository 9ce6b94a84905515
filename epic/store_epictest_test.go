package epic_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// memStore is a TokenStore in memory.
type memStore struct {
	mu  sync.Mutex
	tok *oauth2.Token
}

func (s *memStore) Load(context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok, nil
}

func (s *memStore) Save(_ context.Context, tok *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok = tok
	return nil
}

// TestStoredTokenSourceResumesOnlyItsSession: a store holding alice's
// session, given to a source for bob's device auth, another client, or
// client credentials, is not resumed: the grant logs in and replaces the
// saved token (OnError says why), or without a grant a typed error does.
func TestStoredTokenSourceResumesOnlyItsSession(t *testing.T) {
	f := newFakeEpic(t)
	bob := f.srv.AddAccount(epictest.Account{DisplayName: "bob"})
	other := f.srv.AddClient(epictest.Client{})
	otherCfg := f.srv.EpicConfig(other)
	aliceDA := f.srv.NewDeviceAuth(f.alice.ID, f.client.ID)
	bobDA := f.srv.NewDeviceAuth(bob.ID, f.client.ID)
	otherDA := f.srv.NewDeviceAuth(f.alice.ID, other.ID)

	tests := []struct {
		name        string
		cfg         *epic.Config
		grant       epic.Grant
		field       string // the mismatch; "" when the saved token is resumed
		wantAccount string // of the token handed out
		wantGrant   string // the request sent, "" for none
	}{
		{"same client and account: resumed", f.cfg, aliceDA, "", f.alice.ID, ""},
		{"same client, no grant: resumed", f.cfg, nil, "", f.alice.ID, ""},
		{"another account's device auth", f.cfg, bobDA, "account_id", bob.ID, "device_auth"},
		{"another client", otherCfg, otherDA, "client_id", f.alice.ID, "device_auth"},
		{"another client, no grant", otherCfg, nil, "client_id", "", ""},
		{"client credentials over a user session", f.cfg, epic.ClientCredentials(), "account_id", "", "client_credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alice, err := f.cfg.Token(f.ctx, aliceDA)
			require.NoError(t, err)
			store := &memStore{tok: alice}
			f.srv.ResetRequests()
			var reported []error
			opts := &epicoauth.TokenSourceOptions{Store: store, OnError: func(err error) { reported = append(reported, err) }}

			ts, err := tt.cfg.StoredTokenSource(f.ctx, tt.grant, opts)
			if tt.grant == nil && tt.field != "" {
				var mismatch *epic.SavedTokenMismatchError
				require.ErrorAs(t, err, &mismatch)
				assert.Equal(t, tt.field, mismatch.Field)
				assert.Equal(t, f.client.ID, mismatch.Saved)
				assert.Equal(t, tt.cfg.ClientID, mismatch.Want)
				assert.Nil(t, ts)
				for _, verb := range []string{"%v", "%+v", "%#v"} {
					text := fmt.Sprintf(verb, err)
					assert.NotContains(t, text, alice.AccessToken)
					assert.NotContains(t, text, alice.RefreshToken)
				}
				assert.Same(t, alice, store.tok, "the store is left alone")
				assert.Empty(t, f.srv.Requests())
				return
			}
			require.NoError(t, err)
			defer ts.Close()
			tok, err := ts.Token()
			require.NoError(t, err)
			assert.Equal(t, tt.wantAccount, epic.AccountID(tok))
			assert.Equal(t, tt.cfg.ClientID, epic.ClientID(tok))
			if tt.wantGrant == "" {
				assert.Equal(t, alice.AccessToken, tok.AccessToken, "resumed")
				assert.Empty(t, f.srv.Requests())
				assert.Empty(t, reported)
				return
			}
			assert.Equal(t, 1, f.srv.Count(tt.wantGrant))
			assert.Len(t, f.srv.Requests(), 1, "the saved refresh token is not sent")
			assert.Equal(t, tok.AccessToken, store.tok.AccessToken, "the store now holds the new session")
			require.Len(t, reported, 1)
			var mismatch *epic.SavedTokenMismatchError
			require.ErrorAs(t, reported[0], &mismatch)
			assert.Equal(t, tt.field, mismatch.Field)
		})
	}
}

func TestSavedTokenMismatchErrorText(t *testing.T) {
	err := &epic.SavedTokenMismatchError{Field: "account_id", Want: "b0b"}
	assert.Equal(t, `epic: saved token not resumed: its account_id is none, this source's is "b0b"`, err.Error())
}

// Two accounts' fleets given one shared store by mistake: each source keeps
// serving its own account. A stored token of the other account is never
// adopted nor refreshed (OnError says why); each renewal replaces it.
func TestStoredTokenSourceSharedStoreOfAnotherAccount(t *testing.T) {
	f := newFakeEpic(t)
	bob := f.srv.AddAccount(epictest.Account{DisplayName: "bob"})
	path := filepath.Join(t.TempDir(), "token.json")
	var mu sync.Mutex
	var mismatches int
	source := func(account string) *epicoauth.TokenSource {
		ts, err := f.cfg.StoredTokenSource(f.ctx, f.srv.NewDeviceAuth(account, f.client.ID), &epicoauth.TokenSourceOptions{
			Store: &epicoauth.FileStore{Path: path},
			OnError: func(err error) {
				var m *epic.SavedTokenMismatchError
				assert.ErrorAs(t, err, &m)
				mu.Lock()
				mismatches++
				mu.Unlock()
			},
		})
		require.NoError(t, err)
		t.Cleanup(ts.Close)
		return ts
	}
	tokenOf := func(ts *epicoauth.TokenSource) string {
		tok, err := ts.Token()
		require.NoError(t, err)
		return epic.AccountID(tok)
	}

	alice := source(f.alice.ID)
	assert.Equal(t, f.alice.ID, tokenOf(alice))
	bobs := source(bob.ID) // finds alice's token in the store
	assert.Equal(t, bob.ID, tokenOf(bobs))
	for range 3 {
		f.clock.Advance(2 * time.Hour)
		assert.Equal(t, f.alice.ID, tokenOf(alice))
		assert.Equal(t, bob.ID, tokenOf(bobs))
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1+1+3+3, mismatches, "at bob's start, bob's login and each renewal after the other account's save")
	assert.Equal(t, 2, f.srv.Count("device_auth"), "one login per account")
	assert.Equal(t, 6, f.srv.Count("refresh_token"))
}

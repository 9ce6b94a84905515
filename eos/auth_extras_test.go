package eos_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epictest"
)

func TestAuthExtras(t *testing.T) {
	tests := []struct {
		name          string
		extra         map[string]any
		refreshExpiry time.Time
	}{
		{"refresh_expires (fnbr.js, arctic)", nil, start.Add(8 * time.Hour)},
		{"refresh_expires_in (fortgo, emulators)", map[string]any{"refresh_expires": nil, "refresh_expires_in": 3600}, start.Add(time.Hour)},
		{"only refresh_expires_at", map[string]any{"refresh_expires": nil}, time.Date(2025, 7, 16, 2, 44, 50, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEASServer(t, func(seen) (int, []byte) { return http.StatusOK, easToken(1, tt.extra) })
			tok, err := srv.config(epictest.NewClock(start)).Token(context.Background(), eos.ExchangeCode(exchangeCode))
			require.NoError(t, err)
			assert.Equal(t, accountID, eos.AccountID(tok))
			assert.Equal(t, easClientID, eos.ClientID(tok))
			assert.Equal(t, "fghi4567rNJHv9pNoyczQXo6DDJ6RDeq", eos.ApplicationID(tok))
			assert.Equal(t, []string{"basic_profile", "openid"}, eos.Scope(tok))
			assert.Equal(t, []string{"0f0e0d0c0b0a09080706050403020100"}, eos.MergedAccounts(tok))
			assert.Equal(t, "eyJhbGciOiJSUzI1NiJ9.e30.sig", eos.IDToken(tok))
			assert.Equal(t, tt.refreshExpiry, eos.RefreshExpiry(tok))
		})
	}
	t.Run("absent fields read as zero", func(t *testing.T) {
		for _, tok := range []*oauth2.Token{nil, {AccessToken: "x"}} {
			assert.Empty(t, eos.AccountID(tok))
			assert.Empty(t, eos.ClientID(tok))
			assert.Empty(t, eos.ApplicationID(tok))
			assert.Empty(t, eos.Scope(tok))
			assert.Empty(t, eos.MergedAccounts(tok))
			assert.True(t, eos.RefreshExpiry(tok).IsZero())
		}
	})
}

package epicoauth_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
)

// FuzzUnmarshalToken feeds saved-token files (seeds in
// testdata/fuzz/FuzzUnmarshalToken) to UnmarshalToken. Invariants: no panic;
// an error never quotes a credential of the input; a token that loads saves
// and loads again to the same fields and extras.
func FuzzUnmarshalToken(f *testing.F) {
	f.Add([]byte(`{"access_token":"at-0123456789","refresh_token":"rt-0123456789","expiry":"2025-01-01T12:00:00Z","extra":{"account_id":"a"}}`))
	f.Add([]byte(`{"refresh_token":"rt-0123456789"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := epicoauth.UnmarshalToken(data)
		if err != nil {
			require.ErrorIs(t, err, epicoauth.ErrInvalidToken)
			for _, secret := range credentials(data) {
				require.NotContains(t, err.Error(), secret, "the error quotes a credential")
			}
			return
		}
		saved, err := epicoauth.MarshalToken(tok)
		require.NoError(t, err)
		again, err := epicoauth.UnmarshalToken(saved)
		require.NoError(t, err)
		require.Equal(t, tok.AccessToken, again.AccessToken)
		require.Equal(t, tok.RefreshToken, again.RefreshToken)
		require.True(t, tok.Expiry.Equal(again.Expiry))
		require.Equal(t, tok.ExpiresIn, again.ExpiresIn)
		resaved, err := epicoauth.MarshalToken(again)
		require.NoError(t, err)
		require.JSONEq(t, string(saved), string(resaved), "a second round trip changes nothing")
	})
}

// credentials returns the token values of a JSON object that are long enough
// to be told apart from the words of an error message.
func credentials(data []byte) []string {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return nil
	}
	var out []string
	for _, k := range []string{"access_token", "refresh_token", "secret"} {
		if s, ok := m[k].(string); ok && len(strings.TrimSpace(s)) >= 8 {
			out = append(out, s)
		}
	}
	return out
}

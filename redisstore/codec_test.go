package redisstore

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
)

// FuzzDecode feeds hash fields as Redis would return them (seeds in
// testdata/fuzz/FuzzDecode) to the decoder, with and without an AEAD.
// Invariants: no panic; an error matches epicoauth.ErrInvalidToken and never
// quotes the token field; a token that decodes encodes and decodes again
// to the same credentials.
func FuzzDecode(f *testing.F) {
	f.Add("1", `{"access_token":"at-0123456789","refresh_token":"rt-0123456789"}`, formatJSON, false)
	f.Add("18446744073709551615", `{"refresh_token":"rt-0123456789"}`, formatJSON, false)
	f.Add("2", "0123456789abcdef0123456789abcdef", formatAEAD, true)
	f.Fuzz(func(t *testing.T, gen, data, format string, encrypted bool) {
		s := &Store{key: "epic:fuzz"}
		if encrypted {
			s.aead = newAEAD(t, 7)
		}
		tok, generation, err := s.decode(gen, data, format)
		if err != nil {
			require.ErrorIs(t, err, epicoauth.ErrInvalidToken)
			if len(strings.TrimSpace(data)) >= 8 {
				require.NotContains(t, err.Error(), data, "the error quotes the stored value")
			}
			return
		}
		require.NotZero(t, generation)
		sealed, savedFormat, err := s.encode(tok)
		require.NoError(t, err)
		again, _, err := s.decode(gen, string(sealed), savedFormat)
		require.NoError(t, err)
		require.Equal(t, tok.AccessToken, again.AccessToken)
		require.Equal(t, tok.RefreshToken, again.RefreshToken)
	})
}

package redisstore

import (
	"crypto/rand"
	"fmt"
	"strconv"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// The fields of the Redis hash that holds the token.
const (
	fieldGeneration = "gen"    // decimal, increased by every save
	fieldToken      = "token"  // the token, as epicoauth.MarshalToken writes it, maybe sealed
	fieldFormat     = "format" // formatJSON or formatAEAD
)

const (
	formatJSON = "json"      // token is MarshalToken's JSON
	formatAEAD = "aead+json" // token is nonce || AEAD.Seal(JSON), key name as associated data
)

// maxValue bounds the token field: a token with all of Epic's extras and an
// eg1 JWT is a few kilobytes (FileStore has the same bound).
const maxValue = 1 << 20

// encode turns tok into the token and format fields. With an AEAD it seals
// the JSON under a fresh random nonce, with the key name as associated data
// so that a value copied from another key does not open here.
func (s *Store) encode(tok *oauth2.Token) (data []byte, format string, err error) {
	plain, err := epicoauth.MarshalToken(tok)
	if err != nil {
		return nil, "", err
	}
	if s.aead == nil {
		return plain, formatJSON, nil
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce) // never fails (crypto/rand crashes the program instead)
	return s.aead.Seal(nonce, nonce, plain, []byte(s.key)), formatAEAD, nil
}

// decode reads the fields of the hash back. A missing hash (all nil) is
// nothing saved: a nil token and generation 0. Whatever cannot be read back
// gives an error that matches epicoauth.ErrInvalidToken and never quotes the
// value.
func (s *Store) decode(gen, data, format any) (*oauth2.Token, uint64, error) {
	if gen == nil && data == nil && format == nil {
		return nil, 0, nil
	}
	genText, _ := gen.(string)
	generation, err := strconv.ParseUint(genText, 10, 64)
	if err != nil || generation == 0 {
		return nil, 0, fmt.Errorf("%w: the generation field is not a positive number", epicoauth.ErrInvalidToken)
	}
	text, ok := data.(string)
	if !ok {
		return nil, 0, fmt.Errorf("%w: the token field is missing", epicoauth.ErrInvalidToken)
	}
	if len(text) > maxValue {
		return nil, 0, fmt.Errorf("%w: the token field is larger than %d bytes", epicoauth.ErrInvalidToken, maxValue)
	}
	plain := []byte(text)
	switch f, _ := format.(string); {
	case f == formatJSON && s.aead == nil:
	case f == formatAEAD && s.aead != nil:
		if plain, err = s.open(plain); err != nil {
			return nil, 0, err
		}
	case f == formatJSON:
		return nil, 0, fmt.Errorf("%w: %w: the value is not encrypted but Options.AEAD is set", epicoauth.ErrInvalidToken, ErrDecrypt)
	case f == formatAEAD:
		return nil, 0, fmt.Errorf("%w: %w: the value is encrypted but Options.AEAD is nil", epicoauth.ErrInvalidToken, ErrDecrypt)
	default:
		return nil, 0, fmt.Errorf("%w: the format field is neither %q nor %q", epicoauth.ErrInvalidToken, formatJSON, formatAEAD)
	}
	tok, err := epicoauth.UnmarshalToken(plain)
	if err != nil {
		return nil, 0, err
	}
	return tok, generation, nil
}

// open undoes encode's sealing.
func (s *Store) open(sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: %w: the value is too short", epicoauth.ErrInvalidToken, ErrDecrypt)
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(s.key))
	if err != nil {
		return nil, fmt.Errorf("%w: %w: wrong Options.AEAD key, or the value was saved under another key name or altered", epicoauth.ErrInvalidToken, ErrDecrypt)
	}
	return plain, nil
}

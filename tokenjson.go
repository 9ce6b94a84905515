package epicoauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/secretfile"
)

// savedToken is the JSON form written by MarshalToken. Its first five fields
// carry the names and meaning of oauth2.Token's own JSON form, so a plain
// json.Unmarshal into an oauth2.Token reads our files and UnmarshalToken
// reads theirs. Extra keeps what x/oauth2 leaves out of JSON: every field of
// the token response (account_id, refresh_expires, scope ...).
type savedToken struct {
	AccessToken  string         `json:"access_token"`
	TokenType    string         `json:"token_type,omitempty"`
	RefreshToken string         `json:"refresh_token,omitempty"`
	Expiry       time.Time      `json:"expiry,omitzero"`
	ExpiresIn    int64          `json:"expires_in,omitempty"`
	Extra        map[string]any `json:"extra,omitzero"`
	// ExtraForm holds the extras of a token that came from a form-encoded
	// response (x/oauth2 keeps those as url.Values).
	ExtraForm url.Values `json:"extra_form,omitzero"`
	// Generation is FileStore's count of saves (see FileStore): absent
	// from what MarshalToken writes, ignored by UnmarshalToken.
	Generation uint64 `json:"generation,omitempty"`
}

// MarshalToken encodes tok as JSON together with its extras, which
// json.Marshal of an oauth2.Token drops (golang/oauth2#670). UnmarshalToken
// turns the result back into an equal token: same fields, same Expiry
// instant, same Extra values (as encoding/json decodes them). Epic's
// refresh_expires and refresh_expires_at are extras, so a token's refresh
// expiry survives too. The output contains the token's secrets: store it
// as such (FileStore writes it with permission 0600).
//
// FileStore's files are this form with one more top-level field,
// "generation" (a number that grows with every save); UnmarshalToken and
// json.Unmarshal into an oauth2.Token ignore it.
func MarshalToken(tok *oauth2.Token) ([]byte, error) {
	return marshalToken(tok, 0)
}

// marshalToken is MarshalToken with a FileStore generation (0: none).
func marshalToken(tok *oauth2.Token, generation uint64) ([]byte, error) {
	if tok == nil {
		return nil, errors.New("epicoauth: MarshalToken: nil token")
	}
	s := savedToken{
		AccessToken:  tok.AccessToken,
		TokenType:    tok.TokenType,
		RefreshToken: tok.RefreshToken,
		ExpiresIn:    tok.ExpiresIn,
		Generation:   generation,
	}
	if !tok.Expiry.IsZero() {
		s.Expiry = tok.Expiry.UTC()
	}
	s.Extra, s.ExtraForm = extras(tok)
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		// Only an extra that JSON cannot hold (a channel, a NaN) gets here;
		// the message names the type, never a value.
		return nil, fmt.Errorf("epicoauth: MarshalToken: %w", err)
	}
	return data, nil
}

// ErrInvalidToken is matched (errors.Is) by the errors of UnmarshalToken and
// of FileStore.Load for a saved token that cannot be read back.
var ErrInvalidToken = errors.New("epicoauth: invalid saved token")

// UnmarshalToken decodes a token written by MarshalToken, or by json.Marshal
// of an oauth2.Token (which has no extras). Errors never quote the input.
func UnmarshalToken(data []byte) (*oauth2.Token, error) {
	tok, _, err := unmarshalToken(data)
	return tok, err
}

// unmarshalToken is UnmarshalToken that also returns the FileStore
// generation written with the token (0: none).
func unmarshalToken(data []byte) (*oauth2.Token, uint64, error) {
	var s savedToken
	if err := secretfile.Decode(data, &s); err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if s.AccessToken == "" && s.RefreshToken == "" {
		return nil, 0, fmt.Errorf("%w: neither access_token nor refresh_token", ErrInvalidToken)
	}
	tok := &oauth2.Token{
		AccessToken:  s.AccessToken,
		TokenType:    s.TokenType,
		RefreshToken: s.RefreshToken,
		Expiry:       s.Expiry,
		ExpiresIn:    s.ExpiresIn,
	}
	switch {
	case s.Extra != nil:
		tok = tok.WithExtra(s.Extra)
	case s.ExtraForm != nil:
		tok = tok.WithExtra(s.ExtraForm)
	}
	return tok, s.Generation, nil
}

var (
	mapType  = reflect.TypeFor[map[string]any]()
	formType = reflect.TypeFor[url.Values]()
)

// extras returns the extra fields of tok in the form Token.Extra reads them
// from: a map (JSON responses) or url.Values (form responses). x/oauth2 keeps
// them in an unexported field and offers no way to list them, so reflection
// reads that field's keys (read-only, without package unsafe) and Extra reads
// each value. If a future x/oauth2 renames the field, extras returns nothing
// and the tests of this file fail.
func extras(tok *oauth2.Token) (map[string]any, url.Values) {
	raw := reflect.ValueOf(tok).Elem().FieldByName("raw")
	if !raw.IsValid() || raw.Kind() != reflect.Interface || raw.IsNil() {
		return nil, nil
	}
	v := raw.Elem()
	switch v.Type() {
	case mapType:
		if v.IsNil() {
			return nil, nil
		}
		m := make(map[string]any, v.Len())
		for _, k := range v.MapKeys() {
			m[k.String()] = tok.Extra(k.String())
		}
		return m, nil
	case formType:
		if v.IsNil() {
			return nil, nil
		}
		form := make(url.Values, v.Len())
		for it := v.MapRange(); it.Next(); {
			vs := it.Value()
			list := make([]string, vs.Len())
			for i := range list {
				list[i] = vs.Index(i).String()
			}
			form[it.Key().String()] = list
		}
		return nil, form
	}
	return nil, nil
}

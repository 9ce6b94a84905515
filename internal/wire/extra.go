package wire

import (
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// The typed readers of token extras behind the accessors of packages epic
// and eos. Each returns the zero value when tok is nil, the field is absent,
// or it has an unexpected type.

// ExtraString returns a string field.
func ExtraString(tok *oauth2.Token, key string) string {
	if tok == nil {
		return ""
	}
	s, _ := tok.Extra(key).(string)
	return s
}

// ExtraBool returns a boolean field.
func ExtraBool(tok *oauth2.Token, key string) bool {
	if tok == nil {
		return false
	}
	b, _ := tok.Extra(key).(bool)
	return b
}

// ExtraStrings returns a field that is a JSON array of strings or, as the
// EOS Auth endpoint sends scope, one space-separated string.
func ExtraStrings(tok *oauth2.Token, key string) []string {
	if tok == nil {
		return nil
	}
	return Strings(tok.Extra(key))
}

// Strings reads a decoded JSON array of strings or one space-separated
// string as a list; anything else is nil.
func Strings(v any) []string {
	switch v := v.(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return append([]string(nil), v...)
	case string:
		return strings.Fields(v)
	}
	return nil
}

// ExtraTime returns a field that holds an instant (ISO 8601 or epoch
// seconds).
func ExtraTime(tok *oauth2.Token, key string) time.Time {
	if tok == nil {
		return time.Time{}
	}
	t, _ := Time(tok.Extra(key))
	return t
}

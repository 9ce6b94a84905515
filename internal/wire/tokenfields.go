package wire

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"github.com/epicoauth/epicoauth"
)

// decodeObject decodes a JSON object as json.Unmarshal would into a
// map[string]any, except that a number too large for a float64 (1e309),
// which makes json.Unmarshal fail as a whole, is kept as a json.Number for
// dropUnusable to find.
//
// Validity is json.Valid's (one JSON value, nothing after it), which
// accepts 1e309 and allocates nothing per token; scanJSON, which ParseToken
// runs for repeated keys, would answer the same at a hundred-odd
// allocations per token response.
func decodeObject(body []byte) (map[string]any, string) {
	if !json.Valid(body) {
		var raw map[string]any
		err := json.Unmarshal(body, &raw) // for its description of what is wrong
		if err == nil {
			return nil, "response is not valid JSON"
		}
		return nil, "response is not valid JSON: " + excerpt(err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, "response is not valid JSON: " + excerpt(err.Error())
	}
	for k, v := range raw {
		raw[k] = toFloats(v)
	}
	return raw, ""
}

// toFloats turns every json.Number in v into the float64 json.Unmarshal
// would have made, so that Extra holds what x/oauth2 users expect; a number
// out of float64 range stays a json.Number.
func toFloats(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			return f
		}
	case map[string]any:
		for k, e := range x {
			x[k] = toFloats(e)
		}
	case []any:
		for i, e := range x {
			x[i] = toFloats(e)
		}
	}
	return v
}

// fieldKind is what an optional field of a token response must hold to be
// used.
type fieldKind int

const (
	kindString  fieldKind = iota // a JSON string
	kindSeconds                  // a positive number of seconds, or a numeric string
	kindInstant                  // an instant as Time reads it
)

// tokenFields are the optional fields of a token response that the library
// reads, and what each must hold. Other fields are kept as they are.
var tokenFields = map[string]fieldKind{
	"token_type":         kindString,
	"refresh_token":      kindString,
	"account_id":         kindString,
	"client_id":          kindString,
	"expires_in":         kindSeconds,
	"refresh_expires":    kindSeconds,
	"refresh_expires_in": kindSeconds,
	"expires_at":         kindInstant,
	"refresh_expires_at": kindInstant,
}

// dropUnusable removes from raw every field that cannot be used (see
// ParseToken) and describes each.
func dropUnusable(raw map[string]any) []*epicoauth.MalformedFieldError {
	var out []*epicoauth.MalformedFieldError
	for k, v := range raw {
		problem := ""
		if hasHugeNumber(v) {
			problem = "a number out of range"
		} else if kind, known := tokenFields[k]; known && v != nil {
			problem = kindProblem(kind, v)
		}
		if problem != "" {
			delete(raw, k)
			out = append(out, &epicoauth.MalformedFieldError{Field: k, Problem: problem})
		}
	}
	return out
}

func kindProblem(kind fieldKind, v any) string {
	switch kind {
	case kindString:
		if _, ok := v.(string); !ok {
			return "not a string"
		}
	case kindSeconds:
		if secs, ok := Seconds(v); !ok || secs <= 0 {
			return "not a positive number of seconds"
		}
	case kindInstant:
		if _, ok := Time(v); !ok {
			return "not a date or a positive epoch time"
		}
	}
	return ""
}

// hasHugeNumber reports whether v holds, at any depth, a number toFloats
// could not turn into a float64.
func hasHugeNumber(v any) bool {
	switch x := v.(type) {
	case json.Number:
		return true
	case float64:
		return math.IsInf(x, 0) || math.IsNaN(x)
	case map[string]any:
		for _, e := range x {
			if hasHugeNumber(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasHugeNumber(e) {
				return true
			}
		}
	}
	return false
}

package wire

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
)

// credentialKeys are the JSON keys whose values are credentials in Epic's
// responses: the tokens of a token response, a device auth's secret, an
// exchange code, a device code. An error keeps none of them. Continuation
// tokens are not among them: Epic returns them in errors for the user to
// act on (Error.Continuation).
var credentialKeys = []string{
	"access_token", "refresh_token", "id_token", "secret", "code",
	"exchange_code", "device_code", "client_secret", "password",
}

func isCredentialKey(k string) bool { return slices.Contains(credentialKeys, k) }

// jsonScan is what scanJSON learns about a body.
type jsonScan struct {
	// dupKeys are the keys that appear more than once in the top-level
	// object, each listed once, in the order of their second appearance.
	dupKeys []string
	// spans are the byte ranges, quotes included, of the string values
	// that sit under a credential key at any depth, and values their
	// decoded text.
	spans  [][2]int
	values []string
	// valid is false when the body is not one JSON value; then good is
	// the offset up to which it was read without error.
	valid bool
	good  int
}

// scanJSON walks body token by token. Unlike json.Unmarshal it sees every
// occurrence of a repeated key and where each value sits in the raw bytes,
// so that credentials can be cut out of the body exactly, however they are
// escaped.
func scanJSON(body []byte) jsonScan {
	type frame struct {
		obj, wantKey, secret bool
		key                  string
	}
	var s jsonScan
	var stack []frame
	seen := map[string]bool{}
	values := 0
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	// underSecret reports whether the value about to be read sits under a
	// credential key.
	underSecret := func() bool {
		if len(stack) == 0 {
			return false
		}
		f := stack[len(stack)-1]
		return f.secret || (f.obj && isCredentialKey(f.key))
	}
	endValue := func() {
		if len(stack) == 0 {
			values++
		} else if stack[len(stack)-1].obj {
			stack[len(stack)-1].wantKey = true
		}
	}
	for {
		off := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF && len(stack) == 0 && values == 1 {
			s.valid = true
			return s
		}
		if err != nil || (len(stack) == 0 && values > 0) {
			s.good = off
			return s
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				stack = append(stack, frame{obj: t == '{', wantKey: t == '{', secret: underSecret()})
				continue
			}
			stack = stack[:len(stack)-1]
			endValue()
		case string:
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
				if n == 1 && seen[t] && !slices.Contains(s.dupKeys, t) {
					s.dupKeys = append(s.dupKeys, t)
				}
				if n == 1 {
					seen[t] = true
				}
				continue
			}
			if underSecret() {
				end := int(dec.InputOffset())
				start := off + bytes.IndexByte(body[off:end], '"')
				s.spans = append(s.spans, [2]int{start, end})
				s.values = append(s.values, t)
			}
			endValue()
		default:
			endValue()
		}
	}
}

// redactResponse replaces every credential in a JSON response body with
// "[REDACTED]" and returns the decoded credentials, so that they can be
// redacted from the error's other fields too. A body that is not JSON (an
// HTML page) is returned as it is; a JSON body that breaks off (truncated,
// garbled) is kept up to the break, since what follows cannot be told
// apart from a credential.
func redactResponse(body []byte) ([]byte, []string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') {
		return body, nil
	}
	s := scanJSON(body)
	end := len(body)
	if !s.valid {
		end = s.good
	}
	var out []byte
	at := 0
	for _, sp := range s.spans {
		out = append(out, body[at:sp[0]]...)
		out = append(out, `"`+Redacted+`"`...)
		at = sp[1]
	}
	if at < end {
		out = append(out, body[at:end]...)
	}
	if !s.valid {
		out = append(out, Redacted...)
	}
	return out, s.values
}

package wire

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactResponse(t *testing.T) {
	tests := []struct {
		name, body, want string
		values           []string
	}{
		{
			name:   "token response",
			body:   `{"access_token": "aaaa1111", "expires_in": 7200, "refresh_token":"rrrr2222"}`,
			want:   `{"access_token": "[REDACTED]", "expires_in": 7200, "refresh_token":"[REDACTED]"}`,
			values: []string{"aaaa1111", "rrrr2222"},
		},
		{
			name:   "escaped key and value",
			body:   `{"access\u005ftoken":"abc\u0064efgh"}`,
			want:   `{"access\u005ftoken":"[REDACTED]"}`,
			values: []string{"abcdefgh"},
		},
		{
			name:   "repeated key: every copy",
			body:   `{"access_token":"first111","access_token":"second22"}`,
			want:   `{"access_token":"[REDACTED]","access_token":"[REDACTED]"}`,
			values: []string{"first111", "second22"},
		},
		{
			name:   "nested under a credential key",
			body:   `[{"secret":["xxxx1111",{"k":"yyyy2222"}],"deviceId":"435b"}]`,
			want:   `[{"secret":["[REDACTED]",{"k":"[REDACTED]"}],"deviceId":"435b"}]`,
			values: []string{"xxxx1111", "yyyy2222"},
		},
		{
			name: "a credential key used as a value is kept",
			body: `{"messageVars":["access_token"],"id_token":null,"code":5}`,
			want: `{"messageVars":["access_token"],"id_token":null,"code":5}`,
		},
		{
			name: "truncated inside a token: cut at the break",
			body: `{"expires_in":7200,"access_token":"aaaa11`,
			want: `{"expires_in":7200,"access_token"[REDACTED]`,
		},
		{
			name:   "garbage after the value: cut there",
			body:   `{"refresh_token":"rrrr2222"} {"access_token":"aaaa1111"}`,
			want:   `{"refresh_token":"[REDACTED]"}[REDACTED]`,
			values: []string{"rrrr2222"},
		},
		{
			name: "not JSON: left alone",
			body: `<html>access_token</html>`,
			want: `<html>access_token</html>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, values := redactResponse([]byte(tt.body))
			assert.Equal(t, tt.want, string(got))
			assert.Equal(t, tt.values, values)
		})
	}
}

func TestScanJSONRepeatedKey(t *testing.T) {
	assert.Equal(t, []string{"expires_in", "x"}, scanJSON([]byte(`{"expires_in":1,"a":{"b":1,"b":2},"expires_in":2,"x":1,"expires_in":3,"x":2}`)).dupKeys)
	assert.Empty(t, scanJSON([]byte(`{"a":{"b":1,"b":2},"c":[{"d":1},{"d":2}]}`)).dupKeys, "only the top level counts")
}

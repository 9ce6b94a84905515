package redact

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://evil.example:8443/token?refresh_token=rt0SECRET#frag", "https://evil.example:8443/token?[REDACTED]"},
		{"https://user:pw@evil.example/p", "https://evil.example/p"},
		{"https://evil.example/p?", "https://evil.example/p?[REDACTED]"},
		{"/relative/path?code=x", "/relative/path?[REDACTED]"},
		{"https://account-public-service-prod.ol.epicgames.com/account/api/oauth/token", "https://account-public-service-prod.ol.epicgames.com/account/api/oauth/token"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := url.Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, URL(u))
		})
	}
	assert.Empty(t, URL(nil))
}

func TestValue(t *testing.T) {
	assert.Equal(t, "", Value(""))
	assert.Equal(t, Marker, Value("s3cret"))
}

type formatted struct{}

func (formatted) Format(f fmt.State, verb rune) { Format(f, verb, "T{S: [REDACTED]}") }

func TestFormat(t *testing.T) {
	assert.Equal(t, "T{S: [REDACTED]}", fmt.Sprintf("%v", formatted{}))
	assert.Equal(t, "T{S: [REDACTED]}", fmt.Sprintf("%#v", formatted{}), "as GoString would")
	assert.Equal(t, `"T{S: [REDACTED]}"`, fmt.Sprintf("%q", formatted{}))
	assert.Equal(t, "  T{S: [REDACTED]}", fmt.Sprintf("%18s", formatted{}))
	assert.Equal(t, "%!d(string=T{S: [REDACTED]})", fmt.Sprintf("%d", formatted{}))
}

func TestSecrets(t *testing.T) {
	assert.Equal(t, "a [REDACTED] b [REDACTED]", Secrets("a s3cret b s3cret", []string{"", "s3cret"}))
	assert.Equal(t, "nothing here", Secrets("nothing here", []string{"s3cret"}))
}

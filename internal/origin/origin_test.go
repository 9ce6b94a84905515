package origin

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSame(t *testing.T) {
	base := "https://account-public-service-prod.ol.epicgames.com/account/api/oauth/token"
	tests := []struct {
		other string
		same  bool
	}{
		{"https://account-public-service-prod.ol.epicgames.com/other?x=1", true},
		{"https://ACCOUNT-public-service-prod.ol.epicgames.com.:443/", true},
		{"http://account-public-service-prod.ol.epicgames.com/", false},
		{"https://account-public-service-prod.ol.epicgames.com:8443/", false},
		{"https://evil.example/account/api/oauth/token", false},
		{"https://ol.epicgames.com/", false},
	}
	b, _ := url.Parse(base)
	for _, tt := range tests {
		t.Run(tt.other, func(t *testing.T) {
			o, err := url.Parse(tt.other)
			assert.NoError(t, err)
			assert.Equal(t, tt.same, Same(b, o))
		})
	}
	assert.False(t, Same(nil, b))
	assert.Equal(t, "http://[::1]:80", Of(&url.URL{Scheme: "http", Host: "[::1]"}))
}

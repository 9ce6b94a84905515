package epicoauth_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

func TestEndpoints(t *testing.T) {
	tests := []struct {
		name string
		got  oauth2.Endpoint
		want oauth2.Endpoint
	}{
		{"account", epicoauth.AccountEndpoint, oauth2.Endpoint{
			AuthURL:       "https://www.epicgames.com/id/authorize",
			DeviceAuthURL: "https://account-public-service-prod.ol.epicgames.com/account/api/oauth/deviceAuthorization",
			TokenURL:      "https://account-public-service-prod.ol.epicgames.com/account/api/oauth/token",
			AuthStyle:     oauth2.AuthStyleInHeader,
		}},
		{"EOS Connect", epicoauth.EOSConnectEndpoint, oauth2.Endpoint{
			TokenURL:  "https://api.epicgames.dev/auth/v1/oauth/token",
			AuthStyle: oauth2.AuthStyleInHeader,
		}},
		{"EOS Auth", epicoauth.EOSAuthEndpoint, oauth2.Endpoint{
			AuthURL:   "https://www.epicgames.com/id/authorize",
			TokenURL:  "https://api.epicgames.dev/epic/oauth/v2/token",
			AuthStyle: oauth2.AuthStyleInHeader,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Never auto-detect: it would retry a single-use code with the
			// other style.
			assert.Equal(t, oauth2.AuthStyleInHeader, tt.got.AuthStyle)
			assert.Equal(t, tt.want, tt.got)
		})
	}
}

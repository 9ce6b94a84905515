package epic_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// extras is every typed reader of package epic applied to one token.
type extras struct {
	AccountID, DisplayName, ClientID, ClientService, DeviceID, App, InAppID, ProductID, ApplicationID, ACR string
	InternalClient                                                                                         bool
	RefreshExpiry, AuthTime                                                                                time.Time
	Scope                                                                                                  []string
	Perms                                                                                                  []epic.Permission
}

func readExtras(tok *oauth2.Token) extras {
	return extras{
		AccountID: epic.AccountID(tok), DisplayName: epic.DisplayName(tok), ClientID: epic.ClientID(tok),
		ClientService: epic.ClientService(tok), DeviceID: epic.DeviceID(tok), App: epic.App(tok), InAppID: epic.InAppID(tok),
		ProductID: epic.ProductID(tok), ApplicationID: epic.ApplicationID(tok), ACR: epic.ACR(tok),
		InternalClient: epic.InternalClient(tok), RefreshExpiry: epic.RefreshExpiry(tok), AuthTime: epic.AuthTime(tok),
		Scope: epic.Scope(tok), Perms: epic.Perms(tok),
	}
}

func TestExtras(t *testing.T) {
	var verify struct {
		Perms []any `json:"perms"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "account-verify-eg1-includePerms.json"), &verify))
	withPerms := fixtureWith(t, "account-token-exchange_code.json", map[string]any{
		"perms": verify.Perms, "acr": "urn:epic:loa:aal2", "auth_time": "2023-08-30T16:20:00.000Z",
	})

	tests := []struct {
		name string
		body []byte
		want extras
	}{
		{
			name: "client credentials", body: fixture(t, "account-token-client_credentials.json"),
			want: extras{
				ClientID: "ec684b8c687f479fadea3cb2ad83f5c6", ClientService: "prod-fn", InternalClient: true,
				ProductID: "prod-fn", ApplicationID: "fghi4567FNFBKFz3E4TROb0bmPS8h1GW", Perms: []epic.Permission{},
			},
		},
		{
			name: "authorization code", body: fixture(t, "account-token-authorization_code.json"),
			want: extras{
				AccountID: "94b1569506b04f9f8557af611e8c5e47", DisplayName: "lele stw moment",
				ClientID: "ec684b8c687f479fadea3cb2ad83f5c6", ClientService: "prod-fn", InternalClient: true,
				DeviceID: "63e3b71af76e4fc48841b92c5eb3d69d", App: "prod-fn", InAppID: "94b1569506b04f9f8557af611e8c5e47",
				ProductID: "prod-fn", ApplicationID: "fghi4567FNFBKFz3E4TROb0bmPS8h1GW",
				RefreshExpiry: start.Add(28800 * time.Second), Scope: []string{"basic_profile"}, Perms: []epic.Permission{},
			},
		},
		{
			name: "with perms, acr and auth_time", body: withPerms,
			want: extras{
				AccountID: "94b1569506b04f9f8557af611e8c5e47", DisplayName: "lele stw moment",
				ClientID: "ec684b8c687f479fadea3cb2ad83f5c6", ClientService: "prod-fn", InternalClient: true,
				App: "prod-fn", InAppID: "94b1569506b04f9f8557af611e8c5e47",
				ProductID: "prod-fn", ApplicationID: "fghi4567FNFBKFz3E4TROb0bmPS8h1GW",
				ACR: "urn:epic:loa:aal2", AuthTime: time.Date(2023, 8, 30, 16, 20, 0, 0, time.UTC),
				RefreshExpiry: start.Add(28800 * time.Second),
				Perms: []epic.Permission{
					{"blockList:ec0ebb7e56f6454e86c62299a7b32e21", 14}, {"wexp:cloudstorage:system", 2}, {"account:public:account:*", 2},
					{"account:oauth:exchangeTokenCode", 15}, {"account:public:account", 2}, {"priceengine:shared:offer:price", 2},
					{"xmpp:session:*:ec0ebb7e56f6454e86c62299a7b32e21", 1}, {"wexp:wexp_role:client", 15},
					{"wexp:profile:ec0ebb7e56f6454e86c62299a7b32e21:*", 15}, {"account:public:account:externalAuths", 15},
					{"wexp:calendar", 2}, {"account:token:otherSessionsForAccountClient", 8},
					{"account:token:otherSessionsForAccountClientService", 8}, {"account:public:account:deviceAuths", 11},
					{"wexp:cloudstorage:system:*", 2}, {"serviceinstance", 2}, {"wexp:storefront", 2},
					{"wexp:push:devices:ec0ebb7e56f6454e86c62299a7b32e21", 15}, {"friends:ec0ebb7e56f6454e86c62299a7b32e21", 15},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAccountServer(t, plainConfig)
			srv.expect(expect{url.Values{"grant_type": {"client_credentials"}}, ok(tt.body)})
			tok, err := srv.config(epictest.NewClock(start)).Token(context.Background(), epic.ClientCredentials())
			require.NoError(t, err)

			got := readExtras(tok)
			assert.True(t, tt.want.RefreshExpiry.Equal(got.RefreshExpiry), "RefreshExpiry %v, want %v", got.RefreshExpiry, tt.want.RefreshExpiry)
			assert.True(t, tt.want.AuthTime.Equal(got.AuthTime), "AuthTime %v, want %v", got.AuthTime, tt.want.AuthTime)
			got.RefreshExpiry, got.AuthTime, tt.want.RefreshExpiry, tt.want.AuthTime = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			assert.Equal(t, tt.want, got)

			// The raw fields stay readable under Epic's own names.
			var raw map[string]any
			require.NoError(t, json.Unmarshal(tt.body, &raw))
			for k, v := range raw {
				assert.Equal(t, v, tok.Extra(k), "Extra(%q)", k)
			}
		})
	}
}

func TestExtrasOfNothing(t *testing.T) {
	for name, tok := range map[string]*oauth2.Token{"nil": nil, "no extras": {AccessToken: "x"}} {
		t.Run(name, func(t *testing.T) {
			got := readExtras(tok)
			assert.Empty(t, got.Perms)
			got.Perms = nil
			assert.Equal(t, extras{}, got)
		})
	}
}

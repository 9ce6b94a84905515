package eos_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epictest"
)

// extras is every typed reader of package eos applied to one token.
type extras struct {
	DeploymentID, Nonce, ProductUserID, OrganizationID, OrganizationUserID, ProductID, SandboxID, IDToken string
	ProductUserIDCreated                                                                                  bool
	Features                                                                                              []string
}

func readExtras(tok *oauth2.Token) extras {
	return extras{
		DeploymentID: eos.DeploymentID(tok), Nonce: eos.Nonce(tok), ProductUserID: eos.ProductUserID(tok),
		OrganizationID: eos.OrganizationID(tok), OrganizationUserID: eos.OrganizationUserID(tok),
		ProductID: eos.ProductID(tok), SandboxID: eos.SandboxID(tok), IDToken: eos.IDToken(tok),
		ProductUserIDCreated: eos.ProductUserIDCreated(tok), Features: eos.Features(tok),
	}
}

func TestExtras(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		grant   eos.Grant
		form    url.Values
		want    extras
	}{
		{
			name: "client token", fixture: "eos-connect-token-client_credentials.json",
			grant: eos.ClientCredentials(), form: url.Values{"grant_type": {"client_credentials"}},
			want: extras{
				DeploymentID: "53565ba467df4edbb6f5a3d939a8b4f2", OrganizationID: "o-krlzxj88qrtb69fredeuaf887bl5az",
				ProductID: "prod-jackal", SandboxID: "jackal", Features: []string{"Achievements", "AntiCheat", "Ecom", "Voice"},
			},
		},
		{
			name: "user token", fixture: "eos-connect-token-external_auth.json",
			grant: eos.ExternalAuth(eos.EpicGamesAccessToken, "eg1~account-token"),
			form:  url.Values{"grant_type": {"external_auth"}, "external_auth_type": {"epicgames_access_token"}, "external_auth_token": {"eg1~account-token"}},
			want: extras{
				DeploymentID: "62a9473a2dca46b29ccf17577fcf42d7", OrganizationID: "o-aa83a0a9bc45e98c80c1b1c9d92e9e",
				ProductID: "prod-fn", SandboxID: "fn", IDToken: "REDACTED",
				ProductUserID: "0002968544584824a0c528dad8b75bf9", OrganizationUserID: "000135c3d47e4198a91a01320374fd4d",
				Features: []string{"AntiCheat", "Connect", "ContentService", "Ecom", "EpicConnect", "Inventories", "LockerService", "Matchmaking Service", "PCBService", "QuestService"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newConnectServer(t, plainConfig)
			srv.expect(tt.form, echoNonce(t, tt.fixture))
			tok, err := srv.config(epictest.NewClock(start)).Token(context.Background(), tt.grant)
			require.NoError(t, err)

			got := readExtras(tok)
			assert.Regexp(t, hex32, got.Nonce)
			tt.want.Nonce = got.Nonce
			assert.Equal(t, tt.want, got)

			// The raw fields stay readable under Epic's own names.
			var raw map[string]any
			require.NoError(t, json.Unmarshal(fixture(t, tt.fixture), &raw))
			delete(raw, "nonce")
			for k, v := range raw {
				assert.Equal(t, v, tok.Extra(k), "Extra(%q)", k)
			}
		})
	}
}

func TestProductUserIDCreated(t *testing.T) {
	tok := (&oauth2.Token{AccessToken: "x"}).WithExtra(map[string]any{"product_user_id_created": true})
	assert.True(t, eos.ProductUserIDCreated(tok))
}

func TestExtrasOfNothing(t *testing.T) {
	for name, tok := range map[string]*oauth2.Token{"nil": nil, "no extras": {AccessToken: "x"}} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, extras{}, readExtras(tok))
		})
	}
}

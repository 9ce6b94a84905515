package epicoauth

import "golang.org/x/oauth2"

// AccountEndpoint is the OAuth 2.0 endpoint of Epic's account service
// (account-public-service), the service behind Epic Games accounts, the Epic
// Games Launcher and Fortnite. Use it with the grants of package epic.
//
// AuthStyle is fixed to [oauth2.AuthStyleInHeader]: auto-detection retries a
// rejected request with the other style, which would send a single-use
// exchange or authorization code twice.
var AccountEndpoint = oauth2.Endpoint{
	AuthURL:       "https://www.epicgames.com/id/authorize",
	DeviceAuthURL: "https://account-public-service-prod.ol.epicgames.com/account/api/oauth/deviceAuthorization",
	TokenURL:      "https://account-public-service-prod.ol.epicgames.com/account/api/oauth/token",
	AuthStyle:     oauth2.AuthStyleInHeader,
}

// EOSConnectEndpoint is the token endpoint of EOS Connect (Epic Online
// Services game services) at api.epicgames.dev. Its tokens identify a
// product user (PUID) or a trusted server, last about an hour and have no
// refresh token. Use it with package eos.
var EOSConnectEndpoint = oauth2.Endpoint{
	TokenURL:  "https://api.epicgames.dev/auth/v1/oauth/token",
	AuthStyle: oauth2.AuthStyleInHeader,
}

// EOSAuthEndpoint is the OAuth 2.0 endpoint of EOS Auth (Epic Account
// Services for third-party products) at api.epicgames.dev. It issues
// account tokens for an EOS deployment; its authorize page is the same
// www.epicgames.com/id/authorize as the account service.
var EOSAuthEndpoint = oauth2.Endpoint{
	AuthURL:   "https://www.epicgames.com/id/authorize",
	TokenURL:  "https://api.epicgames.dev/epic/oauth/v2/token",
	AuthStyle: oauth2.AuthStyleInHeader,
}

package eos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/wire"
)

// The endpoints of EOS Auth that take a token rather than give one. Their
// addresses sit next to the AuthConfig's TokenURL (.../epic/oauth/v2/token).

// TokenInfo is the answer of token introspection (AuthConfig.TokenInfo).
type TokenInfo struct {
	// Active reports whether the token is alive; the other fields are
	// empty when it is not.
	Active bool
	// Scope lists the session's scopes (Epic sends them space-separated).
	Scope     []string
	TokenType string
	// Expiry is when the token stops working, counted by the AuthConfig's
	// clock from expires_in (else Epic's expires_at).
	Expiry time.Time
	// AccountID is the Epic account, empty for a client token.
	AccountID     string
	ClientID      string
	ApplicationID string
}

// tokenInfo is Epic's answer to POST /epic/oauth/v2/tokenInfo.
type tokenInfo struct {
	Active        bool   `json:"active"`
	Scope         any    `json:"scope"`
	TokenType     string `json:"token_type"`
	ExpiresIn     any    `json:"expires_in"`
	ExpiresAt     any    `json:"expires_at"`
	AccountID     string `json:"account_id"`
	ClientID      string `json:"client_id"`
	ApplicationID string `json:"application_id"`
}

// errNoToken is returned, before any request, for an empty token.
var errNoToken = errors.New("eos: no token given")

// TokenInfo asks EOS Auth whether an access token is alive and what it is
// for (POST /epic/oauth/v2/tokenInfo, the token in the form body and no
// Authorization header). A dead or unknown token is not an error: it
// returns a TokenInfo with Active false. A game backend uses it to check a
// token a player sends; to check an ID token offline, use the idtoken
// module instead.
func (c *AuthConfig) TokenInfo(ctx context.Context, token string) (*TokenInfo, error) {
	req, err := c.tokenRequest("tokenInfo", token)
	if err != nil {
		return nil, err
	}
	ti, resp, err := wire.DoJSON[tokenInfo](ctx, req)
	if err != nil {
		return nil, fmt.Errorf("eos: introspecting token: %w", err)
	}
	if !ti.Active {
		return &TokenInfo{}, nil
	}
	return &TokenInfo{
		Active:        true,
		Scope:         wire.Strings(ti.Scope),
		TokenType:     ti.TokenType,
		Expiry:        wire.Expiry(ti.ExpiresIn, ti.ExpiresAt, resp.Received),
		AccountID:     ti.AccountID,
		ClientID:      ti.ClientID,
		ApplicationID: ti.ApplicationID,
	}, nil
}

// Revoke ends the session of an access or refresh token (POST
// /epic/oauth/v2/revoke, RFC 7009: the token in the form body, Epic answers
// 204 No Content). Call it when the person logs out. As the EOS SDK and
// fnbr.js do, it sends no Authorization header.
func (c *AuthConfig) Revoke(ctx context.Context, token string) error {
	req, err := c.tokenRequest("revoke", token)
	if err != nil {
		return err
	}
	if _, err := wire.Do(ctx, req); err != nil {
		return fmt.Errorf("eos: revoking token: %w", err)
	}
	return nil
}

// tokenRequest is a POST of token to the endpoint name next to TokenURL,
// without client authentication. The client secret stays on the request
// only to be redacted from errors.
func (c *AuthConfig) tokenRequest(name, token string) (*wire.Request, error) {
	if token == "" {
		return nil, errNoToken
	}
	addr, err := c.oauthURL(name)
	if err != nil {
		return nil, err
	}
	req := c.request(addr, url.Values{"token": {token}})
	req.ClientID = ""
	return req, nil
}

// UserInfo is the OpenID Connect userinfo of an EAS session
// (AuthConfig.UserInfo).
type UserInfo struct {
	// Subject is the Epic account id (sub).
	Subject string `json:"sub"`
	// PreferredUsername is the account's display name
	// (preferred_username).
	PreferredUsername string `json:"preferred_username"`

	claims []byte
}

// Claims decodes every field Epic sent into v, such as a struct with the
// json tags of further claims, or a map[string]any.
func (u *UserInfo) Claims(v any) error {
	if u.claims == nil {
		return errors.New("eos: the UserInfo has no claims")
	}
	return json.Unmarshal(u.claims, v)
}

// UserInfo returns the OpenID Connect userinfo of tok's account (GET
// /epic/oauth/v2/userInfo with tok as the bearer). A dead or unknown token
// gets an *epicoauth.Error, usually 401.
func (c *AuthConfig) UserInfo(ctx context.Context, tok *oauth2.Token) (*UserInfo, error) {
	if tok == nil || tok.AccessToken == "" {
		return nil, errNoToken
	}
	addr, err := c.oauthURL("userInfo")
	if err != nil {
		return nil, err
	}
	req := c.request(addr, nil)
	req.Method, req.ClientID, req.Bearer = http.MethodGet, "", tok.AccessToken
	u, resp, err := wire.DoJSON[UserInfo](ctx, req)
	if err != nil {
		return nil, fmt.Errorf("eos: reading userinfo: %w", err)
	}
	u.claims = resp.Body
	return &u, nil
}

// oauthURL returns the address of an EOS Auth endpoint, found by replacing
// the last path segment of TokenURL (token) with name, so that pointing
// Endpoint at a fake server moves every address.
func (c *AuthConfig) oauthURL(name string) (string, error) {
	tokenURL := c.endpoint().TokenURL
	u, err := url.Parse(tokenURL)
	if err != nil || !strings.HasSuffix(u.Path, "/token") {
		return "", fmt.Errorf("eos: Endpoint.TokenURL %q does not end in /token, so the other EOS Auth addresses cannot be derived from it", tokenURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "token") + name
	u.RawPath = ""
	return u.String(), nil
}

package epic

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/wire"
)

// Verification is what Epic knows about a live session, from Verify. The
// access token itself, which Epic echoes, is left out. Every fmt verb and
// log/slog leave out SessionID too, and encoding/json writes it as
// "[REDACTED]".
type Verification struct {
	// SessionID identifies the session on Epic's side. For the default
	// opaque tokens it may be the access token itself: keep it as secret.
	SessionID string
	TokenType string
	// Expiry is when the access token stops working, counted by the
	// Config's clock from expires_in (else Epic's expires_at).
	Expiry         time.Time
	ClientID       string
	ClientService  string
	InternalClient bool
	// AccountID and DisplayName are empty for a client token.
	AccountID   string
	DisplayName string
	// AuthMethod is the grant or platform the session logged in with,
	// such as "exchange_code" or "device_auth".
	AuthMethod    string
	App           string
	InAppID       string
	DeviceID      string
	Scope         []string
	ProductID     string
	SandboxID     string
	DeploymentID  string
	ApplicationID string
	// ACR is "urn:epic:loa:aal2" when the login used two factors.
	ACR      string
	AuthTime time.Time
	// The linked platform account of an external-auth login.
	ExtAuthID          string
	ExtAuthType        string
	ExtAuthMethod      string
	ExtAuthDisplayName string
	// Perms lists the session's permissions when Config.IncludePerms is
	// set.
	Perms []Permission
}

// String summarizes the session without its id.
func (v Verification) String() string {
	return fmt.Sprintf("Verification{AccountID: %s, DisplayName: %s, ClientID: %s, AuthMethod: %s, Expiry: %s}",
		v.AccountID, v.DisplayName, v.ClientID, v.AuthMethod, v.Expiry.UTC().Format(time.RFC3339))
}

// GoString makes %#v as safe as %v.
func (v Verification) GoString() string { return v.String() }

// LogValue makes log/slog print the summary.
func (v Verification) LogValue() slog.Value { return slog.StringValue(v.String()) }

// verification is Epic's answer to /account/api/oauth/verify; times and
// numbers are read leniently.
type verification struct {
	SessionID          string       `json:"session_id"`
	TokenType          string       `json:"token_type"`
	ClientID           string       `json:"client_id"`
	InternalClient     bool         `json:"internal_client"`
	ClientService      string       `json:"client_service"`
	AccountID          string       `json:"account_id"`
	ExpiresIn          any          `json:"expires_in"`
	ExpiresAt          any          `json:"expires_at"`
	AuthMethod         string       `json:"auth_method"`
	DisplayName        string       `json:"display_name"`
	App                string       `json:"app"`
	InAppID            string       `json:"in_app_id"`
	DeviceID           string       `json:"device_id"`
	Scope              any          `json:"scope"`
	ProductID          string       `json:"product_id"`
	SandboxID          string       `json:"sandbox_id"`
	DeploymentID       string       `json:"deployment_id"`
	ApplicationID      string       `json:"application_id"`
	ACR                string       `json:"acr"`
	AuthTime           any          `json:"auth_time"`
	ExtAuthID          string       `json:"ext_auth_id"`
	ExtAuthType        string       `json:"ext_auth_type"`
	ExtAuthMethod      string       `json:"ext_auth_method"`
	ExtAuthDisplayName string       `json:"ext_auth_display_name"`
	Perms              []Permission `json:"perms"`
}

// Verify asks Epic whether tok's session is still alive and what it is
// (GET /account/api/oauth/verify with tok as the bearer). With
// c.IncludePerms set it asks for the session's permissions too. A dead or
// unknown token gets an *epicoauth.Error, usually 401
// errors.com.epicgames.common.authentication.token_verification_failed or
// errors.com.epicgames.common.oauth.invalid_token.
func (c *Config) Verify(ctx context.Context, tok *oauth2.Token) (*Verification, error) {
	bearer, addr, err := c.sessionURL(tok, "/account/api/oauth/verify")
	if err != nil {
		return nil, err
	}
	if c.IncludePerms {
		addr += "?includePerms=true"
	}
	v, resp, err := wire.DoJSON[verification](ctx, c.bearerRequest(http.MethodGet, addr, bearer, nil))
	if err != nil {
		return nil, fmt.Errorf("epic: verifying token: %w", err)
	}
	return &Verification{
		SessionID:          v.SessionID,
		TokenType:          v.TokenType,
		Expiry:             wire.Expiry(v.ExpiresIn, v.ExpiresAt, resp.Received),
		ClientID:           v.ClientID,
		ClientService:      v.ClientService,
		InternalClient:     v.InternalClient,
		AccountID:          v.AccountID,
		DisplayName:        v.DisplayName,
		AuthMethod:         v.AuthMethod,
		App:                v.App,
		InAppID:            v.InAppID,
		DeviceID:           v.DeviceID,
		Scope:              wire.Strings(v.Scope),
		ProductID:          v.ProductID,
		SandboxID:          v.SandboxID,
		DeploymentID:       v.DeploymentID,
		ApplicationID:      v.ApplicationID,
		ACR:                v.ACR,
		AuthTime:           timeOf(v.AuthTime),
		ExtAuthID:          v.ExtAuthID,
		ExtAuthType:        v.ExtAuthType,
		ExtAuthMethod:      v.ExtAuthMethod,
		ExtAuthDisplayName: v.ExtAuthDisplayName,
		Perms:              v.Perms,
	}, nil
}

// TokenInfo is the answer of token introspection (Introspect).
type TokenInfo struct {
	// Active reports whether the token is alive; the other fields are
	// empty when it is not.
	Active    bool
	TokenType string
	// Expiry is when the token stops working, counted by the Config's
	// clock from expires_in (else Epic's expires_at).
	Expiry        time.Time
	ClientID      string
	ApplicationID string
}

// tokenInfo is Epic's answer to /account/api/epicid/v1/oauth/tokenInfo.
type tokenInfo struct {
	Active        bool   `json:"active"`
	TokenType     string `json:"token_type"`
	ExpiresIn     any    `json:"expires_in"`
	ExpiresAt     any    `json:"expires_at"`
	ClientID      string `json:"client_id"`
	ApplicationID string `json:"application_id"`
}

// Introspect asks Epic whether an access token is alive (POST
// /account/api/epicid/v1/oauth/tokenInfo, the token in the form body and
// no Authorization header). Unlike Verify, a dead token is not an error: it
// returns a TokenInfo with Active false.
func (c *Config) Introspect(ctx context.Context, tok *oauth2.Token) (*TokenInfo, error) {
	token, addr, err := c.sessionURL(tok, "/account/api/epicid/v1/oauth/tokenInfo")
	if err != nil {
		return nil, err
	}
	req := c.bearerRequest(http.MethodPost, addr, "", url.Values{"token": {token}})
	ti, resp, err := wire.DoJSON[tokenInfo](ctx, req)
	if err != nil {
		return nil, fmt.Errorf("epic: introspecting token: %w", err)
	}
	info := &TokenInfo{Active: ti.Active, TokenType: ti.TokenType, ClientID: ti.ClientID, ApplicationID: ti.ApplicationID}
	if ti.Active {
		info.Expiry = wire.Expiry(ti.ExpiresIn, ti.ExpiresAt, resp.Received)
	}
	return info, nil
}

// timeOf reads an instant leniently; zero when absent or unreadable.
func timeOf(v any) time.Time {
	t, _ := wire.Time(v)
	return t
}

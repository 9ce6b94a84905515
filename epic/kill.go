package epic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/wire"
)

// Ending sessions on the server. Epic counts live sessions per account and,
// past a limit, refuses logins for hours (errors.com.epicgames.account.oauth.
// too_many_sessions), so a program that logs in often should end the
// sessions it no longer needs.

// KillType says which sessions KillSessions ends, relative to the session of
// the token that asks. Each needs its own permission of the form
// account:token:<name> DELETE, which Epic's game clients hold for some types
// only.
type KillType string

// The kill types Epic knows.
const (
	// KillOthersAccountClientService ends the account's other sessions of
	// the same client service (all Fortnite clients, say). Fortnite itself
	// uses it.
	KillOthersAccountClientService KillType = "OTHERS_ACCOUNT_CLIENT_SERVICE"
	// KillOthersAccountClient ends the account's other sessions of the
	// same client.
	KillOthersAccountClient KillType = "OTHERS_ACCOUNT_CLIENT"
	// KillOthersSameSourceID ends other sessions with the same source id.
	KillOthersSameSourceID KillType = "OTHERS_SAME_SOURCE_ID"
	// KillOthers ends all other sessions (of the account, or of the client
	// for a client token).
	KillOthers KillType = "OTHERS"
	// KillAll ends every session, the asking one included.
	KillAll KillType = "ALL"
	// KillAllAccountClient ends every session of the account with this
	// client, the asking one included.
	KillAllAccountClient KillType = "ALL_ACCOUNT_CLIENT"
)

// Error codes that mean a session is already gone; Revoke treats them as
// done.
const (
	errorCodeInvalidAccessToken  = "errors.com.epicgames.account.auth_token.invalid_access_token"
	errorCodeUnknownOAuthSession = "errors.com.epicgames.account.auth_token.unknown_oauth_session"
)

// KillSession ends the session of tok on the server (DELETE
// /account/api/oauth/sessions/kill/{accessToken}, authorized by tok
// itself): its access and refresh tokens stop working. The access token
// travels in the URL path, so every error this returns, transport errors
// included, has it replaced by "[REDACTED]".
func (c *Config) KillSession(ctx context.Context, tok *oauth2.Token) error {
	bearer, err := accessToken(tok)
	if err != nil {
		return err
	}
	addr, err := c.accountURL("/account/api/oauth/sessions/kill/%s", bearer)
	if err != nil {
		return err
	}
	if _, err := wire.Do(ctx, c.bearerRequest(http.MethodDelete, addr, bearer, nil)); err != nil {
		return fmt.Errorf("epic: killing session: %w", err)
	}
	return nil
}

// Revoke ends the session of tok like KillSession, but counts a session that
// is already dead (expired, killed, unknown to Epic) as ended and a nil
// token as nothing to do. Use it when a program is done with a session, for
// example with the token of a TokenSource it is about to drop:
//
//	err := cfg.Revoke(ctx, ts.Peek())
//
// Stop using the source afterwards: it would keep handing out the revoked
// token until that expires.
func (c *Config) Revoke(ctx context.Context, tok *oauth2.Token) error {
	if tok == nil || tok.AccessToken == "" {
		return nil
	}
	err := c.KillSession(ctx, tok)
	var e *epicoauth.Error
	if errors.As(err, &e) {
		switch e.ErrorCode {
		case epicoauth.ErrorCodeInvalidToken, epicoauth.ErrorCodeTokenVerificationFailed,
			errorCodeInvalidAccessToken, errorCodeUnknownOAuthSession:
			return nil
		}
	}
	return err
}

// KillSessions ends sessions of tok's account (or client, for a client
// token) chosen by kind (DELETE /account/api/oauth/sessions/kill?killType=,
// authorized by tok). A token without the permission kind needs gets 403
// errors.com.epicgames.common.missing_permission.
func (c *Config) KillSessions(ctx context.Context, tok *oauth2.Token, kind KillType) error {
	if kind == "" {
		return errors.New("epic: KillSessions needs a KillType")
	}
	bearer, addr, err := c.sessionURL(tok, "/account/api/oauth/sessions/kill")
	if err != nil {
		return err
	}
	addr += "?" + url.Values{"killType": {string(kind)}}.Encode()
	if _, err := wire.Do(ctx, c.bearerRequest(http.MethodDelete, addr, bearer, nil)); err != nil {
		return fmt.Errorf("epic: killing %s sessions: %w", kind, err)
	}
	return nil
}

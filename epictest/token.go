package epictest

import (
	"slices"
	"time"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// login is what a grant establishes: who the new session is for and how.
type login struct {
	account  *Account // nil for client_credentials
	method   string   // auth_method
	scope    []string
	deviceID string
	ext      *externalLogin
}

// grantSet lists the grants a token endpoint implements, and the grants
// Epic knows there but the fake does not issue (answered, like Epic answers
// public clients, with unauthorized_client).
type grantSet struct {
	implemented, refused []string
	formats              []string // accepted token_type values besides ""
}

var accountGrants = grantSet{
	implemented: []string{"client_credentials", "authorization_code", "exchange_code", "refresh_token",
		"device_auth", "device_code", "external_auth"},
	refused: []string{"password", "otp", "token_to_token", "continuation_token"},
	formats: []string{"eg1"},
}

// accountToken serves POST /account/api/oauth/token.
func (s *Server) accountToken(c *call) reply {
	ss, err := s.issue(c, accountGrants)
	if err != nil {
		return fail(err)
	}
	return ok(accountTokenBody(ss, c.now))
}

// issue runs the checks Epic runs on a token request (client auth, grant
// type, grant permission, token_type), then the grant, and creates the
// session. s.mu is held.
func (s *Server) issue(c *call, gs grantSet) (*session, *apiError) {
	cl, err := s.authClient(c, false)
	if err != nil {
		return nil, err
	}
	gt := c.form.Get("grant_type")
	implemented := slices.Contains(gs.implemented, gt)
	if !implemented && !slices.Contains(gs.refused, gt) {
		return nil, errUnsupportedGrantType(gt)
	}
	if !implemented || !cl.allows(gt) {
		return nil, errUnauthorizedClient(gt)
	}
	if f := c.form.Get("token_type"); f != "" && !slices.Contains(gs.formats, f) {
		return nil, errInvalidRequest("Unsupported token type: "+f, f)
	}
	l, err := s.runGrant(c, cl, gt)
	if err != nil {
		return nil, err
	}
	if a := l.account; a != nil && a.CorrectiveAction != "" {
		continuation := newHex()
		return nil, errCorrectiveAction(a.CorrectiveAction, continuation, s.URL+"/id/continue?continuation="+continuation)
	}
	return s.newSession(c, cl, l), nil
}

// runGrant checks a grant's fields and returns the login it grants.
func (s *Server) runGrant(c *call, cl *Client, grantType string) (*login, *apiError) {
	switch grantType {
	case "client_credentials":
		return &login{method: grantType}, nil
	case "refresh_token":
		return s.refreshGrant(c, cl)
	case "exchange_code", "authorization_code":
		return s.codeGrant(c, cl, grantType)
	case "device_auth":
		return s.deviceAuthGrant(c, cl)
	case "device_code":
		return s.deviceCodeGrant(c, cl)
	case "external_auth":
		return s.externalAuthGrant(c)
	}
	return nil, errUnsupportedGrantType(grantType)
}

// refreshGrant redeems a refresh token. Refresh tokens rotate: each works
// once, and the new session gets a new one with a full lifetime.
func (s *Server) refreshGrant(c *call, cl *Client) (*login, *apiError) {
	rt := c.form.Get("refresh_token")
	if rt == "" {
		return nil, errMissingParam("refresh_token")
	}
	ss := s.byRefresh[rt]
	if ss == nil || ss.svc != c.svc || !c.now.Before(ss.refreshExpiry) {
		return nil, errInvalidRefreshToken(rt)
	}
	if ss.client != cl {
		// Epic answers invalid_client when another client refreshes
		// (fact sheet, pitfall 5); the message is the fake's own.
		return nil, oauthErr("invalid_client", epicoauth.ErrorCodeInvalidClient, 1011,
			"Sorry the refresh token '"+rt+"' was not issued to your client", rt)
	}
	delete(s.byRefresh, rt)
	return &login{account: ss.account, method: ss.method, scope: ss.scope, deviceID: ss.deviceID, ext: ss.ext}, nil
}

// newSession creates the session a login grants, with the client's
// lifetimes on the server's clock. s.mu is held.
func (s *Server) newSession(c *call, cl *Client, l *login) *session {
	ss := &session{
		id: newHex(), svc: c.svc, client: cl, account: l.account, method: l.method,
		format: c.form.Get("token_type"), deviceID: l.deviceID, scope: l.scope, ext: l.ext,
		includePerms: c.form.Get("includePerms") == "true",
		created:      c.now,
	}
	if d := c.r.Header.Get(epicoauth.DeviceIDHeader); d != "" {
		ss.deviceID = d
	}
	if c.svc == svcEOSAuth {
		ss.scope = eosAuthScope(c, cl, l.scope)
		ss.deployment = s.deployments[c.form.Get("deployment_id")]
	}
	lt := cl.Lifetimes
	if l.account == nil {
		ss.expiry = c.now.Add(lt.Client)
		ss.perms = []epic.Permission{}
	} else {
		ss.expiry = c.now.Add(lt.Access)
		ss.refreshExpiry = c.now.Add(lt.Refresh)
		ss.perms = cl.Perms
	}
	ss.access = s.mintToken(ss, "s")
	s.byAccess[ss.access] = ss
	if l.account != nil {
		ss.refresh = s.mintToken(ss, "r")
		s.byRefresh[ss.refresh] = ss
	}
	return ss
}

// mintToken returns a new access ("s") or refresh ("r") token in the
// session's requested format.
func (s *Server) mintToken(ss *session, kind string) string {
	switch ss.format {
	case "eg1":
		return eg1Token(ss, kind)
	case "epic_id":
		return epicIDToken(ss, kind, s.URL)
	}
	return newHex()
}

// isoTime formats t as Epic does: UTC, milliseconds, Z.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// seconds is the whole number of seconds from now until t.
func seconds(now, t time.Time) int64 { return int64(t.Sub(now) / time.Second) }

// accountTokenJSON is the account service's token response, fields in
// Epic's order (testdata/fixtures/account-token-*.json).
type accountTokenJSON struct {
	AccessToken      string             `json:"access_token"`
	ExpiresIn        int64              `json:"expires_in"`
	ExpiresAt        string             `json:"expires_at"`
	TokenType        string             `json:"token_type"`
	RefreshToken     string             `json:"refresh_token,omitempty"`
	RefreshExpires   int64              `json:"refresh_expires,omitempty"`
	RefreshExpiresAt string             `json:"refresh_expires_at,omitempty"`
	AccountID        string             `json:"account_id,omitempty"`
	ClientID         string             `json:"client_id"`
	InternalClient   bool               `json:"internal_client"`
	ClientService    string             `json:"client_service"`
	Scope            []string           `json:"scope,omitempty"`
	DisplayName      string             `json:"displayName,omitempty"`
	App              string             `json:"app,omitempty"`
	InAppID          string             `json:"in_app_id,omitempty"`
	DeviceID         string             `json:"device_id,omitempty"`
	Perms            *[]epic.Permission `json:"perms,omitempty"`
	ProductID        string             `json:"product_id"`
	ApplicationID    string             `json:"application_id"`
}

func accountTokenBody(ss *session, now time.Time) accountTokenJSON {
	j := accountTokenJSON{
		AccessToken:    ss.access,
		ExpiresIn:      seconds(now, ss.expiry),
		ExpiresAt:      isoTime(ss.expiry),
		TokenType:      "bearer",
		ClientID:       ss.client.ID,
		InternalClient: ss.client.Internal,
		ClientService:  ss.client.Service,
		ProductID:      ss.client.ProductID,
		ApplicationID:  ss.client.ApplicationID,
	}
	if a := ss.account; a != nil {
		j.RefreshToken = ss.refresh
		j.RefreshExpires = seconds(now, ss.refreshExpiry)
		j.RefreshExpiresAt = isoTime(ss.refreshExpiry)
		j.AccountID, j.DisplayName, j.InAppID, j.App = a.ID, a.DisplayName, a.ID, ss.client.Service
		j.Scope = ss.scope
		j.DeviceID = ss.deviceID
	}
	if ss.includePerms {
		j.Perms = &ss.perms
	}
	return j
}

// requireForm reports the first of names missing from the form.
func requireForm(c *call, names ...string) *apiError {
	for _, n := range names {
		if c.form.Get(n) == "" {
			return errMissingParam(n)
		}
	}
	return nil
}

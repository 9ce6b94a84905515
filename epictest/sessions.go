package epictest

import (
	"github.com/epicoauth/epicoauth/epic"
)

// verifyJSON is the answer of GET /account/api/oauth/verify, fields in
// Epic's order (testdata/fixtures/account-verify*.json). Note display_name
// here where token responses say displayName.
type verifyJSON struct {
	Token              string             `json:"token"`
	SessionID          string             `json:"session_id"`
	TokenType          string             `json:"token_type"`
	ClientID           string             `json:"client_id"`
	InternalClient     bool               `json:"internal_client"`
	ClientService      string             `json:"client_service"`
	AccountID          string             `json:"account_id,omitempty"`
	ExpiresIn          int64              `json:"expires_in"`
	ExpiresAt          string             `json:"expires_at"`
	AuthMethod         string             `json:"auth_method"`
	DisplayName        string             `json:"display_name,omitempty"`
	ExtAuthID          string             `json:"ext_auth_id,omitempty"`
	ExtAuthType        string             `json:"ext_auth_type,omitempty"`
	ExtAuthMethod      string             `json:"ext_auth_method,omitempty"`
	ExtAuthDisplayName string             `json:"ext_auth_display_name,omitempty"`
	App                string             `json:"app,omitempty"`
	InAppID            string             `json:"in_app_id,omitempty"`
	DeviceID           string             `json:"device_id,omitempty"`
	Perms              *[]epic.Permission `json:"perms,omitempty"`
}

// verify serves GET /account/api/oauth/verify[?includePerms=true].
func (s *Server) verify(c *call) reply {
	ss, err := s.bearer(c)
	if err != nil {
		return fail(err)
	}
	j := verifyJSON{
		Token: ss.access, SessionID: ss.id, TokenType: "bearer",
		ClientID: ss.client.ID, InternalClient: ss.client.Internal, ClientService: ss.client.Service,
		ExpiresIn: seconds(c.now, ss.expiry), ExpiresAt: isoTime(ss.expiry), AuthMethod: ss.method,
		DeviceID: ss.deviceID,
	}
	if a := ss.account; a != nil {
		j.AccountID, j.DisplayName, j.App, j.InAppID = a.ID, a.DisplayName, ss.client.Service, a.ID
	}
	if e := ss.ext; e != nil {
		// Epic's one recorded example names the session's grant in
		// ext_auth_type and the platform in ext_auth_method.
		j.ExtAuthID, j.ExtAuthType, j.ExtAuthMethod, j.ExtAuthDisplayName = e.externalID, ss.method, e.typ, e.displayName
	}
	if c.r.URL.Query().Get("includePerms") == "true" {
		j.Perms = &ss.perms
	}
	return ok(j)
}

// killSession serves DELETE /account/api/oauth/sessions/kill/{token}: the
// bearer may end any session of its own account (or, for a client-only
// session, of its own client), itself included.
func (s *Server) killSession(c *call) reply {
	me, err := s.bearer(c)
	if err != nil {
		return fail(err)
	}
	token := c.r.PathValue("token")
	target := s.byAccess[token]
	if target == nil || target.svc != svcAccount || !target.live(c.now) {
		return fail(errUnknownSession(token))
	}
	if !sameOwner(me, target) {
		return fail(errNotOwnSession(token))
	}
	s.kill(target)
	return noContent()
}

func sameOwner(a, b *session) bool {
	if a.account != nil || b.account != nil {
		return a.account == b.account
	}
	return a.client == b.client
}

// killTypes maps each killType to the permission it needs (on account and
// on client-only sessions) and the sessions it ends besides or including
// the caller's own.
var killTypes = map[string]struct {
	accountPerm, clientPerm string
	includeSelf             bool
	match                   func(me, other *session) bool
}{
	"OTHERS_ACCOUNT_CLIENT_SERVICE": {"otherSessionsForAccountClientService", "", false,
		func(me, o *session) bool { return me.client.Service == o.client.Service }},
	"OTHERS_ACCOUNT_CLIENT": {"otherSessionsForAccountClient", "", false,
		func(me, o *session) bool { return me.client == o.client }},
	"OTHERS_SAME_SOURCE_ID": {"otherSessionsWithSameSourceId", "", false,
		func(me, o *session) bool { return me.deviceID != "" && me.deviceID == o.deviceID }},
	"OTHERS": {"otherSessionsForAccount", "otherSessionsForClient", false,
		func(*session, *session) bool { return true }},
	"ALL": {"allSessionsForAccount", "allSessionsForClient", true,
		func(*session, *session) bool { return true }},
	"ALL_ACCOUNT_CLIENT": {"allSessionsForAccountClient", "", true,
		func(me, o *session) bool { return me.client == o.client }},
}

// killSessions serves DELETE /account/api/oauth/sessions/kill?killType=T.
func (s *Server) killSessions(c *call) reply {
	me, err := s.bearer(c)
	if err != nil {
		return fail(err)
	}
	kt := c.r.URL.Query().Get("killType")
	k, known := killTypes[kt]
	if !known {
		return fail(errBadRequest("Invalid killType '"+kt+"'", kt))
	}
	perm := k.accountPerm
	if me.account == nil && k.clientPerm != "" {
		perm = k.clientPerm
	}
	// Client-only sessions have no permissions, so they fail here.
	if err := require(me, "account:token:"+perm, actionDelete); err != nil {
		return fail(err)
	}
	for _, o := range s.byAccess {
		if o.svc == svcAccount && !o.dead && sameOwner(me, o) && (o != me || k.includeSelf) && k.match(me, o) {
			s.kill(o)
		}
	}
	return noContent()
}

// tokenInfoJSON is the introspection answer of the account service
// (/account/api/epicid/v1/oauth/tokenInfo) and of EOS Auth
// (/epic/oauth/v2/tokenInfo); Active false sends {"active": false} alone.
type tokenInfoJSON struct {
	Active        bool   `json:"active"`
	Scope         string `json:"scope,omitempty"`
	TokenType     string `json:"token_type,omitempty"`
	ExpiresIn     int64  `json:"expires_in,omitempty"`
	ExpiresAt     string `json:"expires_at,omitempty"`
	AccountID     string `json:"account_id,omitempty"`
	ClientID      string `json:"client_id,omitempty"`
	ApplicationID string `json:"application_id,omitempty"`
}

// tokenInfo introspects the form's token among the sessions of svc.
func (s *Server) tokenInfo(c *call, withScope bool) tokenInfoJSON {
	ss := s.byAccess[c.form.Get("token")]
	if ss == nil || ss.svc != c.svc || !ss.live(c.now) {
		return tokenInfoJSON{}
	}
	j := tokenInfoJSON{Active: true, TokenType: "bearer", ExpiresIn: seconds(c.now, ss.expiry), ExpiresAt: isoTime(ss.expiry),
		ClientID: ss.client.ID, ApplicationID: ss.client.ApplicationID}
	if ss.account != nil {
		j.AccountID = ss.account.ID
	}
	if withScope {
		j.Scope = joinScope(ss.scope)
	}
	return j
}

// accountTokenInfo serves POST /account/api/epicid/v1/oauth/tokenInfo.
func (s *Server) accountTokenInfo(c *call) reply {
	if err := requireForm(c, "token"); err != nil {
		return fail(err)
	}
	return ok(s.tokenInfo(c, false))
}

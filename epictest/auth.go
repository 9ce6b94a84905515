package epictest

import (
	"encoding/base64"
	"path"
	"strings"

	"github.com/epicoauth/epicoauth/epic"
)

// authClient checks the client credentials of a token request: HTTP Basic
// auth (the scheme word in any case, as Epic accepts), or, where allowForm
// is set (EOS Connect), client_id and client_secret form fields. s.mu is
// held.
func (s *Server) authClient(c *call, allowForm bool) (*Client, *apiError) {
	id, secret, found := basicAuth(c.r.Header.Get("Authorization"))
	if !found && allowForm && c.form.Has("client_id") {
		id, secret, found = c.form.Get("client_id"), c.form.Get("client_secret"), true
	}
	if !found {
		return nil, errInvalidClient()
	}
	cl := s.clients[id]
	if cl == nil || cl.Secret != secret {
		return nil, errInvalidClientCredentials()
	}
	return cl, nil
}

// basicAuth parses "Basic base64(id:secret)". Epic compares the decoded
// values as they are; it does not URL-unescape them.
func basicAuth(h string) (id, secret string, ok bool) {
	scheme, rest, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found || !strings.EqualFold(scheme, "basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return "", "", false
	}
	id, secret, ok = strings.Cut(string(raw), ":")
	return id, secret, ok && id != ""
}

// bearerToken returns the token of "bearer <token>" (any case), or "".
func bearerToken(h string) string {
	scheme, rest, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found || !strings.EqualFold(scheme, "bearer") {
		return ""
	}
	return strings.TrimSpace(rest)
}

// bearer returns the live session whose access token authorizes c, or
// Epic's 401 token_verification_failed. s.mu is held.
func (s *Server) bearer(c *call) (*session, *apiError) {
	ss := s.byAccess[bearerToken(c.r.Header.Get("Authorization"))]
	if ss == nil || ss.svc != c.svc || !ss.live(c.now) {
		return nil, errTokenVerificationFailed()
	}
	return ss, nil
}

// Permission actions, as bits of epic.Permission.Action.
const (
	actionCreate = 1
	actionRead   = 2
	actionDelete = 8
)

var actionNames = map[int]string{actionCreate: "CREATE", actionRead: "READ", actionDelete: "DELETE"}

// require checks that ss holds a permission, else returns Epic's 403
// missing_permission.
func require(ss *session, resource string, action int) *apiError {
	if !hasPerm(ss.perms, resource, action) {
		return errMissingPermission(resource, actionNames[action])
	}
	return nil
}

// hasPerm reports whether perms grant action on resource; a perm's resource
// may use * wildcards, as Epic's do ("account:public:account:*").
func hasPerm(perms []epic.Permission, resource string, action int) bool {
	for _, p := range perms {
		if p.Action&action == 0 {
			continue
		}
		if m, _ := path.Match(p.Resource, resource); m || p.Resource == resource {
			return true
		}
	}
	return false
}

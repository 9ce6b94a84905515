package epictest

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/epicoauth/epicoauth/epic"
)

// Client is an OAuth client registered with the fake, the counterpart of
// an Epic client id and secret. The zero value of every optional field
// means the default noted on it.
type Client struct {
	// Optional. ID and Secret are the client's credentials; AddClient
	// fills in random 32-hex values.
	ID     string
	Secret string

	// Optional. Grants lists the grant types the client may use, such as
	// "client_credentials" or "device_code" (which also governs the
	// deviceAuthorization endpoint); nil allows every grant the fake
	// implements. Any other grant gets Epic's unauthorized_client.
	Grants []string

	// Optional. Service is the client's service, sent as client_service
	// and, on user tokens, app; default "prod-fn".
	Service string
	// Internal is sent as internal_client.
	Internal bool
	// Optional. ProductID and ApplicationID are sent as product_id and
	// application_id; defaults "prod-fn" and a fixed EOS-style
	// application id.
	ProductID     string
	ApplicationID string

	// Optional. Scopes are the OAuth scopes an authorization_code (or EOS
	// Auth) login grants; default ["basic_profile"].
	Scopes []string
	// Optional. Perms are the permissions of this client's user sessions,
	// shown by verify and includePerms and checked by the exchange,
	// device-auth and kill endpoints; nil means DefaultPerms. Client-only
	// sessions never have permissions.
	Perms []epic.Permission

	// Optional. Lifetimes are the client's token lifetimes; zero fields
	// mean Epic's observed defaults (see Lifetimes).
	Lifetimes Lifetimes
}

// allows reports whether c may use grantType.
func (c *Client) allows(grantType string) bool {
	return c.Grants == nil || slices.Contains(c.Grants, grantType)
}

// Lifetimes are how long a client's tokens last. Zero fields mean the
// defaults, which are Epic's observed values for game clients.
type Lifetimes struct {
	// Access is a user access token's lifetime. Default 7200 s.
	Access time.Duration
	// Refresh is a refresh token's lifetime, counted afresh at every
	// refresh. Default 28800 s.
	Refresh time.Duration
	// Client is a client_credentials token's lifetime. Default 14400 s.
	Client time.Duration
	// Connect is an EOS Connect token's lifetime. Default 3599 s.
	Connect time.Duration
}

// merged returns l with each zero field taken from d.
func (l Lifetimes) merged(d Lifetimes) Lifetimes {
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	return Lifetimes{
		Access:  pick(l.Access, d.Access),
		Refresh: pick(l.Refresh, d.Refresh),
		Client:  pick(l.Client, d.Client),
		Connect: pick(l.Connect, d.Connect),
	}
}

var defaultLifetimes = Lifetimes{
	Access:  7200 * time.Second,
	Refresh: 28800 * time.Second,
	Client:  14400 * time.Second,
	Connect: 3599 * time.Second,
}

// DefaultPerms returns the permissions a user session has unless its
// Client sets Perms: enough to create exchange codes, manage device auths
// and kill the account's sessions. Actions are bit masks (1 CREATE, 2 READ,
// 4 UPDATE, 8 DELETE), as in Epic's verify responses.
func DefaultPerms() []epic.Permission {
	return []epic.Permission{
		{Resource: "account:public:account", Action: 2},
		{Resource: "account:oauth:exchangeTokenCode", Action: 15},
		{Resource: "account:public:account:deviceAuths", Action: 11},
		{Resource: "account:token:otherSessionsForAccountClient", Action: 8},
		{Resource: "account:token:otherSessionsForAccountClientService", Action: 8},
		{Resource: "account:token:otherSessionsWithSameSourceId", Action: 8},
		{Resource: "account:token:otherSessionsForAccount", Action: 8},
		{Resource: "account:token:allSessionsForAccount", Action: 8},
		{Resource: "account:token:allSessionsForAccountClient", Action: 8},
	}
}

// Account is an Epic account known to the fake.
type Account struct {
	// Optional. ID is the 32-hex account id; AddAccount picks one.
	ID string
	// Optional. DisplayName is sent as displayName (tokens) and
	// display_name (verify); AddAccount derives one from the id.
	DisplayName string
	// Optional. CorrectiveAction, such as "PRIVACY_POLICY_ACCEPTANCE" or
	// "DATE_OF_BIRTH", blocks every login of the account, as Epic does
	// until the person acts: the token endpoint answers
	// corrective_action_required with a continuation. Change it with
	// SetCorrectiveAction.
	CorrectiveAction string
	// Optional. MergedAccounts are the ids of accounts merged into this
	// one, reported by EOS Auth as merged_accounts.
	MergedAccounts []string
}

// Deployment is an EOS deployment: the product environment EOS Connect
// tokens are issued for.
type Deployment struct {
	// Optional. ID is the deployment id clients send as deployment_id;
	// AddDeployment picks one.
	ID string
	// Optional. ProductID, SandboxID and OrganizationID are echoed in EOS
	// Connect tokens; AddDeployment fills in placeholders.
	ProductID      string
	SandboxID      string
	OrganizationID string
	// Optional. Features are the EOS features granted to tokens; default
	// ["Connect", "Ecom"].
	Features []string
}

// service names the token service a session belongs to. Tokens of one
// service are not accepted by another, as on Epic.
type service int

const (
	svcAccount service = iota
	svcConnect
	svcEOSAuth
)

// session is one issued token and its refresh token.
type session struct {
	id       string
	svc      service
	client   *Client
	account  *Account // nil for client-only sessions
	method   string   // the grant that created it (auth_method)
	format   string   // requested token_type: "", "eg1", "epic_id"
	deviceID string
	scope    []string
	perms    []epic.Permission
	// includePerms asks for perms in the token response.
	includePerms bool

	access, refresh                string
	created, expiry, refreshExpiry time.Time
	dead                           bool // killed or revoked

	// ext is the external login behind the session, if any.
	ext *externalLogin

	// EOS Connect only.
	deployment *Deployment
	user       *productUser
	created1st bool // this login created the product user
	nonce      string
	idToken    string
}

// live reports whether the access token is usable at now.
func (ss *session) live(now time.Time) bool {
	return ss != nil && !ss.dead && now.Before(ss.expiry)
}

// Session describes a session the fake has issued, for assertions in
// tests. It carries no token values.
type Session struct {
	// ID is Epic's session_id.
	ID string
	// ClientID and AccountID say whose session it is; AccountID is empty
	// for a client_credentials session.
	ClientID  string
	AccountID string
	// GrantType is the grant that started the session.
	GrantType string
	// Expiry and RefreshExpiry are when the access and refresh tokens
	// expire; RefreshExpiry is zero when there is no refresh token (or it
	// has been used).
	Expiry        time.Time
	RefreshExpiry time.Time
}

// newHex returns 32 random hexadecimal characters, the shape of Epic's ids
// and opaque tokens.
func newHex() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("epictest: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// AddClient registers c, filling in its optional fields, and returns the
// registered client. It panics if the id is already registered.
func (s *Server) AddClient(c Client) Client {
	c.ID = cmp.Or(c.ID, newHex())
	c.Secret = cmp.Or(c.Secret, newHex())
	c.Service = cmp.Or(c.Service, "prod-fn")
	c.ProductID = cmp.Or(c.ProductID, "prod-fn")
	c.ApplicationID = cmp.Or(c.ApplicationID, "fghi4567epictestFakeApplication0")
	if c.Scopes == nil {
		c.Scopes = []string{"basic_profile"}
	}
	if c.Perms == nil {
		c.Perms = DefaultPerms()
	}
	c.Grants = slices.Clone(c.Grants)
	c.Lifetimes = c.Lifetimes.merged(defaultLifetimes)
	return register(s, s.clients, "client", c.ID, c)
}

// AddAccount registers an account, filling in its optional fields, and
// returns it. It panics if the id is already registered.
func (s *Server) AddAccount(a Account) Account {
	a.ID = cmp.Or(a.ID, newHex())
	a.DisplayName = cmp.Or(a.DisplayName, "Player-"+a.ID[:min(6, len(a.ID))])
	a.MergedAccounts = slices.Clone(a.MergedAccounts)
	return register(s, s.accounts, "account", a.ID, a)
}

// AddDeployment registers an EOS deployment, filling in its optional
// fields, and returns it. It panics if the id is already registered.
func (s *Server) AddDeployment(d Deployment) Deployment {
	d.ID = cmp.Or(d.ID, newHex())
	d.ProductID = cmp.Or(d.ProductID, "epictest-product")
	d.SandboxID = cmp.Or(d.SandboxID, "epictest-sandbox")
	d.OrganizationID = cmp.Or(d.OrganizationID, "o-epictestorganization0000000000")
	if d.Features == nil {
		d.Features = []string{"Connect", "Ecom"}
	}
	d.Features = slices.Clone(d.Features)
	return register(s, s.deployments, "deployment", d.ID, d)
}

// register stores a copy of v under id in m and returns v, or panics if
// the id is taken.
func register[T any](s *Server, m map[string]*T, kind, id string, v T) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := m[id]; dup {
		panic(fmt.Sprintf("epictest: %s %s is already registered", kind, id))
	}
	cp := v
	m[id] = &cp
	return v
}

// SetLifetimes changes the token lifetimes of a registered client for the
// tokens it gets from now on; zero fields keep their current value. It
// panics if the client is not registered.
func (s *Server) SetLifetimes(clientID string, l Lifetimes) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.mustClient(clientID)
	c.Lifetimes = l.merged(c.Lifetimes)
}

// SetCorrectiveAction sets or, with an empty action, clears the
// corrective action that blocks the logins of a registered account (see
// Account.CorrectiveAction). It panics if the account is not registered.
func (s *Server) SetCorrectiveAction(accountID, action string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustAccount(accountID).CorrectiveAction = action
}

// RevokeSession ends the session that token (its access or its refresh
// token) belongs to, as killing the session on Epic does: both tokens stop
// working. It reports whether such a session existed.
func (s *Server) RevokeSession(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessionOf(token)
	if ss == nil || ss.dead {
		return false
	}
	s.kill(ss)
	return true
}

// sessionOf returns the session whose access or refresh token token is,
// or nil; s.mu is held.
func (s *Server) sessionOf(token string) *session {
	if ss := s.byAccess[token]; ss != nil {
		return ss
	}
	return s.byRefresh[token]
}

// RevokeRefreshToken makes a refresh token invalid (as if it had been
// used) while its access token keeps working until it expires. It reports
// whether the refresh token was valid.
func (s *Server) RevokeRefreshToken(refreshToken string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byRefresh[refreshToken]; !ok {
		return false
	}
	delete(s.byRefresh, refreshToken)
	return true
}

// RevokeAccountSessions ends every session of an account, as launching a
// game or changing the password does on Epic, and returns how many it
// ended.
func (s *Server) RevokeAccountSessions(accountID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ss := range s.byAccess {
		if ss.account != nil && ss.account.ID == accountID && !ss.dead {
			s.kill(ss)
			n++
		}
	}
	return n
}

// Sessions lists the sessions of an account (or, with an empty accountID,
// the client-only sessions) whose access or refresh token still works.
func (s *Server) Sessions(accountID string) []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	var out []Session
	for _, ss := range s.byAccess {
		id := ""
		if ss.account != nil {
			id = ss.account.ID
		}
		_, refreshable := s.byRefresh[ss.refresh]
		refreshable = refreshable && now.Before(ss.refreshExpiry)
		if id != accountID || ss.dead || (!ss.live(now) && !refreshable) {
			continue
		}
		out = append(out, Session{ID: ss.id, ClientID: ss.client.ID, AccountID: id, GrantType: ss.method, Expiry: ss.expiry})
		if refreshable {
			out[len(out)-1].RefreshExpiry = ss.refreshExpiry
		}
	}
	slices.SortFunc(out, func(a, b Session) int { return a.Expiry.Compare(b.Expiry) })
	return out
}

// kill ends a session; s.mu is held.
func (s *Server) kill(ss *session) {
	ss.dead = true
	if ss.refresh != "" {
		delete(s.byRefresh, ss.refresh)
	}
}

// mustClient returns a registered client or panics; s.mu is held.
func (s *Server) mustClient(id string) *Client {
	c := s.clients[id]
	if c == nil {
		panic(fmt.Sprintf("epictest: no client %q is registered", id))
	}
	return c
}

// mustAccount returns a registered account or panics; s.mu is held.
func (s *Server) mustAccount(id string) *Account {
	a := s.accounts[id]
	if a == nil {
		panic(fmt.Sprintf("epictest: no account %q is registered", id))
	}
	return a
}

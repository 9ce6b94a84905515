package epictest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"time"
)

// codeLifetime is how long exchange and authorization codes last.
const codeLifetime = 300 * time.Second

// singleUseCode is an exchange code or an authorization code.
type singleUseCode struct {
	kind      string // "exchange_code" or "authorization_code"
	account   *Account
	creator   string // creatingClientId
	consumer  string // consumingClientId; "" means any client
	challenge string // PKCE code challenge, "" for none
	method    string // "S256" or "plain"
	origin    *session
	expiry    time.Time
	scope     []string // asked for on the login page (Authorize); nil for the client's
}

// NewExchangeCode mints an exchange code for an account, as
// GET /account/api/oauth/exchange does for a session of creatingClientID,
// and returns it. Any client may redeem it within 300 s, once. It panics if
// the account or client is not registered.
func (s *Server) NewExchangeCode(accountID, creatingClientID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newCode(singleUseCode{kind: "exchange_code", account: s.mustAccount(accountID), creator: s.mustClient(creatingClientID).ID})
}

// NewAuthorizationCode mints an authorization code, as Epic's login page
// does when the account logs in to clientID, and returns it. Only that
// client may redeem it within 300 s, once. It panics if the account or
// client is not registered.
func (s *Server) NewAuthorizationCode(accountID, clientID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.mustClient(clientID).ID
	return s.newCode(singleUseCode{kind: "authorization_code", account: s.mustAccount(accountID), creator: id, consumer: id})
}

// newCode stores sc, expiring codeLifetime from now, under a new code and
// returns the code; s.mu is held.
func (s *Server) newCode(sc singleUseCode) string {
	code := newHex()
	sc.expiry = s.clock.Now().Add(codeLifetime)
	s.codes[code] = &sc
	return code
}

// exchangeJSON is the answer of GET /account/api/oauth/exchange.
type exchangeJSON struct {
	ExpiresInSeconds  int64  `json:"expiresInSeconds"`
	Code              string `json:"code"`
	CreatingClientID  string `json:"creatingClientId"`
	ConsumingClientID string `json:"consumingClientId,omitempty"`
}

// createExchangeCode serves GET /account/api/oauth/exchange: a user
// session's bearer token mints a code for its account.
func (s *Server) createExchangeCode(c *call) reply {
	ss, err := s.bearer(c)
	if err != nil {
		return fail(err)
	}
	if ss.account == nil {
		return fail(errMissingPermission("account:oauth:exchangeTokenCode", "CREATE"))
	}
	if err := require(ss, "account:oauth:exchangeTokenCode", actionCreate); err != nil {
		return fail(err)
	}
	q := c.r.URL.Query()
	challenge, method := q.Get("codeChallenge"), q.Get("codeChallengeMethod")
	if challenge != "" && method == "" {
		method = "plain"
	}
	if method != "" && method != "S256" && method != "plain" {
		return fail(errBadRequest("Unsupported code challenge method: "+method, method))
	}
	consumer := q.Get("consumingClientId")
	code := s.newCode(singleUseCode{kind: "exchange_code", account: ss.account, creator: ss.client.ID, consumer: consumer,
		challenge: challenge, method: method, origin: ss})
	return ok(exchangeJSON{ExpiresInSeconds: seconds(c.now, s.codes[code].expiry), Code: code, CreatingClientID: ss.client.ID, ConsumingClientID: consumer})
}

// codeGrant redeems an exchange code (field exchange_code) or an
// authorization code (field code), with an optional PKCE code_verifier.
func (s *Server) codeGrant(c *call, cl *Client, kind string) (*login, *apiError) {
	field, notFound := "exchange_code", errExchangeCodeNotFound
	if kind == "authorization_code" {
		field, notFound = "code", errAuthorizationCodeNotFound
	}
	value := c.form.Get(field)
	if value == "" {
		return nil, errMissingParam(field)
	}
	sc := s.codes[value]
	if sc == nil || sc.kind != kind || !c.now.Before(sc.expiry) {
		return nil, notFound()
	}
	if sc.consumer != "" && sc.consumer != cl.ID {
		if kind == "authorization_code" {
			return nil, oauthErr("invalid_grant", "errors.com.epicgames.account.oauth.authorization_code_not_for_your_client", 18058,
				"Sorry the authorization code you supplied was not issued for your client")
		}
		return nil, errExchangeCodeClientMismatch()
	}
	if sc.challenge != "" {
		v := c.form.Get("code_verifier")
		if v == "" {
			return nil, errCodeVerifier(true)
		}
		if !pkceMatches(sc.challenge, sc.method, v) {
			return nil, errCodeVerifier(false)
		}
	}
	delete(s.codes, value)
	if sc.origin != nil && !sc.origin.live(c.now) {
		return nil, errExpiredExchangeCodeSession()
	}
	l := &login{account: sc.account, method: kind}
	if kind == "authorization_code" {
		// The browser that logged in has a device id, which Epic's answer
		// carries (fixtures: authorization_code has device_id, exchange_code
		// none unless the client sends X-Epic-Device-ID).
		l.scope, l.deviceID = cl.Scopes, newHex()
		if sc.scope != nil {
			l.scope = sc.scope
		}
	}
	if sc.origin != nil {
		l.ext = sc.origin.ext
	}
	return l, nil
}

// pkceMatches checks a code_verifier against its challenge (RFC 7636).
func pkceMatches(challenge, method, verifier string) bool {
	want := verifier
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

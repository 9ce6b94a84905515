package epictest

import (
	"net"
	"slices"
	"strings"
	"time"

	"github.com/epicoauth/epicoauth/epic"
)

// deviceAuth is a stored device auth: a long-lived credential of one
// account for the client that created it.
type deviceAuth struct {
	accountID, deviceID, secret string
	clientID                    string
	userAgent                   string
	created, lastAccess         place
}

// place is where and when a device auth was created or last used.
type place struct {
	ip   string
	when time.Time
}

func deviceAuthKey(accountID, deviceID string) string { return accountID + "/" + deviceID }

// placeJSON is Epic's {location, ipAddress, dateTime}.
type placeJSON struct {
	Location  string `json:"location"`
	IPAddress string `json:"ipAddress"`
	DateTime  string `json:"dateTime"`
}

func (p place) json() *placeJSON {
	if p.when.IsZero() {
		return nil
	}
	return &placeJSON{Location: "Local", IPAddress: p.ip, DateTime: isoTime(p.when)}
}

// deviceAuthJSON is a device auth as Epic lists it; Secret is set only in
// the answer that creates it, LastAccess only once it has been used.
type deviceAuthJSON struct {
	DeviceID   string     `json:"deviceId"`
	AccountID  string     `json:"accountId"`
	Secret     string     `json:"secret,omitempty"`
	UserAgent  string     `json:"userAgent"`
	Created    *placeJSON `json:"created"`
	LastAccess *placeJSON `json:"lastAccess,omitempty"`
}

func (d *deviceAuth) json() deviceAuthJSON {
	return deviceAuthJSON{DeviceID: d.deviceID, AccountID: d.accountID, UserAgent: d.userAgent,
		Created: d.created.json(), LastAccess: d.lastAccess.json()}
}

// NewDeviceAuth creates a device auth for an account and client, as
// POST /account/api/public/account/{id}/deviceAuth does, and returns it
// with its secret. It panics if the account or client is not registered.
func (s *Server) NewDeviceAuth(accountID, clientID string) epic.DeviceAuth {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.newDeviceAuth(s.mustAccount(accountID).ID, s.mustClient(clientID).ID, "", place{ip: "127.0.0.1", when: s.clock.Now()})
	return epic.DeviceAuth{AccountID: d.accountID, DeviceID: d.deviceID, Secret: d.secret}
}

// AddDeviceAuth registers a device auth whose ids and secret are already
// known, as if the account had created it with the client earlier: for a
// test (or a program run against the fake) that loads a saved device-auth
// file. It panics if the account or client is not registered, a field of d
// is empty, or the account already has a device auth with d's device id.
func (s *Server) AddDeviceAuth(d epic.DeviceAuth, clientID string) {
	if d.AccountID == "" || d.DeviceID == "" || d.Secret == "" {
		panic("epictest: AddDeviceAuth needs the account id, device id and secret")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := deviceAuthKey(s.mustAccount(d.AccountID).ID, d.DeviceID)
	if s.deviceAuths[k] != nil {
		panic("epictest: device auth " + d.DeviceID + " is already registered")
	}
	s.deviceAuths[k] = &deviceAuth{accountID: d.AccountID, deviceID: d.DeviceID, secret: d.Secret,
		clientID: s.mustClient(clientID).ID, created: place{ip: "127.0.0.1", when: s.clock.Now()}}
}

// DeleteDeviceAuth deletes a device auth, as a password change does on
// Epic, and reports whether it existed.
func (s *Server) DeleteDeviceAuth(accountID, deviceID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := deviceAuthKey(accountID, deviceID)
	_, ok := s.deviceAuths[k]
	delete(s.deviceAuths, k)
	return ok
}

func (s *Server) newDeviceAuth(accountID, clientID, userAgent string, created place) *deviceAuth {
	d := &deviceAuth{accountID: accountID, deviceID: newHex(), secret: newHex(), clientID: clientID,
		userAgent: userAgent, created: created}
	s.deviceAuths[deviceAuthKey(accountID, d.deviceID)] = d
	return d
}

// deviceAuthOwner checks the bearer of a device-auth request: a session of
// the account in the path with the deviceAuths permission for action.
func (s *Server) deviceAuthOwner(c *call, action int) (*session, *apiError) {
	ss, err := s.bearer(c)
	if err != nil {
		return nil, err
	}
	const resource = "account:public:account:deviceAuths"
	if ss.account == nil || ss.account.ID != c.r.PathValue("accountId") {
		return nil, errMissingPermission(resource, actionNames[action])
	}
	return ss, require(ss, resource, action)
}

// createDeviceAuth serves POST /account/api/public/account/{id}/deviceAuth.
func (s *Server) createDeviceAuth(c *call) reply {
	ss, err := s.deviceAuthOwner(c, actionCreate)
	if err != nil {
		return fail(err)
	}
	d := s.newDeviceAuth(ss.account.ID, ss.client.ID, c.r.UserAgent(), place{ip: remoteIP(c), when: c.now})
	j := d.json()
	j.Secret = d.secret
	return ok(j)
}

// listDeviceAuths serves GET .../deviceAuth, oldest first.
func (s *Server) listDeviceAuths(c *call) reply {
	ss, err := s.deviceAuthOwner(c, actionRead)
	if err != nil {
		return fail(err)
	}
	list := []deviceAuthJSON{}
	for _, d := range s.deviceAuths {
		if d.accountID == ss.account.ID {
			list = append(list, d.json())
		}
	}
	slices.SortFunc(list, func(a, b deviceAuthJSON) int {
		return strings.Compare(a.Created.DateTime+a.DeviceID, b.Created.DateTime+b.DeviceID)
	})
	return ok(list)
}

// getDeviceAuth serves GET .../deviceAuth/{deviceId}.
func (s *Server) getDeviceAuth(c *call) reply {
	ss, err := s.deviceAuthOwner(c, actionRead)
	if err != nil {
		return fail(err)
	}
	id := c.r.PathValue("deviceId")
	d := s.deviceAuths[deviceAuthKey(ss.account.ID, id)]
	if d == nil {
		return fail(errDeviceAuthNotFound(id))
	}
	return ok(d.json())
}

// deleteDeviceAuth serves DELETE .../deviceAuth/{deviceId}.
func (s *Server) deleteDeviceAuth(c *call) reply {
	ss, err := s.deviceAuthOwner(c, actionDelete)
	if err != nil {
		return fail(err)
	}
	id := c.r.PathValue("deviceId")
	k := deviceAuthKey(ss.account.ID, id)
	if s.deviceAuths[k] == nil {
		return fail(errDeviceAuthNotFound(id))
	}
	delete(s.deviceAuths, k)
	return noContent()
}

// deviceAuthGrant logs in with a device auth. Every failure (unknown ids,
// wrong secret, another client) is Epic's invalid_account_credentials.
func (s *Server) deviceAuthGrant(c *call, cl *Client) (*login, *apiError) {
	if err := requireForm(c, "account_id", "device_id", "secret"); err != nil {
		return nil, err
	}
	d := s.deviceAuths[deviceAuthKey(c.form.Get("account_id"), c.form.Get("device_id"))]
	if d == nil || d.secret != c.form.Get("secret") || d.clientID != cl.ID {
		return nil, errInvalidAccountCredentials()
	}
	a := s.accounts[d.accountID]
	if a == nil {
		return nil, errInvalidAccountCredentials()
	}
	d.lastAccess = place{ip: remoteIP(c), when: c.now}
	return &login{account: a, method: "device_auth", deviceID: d.deviceID}, nil
}

// remoteIP is the address the request came from.
func remoteIP(c *call) string {
	host, _, err := net.SplitHostPort(c.r.RemoteAddr)
	if err != nil {
		return c.r.RemoteAddr
	}
	return host
}

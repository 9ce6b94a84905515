package epictest

import (
	"fmt"
	"slices"

	"github.com/epicoauth/epicoauth/epic"
)

// Seed is a set of clients, accounts, deployments and device auths to
// register at once, in a JSON form that programs in other languages can
// write: the seed file of 'epictoken fake --seed' and the body of
// POST /_epictest/seed. Server.Seed returns it with every generated id and
// secret filled in.
type Seed struct {
	Clients     []SeedClient     `json:"clients,omitempty"`
	Accounts    []SeedAccount    `json:"accounts,omitempty"`
	Deployments []SeedDeployment `json:"deployments,omitempty"`
	DeviceAuths []SeedDeviceAuth `json:"deviceAuths,omitempty"`
}

// SeedClient is a Client in a Seed. Empty fields take Client's defaults.
type SeedClient struct {
	// Optional. Name is a label for the people reading the seed; device
	// auths may name their client by it.
	Name     string   `json:"name,omitempty"`
	ID       string   `json:"id,omitempty"`
	Secret   string   `json:"secret,omitempty"`
	Grants   []string `json:"grants,omitempty"`
	Service  string   `json:"service,omitempty"`
	Internal bool     `json:"internal,omitempty"`
}

// SeedAccount is an Account in a Seed.
type SeedAccount struct {
	ID               string   `json:"id,omitempty"`
	DisplayName      string   `json:"displayName,omitempty"`
	CorrectiveAction string   `json:"correctiveAction,omitempty"`
	MergedAccounts   []string `json:"mergedAccounts,omitempty"`
}

// SeedDeployment is a Deployment in a Seed.
type SeedDeployment struct {
	ID             string   `json:"id,omitempty"`
	ProductID      string   `json:"productId,omitempty"`
	SandboxID      string   `json:"sandboxId,omitempty"`
	OrganizationID string   `json:"organizationId,omitempty"`
	Features       []string `json:"features,omitempty"`
}

// SeedDeviceAuth is a device auth in a Seed: AccountID's, for ClientID (a
// client id, or the Name of a client in the same seed). Without DeviceID
// and Secret a new device auth is created.
type SeedDeviceAuth struct {
	AccountID string `json:"accountId"`
	ClientID  string `json:"clientId"`
	DeviceID  string `json:"deviceId,omitempty"`
	Secret    string `json:"secret,omitempty"`
}

// Seed registers everything in seed, clients and accounts first, and
// returns it with generated ids and secrets filled in. Unlike the Add
// helpers it does not panic: an id already registered, a device auth for
// an unknown account or client, or one with a device id but no secret, is
// an error, and nothing after it is registered.
func (s *Server) Seed(seed Seed) (Seed, error) {
	out := Seed{}
	names := map[string]string{}
	for _, c := range seed.Clients {
		if c.ID != "" && has(s, s.clients, c.ID) {
			return out, fmt.Errorf("epictest: client %s is already registered", c.ID)
		}
		added := s.AddClient(Client{ID: c.ID, Secret: c.Secret, Grants: c.Grants, Service: c.Service, Internal: c.Internal})
		c.ID, c.Secret, c.Service, c.Grants = added.ID, added.Secret, added.Service, slices.Clone(added.Grants)
		if c.Name != "" {
			names[c.Name] = c.ID
		}
		out.Clients = append(out.Clients, c)
	}
	for _, a := range seed.Accounts {
		if a.ID != "" && has(s, s.accounts, a.ID) {
			return out, fmt.Errorf("epictest: account %s is already registered", a.ID)
		}
		out.Accounts = append(out.Accounts, SeedAccount(s.AddAccount(Account(a))))
	}
	for _, d := range seed.Deployments {
		if d.ID != "" && has(s, s.deployments, d.ID) {
			return out, fmt.Errorf("epictest: deployment %s is already registered", d.ID)
		}
		out.Deployments = append(out.Deployments, SeedDeployment(s.AddDeployment(Deployment(d))))
	}
	for _, d := range seed.DeviceAuths {
		if id, ok := names[d.ClientID]; ok {
			d.ClientID = id
		}
		added, err := s.seedDeviceAuth(d)
		if err != nil {
			return out, err
		}
		d.DeviceID, d.Secret = added.DeviceID, added.Secret
		out.DeviceAuths = append(out.DeviceAuths, d)
	}
	return out, nil
}

// seedDeviceAuth registers d, or creates a new device auth when d has no
// device id, checking first what AddDeviceAuth and NewDeviceAuth would
// panic on.
func (s *Server) seedDeviceAuth(d SeedDeviceAuth) (epic.DeviceAuth, error) {
	switch {
	case !has(s, s.accounts, d.AccountID):
		return epic.DeviceAuth{}, fmt.Errorf("epictest: device auth for unknown account %q", d.AccountID)
	case !has(s, s.clients, d.ClientID):
		return epic.DeviceAuth{}, fmt.Errorf("epictest: device auth for unknown client %q", d.ClientID)
	case d.DeviceID == "" && d.Secret == "":
		return s.NewDeviceAuth(d.AccountID, d.ClientID), nil
	case d.DeviceID == "" || d.Secret == "":
		return epic.DeviceAuth{}, fmt.Errorf("epictest: device auth needs both deviceId and secret, or neither")
	}
	da := epic.DeviceAuth{AccountID: d.AccountID, DeviceID: d.DeviceID, Secret: d.Secret}
	s.mu.Lock()
	dup := s.deviceAuths[deviceAuthKey(d.AccountID, d.DeviceID)] != nil
	s.mu.Unlock()
	if dup {
		return epic.DeviceAuth{}, fmt.Errorf("epictest: device auth %s is already registered", d.DeviceID)
	}
	s.AddDeviceAuth(da, d.ClientID)
	return da, nil
}

// has reports whether id is registered in m.
func has[T any](s *Server, m map[string]*T, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := m[id]
	return ok
}

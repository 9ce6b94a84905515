package main

import (
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// The account the embedded fake knows, fixed so that transcripts read the
// same from run to run.
var fakeAccount = epictest.Account{ID: "7e57ac0a7e57ac0a7e57ac0a7e57ac0a", DisplayName: "epictoken-demo"}

// fake is the embedded stand-in for Epic that --fake and demo use: an
// epictest server that knows the well-known clients (with the grants Epic
// allows each), one account, and approves device codes by itself.
type fake struct {
	*epictest.Server
	clients map[string]bool // ids registered
}

// newFake starts the fake. Close it when done.
func newFake() *fake {
	f := &fake{Server: epictest.NewServer(&epictest.Options{Clients: []epictest.Client{}}), clients: map[string]bool{}}
	seed := wellKnownSeed()
	seed.DeviceAuths = nil
	if _, err := f.Seed(seed); err != nil {
		panic("epictoken: seeding the fake: " + err.Error()) // a fresh fake knows nothing yet
	}
	for _, c := range seed.Clients {
		f.clients[c.ID] = true
	}
	// One authorization_pending answer first, as when a person takes a
	// moment to type the code.
	f.AutoApproveDeviceCodes(fakeAccount.ID, 1)
	return f
}

// wellKnownSeed is what a fake knows unless told otherwise: the
// well-known clients with the grants Epic allows each, the demo account,
// and a device auth of it for login's client.
func wellKnownSeed() epictest.Seed {
	var seed epictest.Seed
	for _, name := range wellKnownNames() {
		c := wellKnownClients[name]
		service := "prod-fn"
		if name == "launcherAppClient2" {
			service = "launcher"
		}
		seed.Clients = append(seed.Clients, epictest.SeedClient{Name: name, ID: c.ID, Secret: c.Secret, Grants: c.grants, Service: service, Internal: true})
	}
	seed.Accounts = []epictest.SeedAccount{{ID: fakeAccount.ID, DisplayName: fakeAccount.DisplayName}}
	seed.DeviceAuths = []epictest.SeedDeviceAuth{{AccountID: fakeAccount.ID, ClientID: wellKnownClients[defaultLoginClient].ID}}
	return seed
}

// config returns an epic.Config for c on the fake and its clock,
// registering c (with every grant) if the fake does not know it.
func (f *fake) config(c client) *epic.Config {
	if !f.clients[c.ID] {
		f.AddClient(epictest.Client{ID: c.ID, Secret: c.Secret})
		f.clients[c.ID] = true
	}
	return f.EpicConfig(epictest.Client{ID: c.ID, Secret: c.Secret})
}

// seed makes a fresh fake know a device auth loaded from a file, since the
// fake that created it ended with its run.
func (f *fake) seed(d epic.DeviceAuth, c client) {
	f.config(c)
	if d.AccountID != fakeAccount.ID {
		f.AddAccount(epictest.Account{ID: d.AccountID})
	}
	f.AddDeviceAuth(d, c.ID)
}

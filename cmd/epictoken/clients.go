package main

import (
	"slices"
	"strings"

	"github.com/epicoauth/epicoauth/internal/secretfile"
)

// client is a client id and secret, with the name it was chosen by.
type client struct {
	Name   string `json:"name,omitempty"`
	ID     string `json:"client_id"`
	Secret string `json:"client_secret"`

	// grants are the grant types Epic allows the client, for the fake;
	// nil for a client from the command line (the fake then allows all).
	grants []string
}

// String never shows the secret.
func (c client) String() string {
	if c.Name != "" {
		return c.Name + " (" + c.ID + ")"
	}
	return c.ID
}

// Grant lists of the well-known clients, from the fact sheet (section 3).
var (
	launcherGrants = []string{"authorization_code", "client_credentials", "device_auth", "exchange_code", "external_auth", "refresh_token"}
	switchGrants   = []string{"client_credentials", "device_auth", "device_code", "external_auth", "refresh_token"}
	iosGrants      = []string{"authorization_code", "client_credentials", "continuation_token", "device_auth", "device_code", "exchange_code", "external_auth", "refresh_token"}
)

// wellKnownClients are public clients of Epic's own games, published for
// years by every community Epic library (see the project's fact sheet,
// section 3). Epic can disable any of them at any time.
var wellKnownClients = map[string]client{
	"launcherAppClient2":          {ID: "34a02cf8f4414e29b15921876da36f9a", Secret: "daafbccc737745039dffe53d94fc76cf", grants: launcherGrants},
	"fortnitePCGameClient":        {ID: "ec684b8c687f479fadea3cb2ad83f5c6", Secret: "e1f31c211f28413186262d37a13fc84d", grants: launcherGrants},
	"fortniteIOSGameClient":       {ID: "3446cd72694c4a4485d81b77adbb2141", Secret: "9209d4a5e25a457fb9b07489d313b41a", grants: iosGrants},
	"fortniteAndroidGameClient":   {ID: "3f69e56c7649492c8cc29f1af08a8a12", Secret: "b51ee9cb12234f50a69efa67ef53812e", grants: launcherGrants},
	"fortniteNewSwitchGameClient": {ID: "98f7e42c2e3a4f86a74eb43fbb41ed39", Secret: "0a2449a2-001a-451e-afec-3e812901c4d7", grants: switchGrants},
}

// defaultLoginClient allows the device_code grant, which the launcher and
// PC clients do not.
const defaultLoginClient = "fortniteNewSwitchGameClient"

// wellKnownClientName is the name of the well-known client with the given
// id, or "".
func wellKnownClientName(id string) string {
	for name, c := range wellKnownClients {
		if id != "" && c.ID == id {
			return name
		}
	}
	return ""
}

func wellKnownNames() []string {
	names := make([]string, 0, len(wellKnownClients))
	for n := range wellKnownClients {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Environment variables the command reads credentials from, so that secrets
// need not appear on a command line (where ps shows them).
const (
	envClient      = "EPICTOKEN_CLIENT"      // NAME or ID:SECRET
	envCredentials = "EPICTOKEN_CREDENTIALS" // path of a JSON credentials file
)

var errNoClient = usagef("no client: pass --client NAME|ID:SECRET or --credentials FILE, or set %s or %s", envClient, envCredentials)

// resolveClient picks the client from, in order: the --client flag, the
// --credentials file, $EPICTOKEN_CLIENT, $EPICTOKEN_CREDENTIALS, then
// fallback (a well-known name, or "" for none).
func resolveClient(flagClient, flagCredentials string, getenv func(string) string, fallback string) (client, error) {
	switch {
	case flagClient != "":
		return parseClient(flagClient, "--client")
	case flagCredentials != "":
		return readCredentials(flagCredentials)
	case getenv(envClient) != "":
		return parseClient(getenv(envClient), "$"+envClient)
	case getenv(envCredentials) != "":
		return readCredentials(getenv(envCredentials))
	case fallback != "":
		return parseClient(fallback, "the default client")
	}
	return client{}, errNoClient
}

// parseClient reads NAME (a well-known client) or ID:SECRET; source names
// where s came from, for the error.
func parseClient(s, source string) (client, error) {
	if c, ok := wellKnownClients[s]; ok {
		c.Name = s
		return c, nil
	}
	id, secret, ok := strings.Cut(s, ":")
	if !ok || id == "" || secret == "" {
		// Never echo s: it may be a mistyped secret.
		return client{}, usagef("%s must be a known client name (%s) or ID:SECRET", source, strings.Join(wellKnownNames(), ", "))
	}
	return client{ID: id, Secret: secret}, nil
}

// clientID reads a client that only needs naming (a consumer of an
// exchange code): NAME, ID:SECRET or a bare ID.
func clientID(s string) string {
	if c, ok := wellKnownClients[s]; ok {
		return c.ID
	}
	id, _, _ := strings.Cut(s, ":")
	return id
}

// maxCredentialsFile bounds what readCredentials reads.
const maxCredentialsFile = 64 << 10

// readCredentials reads {"client_id": ..., "client_secret": ...}. Its
// errors never quote the file.
func readCredentials(path string) (client, error) {
	data, err := secretfile.Read(path, maxCredentialsFile)
	if err != nil {
		return client{}, usagef("reading credentials: %v", err)
	}
	var c client
	if err := secretfile.Decode(data, &c); err != nil {
		return client{}, usagef("credentials file %s: %v; want {\"client_id\": ..., \"client_secret\": ...}", path, err)
	}
	if c.ID == "" || c.Secret == "" {
		return client{}, usagef("credentials file %s lacks client_id or client_secret", path)
	}
	return c, nil
}

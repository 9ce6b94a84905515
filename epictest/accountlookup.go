package epictest

import (
	"net/http"
	"strconv"
	"strings"
)

// Account lookups: the account service's public account endpoints, which
// community clients (fnbr.js among them) call right after logging in. The
// shapes follow LeleDerGrasshalmi/FortniteEndpointsDocumentation
// (EpicGames/AccountService/Account/Lookup) and, for the not-found error,
// a recorded 404 (dippyshere/battle-breakers-documentation, Display Name
// Lookup).

// maxBulkAccounts is how many accountId parameters the bulk lookup takes.
const maxBulkAccounts = 100

// publicAccountJSON is what anyone may see of an account. externalAuths is
// always empty: the fake links platform logins for the external_auth grant
// only.
type publicAccountJSON struct {
	ID            string         `json:"id"`
	DisplayName   string         `json:"displayName"`
	ExternalAuths map[string]any `json:"externalAuths"`
}

// ownAccountJSON is what a session sees of its own account, fields in
// Epic's order; the personal data are placeholders, and the optional ones
// (phoneNumber, company, lastDisplayNameChange, guardianChallengeTimestamp)
// are left out as for an account that never set them.
type ownAccountJSON struct {
	ID                         string `json:"id"`
	DisplayName                string `json:"displayName"`
	Name                       string `json:"name"`
	Email                      string `json:"email"`
	FailedLoginAttempts        int    `json:"failedLoginAttempts"`
	LastLogin                  string `json:"lastLogin"`
	NumberOfDisplayNameChanges int    `json:"numberOfDisplayNameChanges"`
	AgeGroup                   string `json:"ageGroup"`
	Headless                   bool   `json:"headless"`
	Country                    string `json:"country"`
	LastName                   string `json:"lastName"`
	PreferredLanguage          string `json:"preferredLanguage"`
	CanUpdateDisplayName       bool   `json:"canUpdateDisplayName"`
	TfaEnabled                 bool   `json:"tfaEnabled"`
	EmailVerified              bool   `json:"emailVerified"`
	MinorVerified              bool   `json:"minorVerified"`
	MinorExpected              bool   `json:"minorExpected"`
	MinorStatus                string `json:"minorStatus"`
	SiweNotificationEnabled    bool   `json:"siweNotificationEnabled"`
	CabinedMode                bool   `json:"cabinedMode"`
	HasHashedEmail             bool   `json:"hasHashedEmail"`
	// LastReviewedSecuritySettings is the login time, as the fake has no
	// settings page.
	LastReviewedSecuritySettings string `json:"lastReviewedSecuritySettings"`
}

func publicAccount(a *Account) publicAccountJSON {
	return publicAccountJSON{ID: a.ID, DisplayName: a.DisplayName, ExternalAuths: map[string]any{}}
}

// getAccount serves GET /account/api/public/account/{accountId}: the whole
// account for its own sessions, the public part for others.
func (s *Server) getAccount(c *call) reply {
	ss, err := s.accountReader(c)
	if err != nil {
		return fail(err)
	}
	id := c.r.PathValue("accountId")
	a := s.accounts[id]
	if a == nil {
		return fail(errAccountNotFound(id))
	}
	if ss.account != a {
		return ok(publicAccount(a))
	}
	return ok(ownAccountJSON{
		ID: a.ID, DisplayName: a.DisplayName, Name: "Epictest", Email: a.ID + "@epictest.invalid",
		LastLogin: isoTime(ss.created), AgeGroup: "UNKNOWN", Country: "US", LastName: "Player",
		PreferredLanguage: "en", CanUpdateDisplayName: true, EmailVerified: true, MinorStatus: "NOT_MINOR",
		LastReviewedSecuritySettings: isoTime(ss.created),
	})
}

// accountSubresource serves the GETs of /account/api/public/account/{a}/{b}:
// the device-auth list, and the lookup by display name, whose path
// (displayName/{name}) the mux cannot tell from {accountId}/deviceAuth.
func (s *Server) accountSubresource(c *call) reply {
	switch {
	case c.r.PathValue("accountId") == "displayName":
		return s.getAccountByDisplayName(c, c.r.PathValue("sub"))
	case c.r.PathValue("sub") == "deviceAuth":
		return s.listDeviceAuths(c)
	}
	return fail(errNotFound())
}

// getAccountByDisplayName serves GET
// /account/api/public/account/displayName/{name}. Epic matches display
// names without regard to case.
func (s *Server) getAccountByDisplayName(c *call, name string) reply {
	if _, err := s.accountReader(c); err != nil {
		return fail(err)
	}
	for _, a := range s.accounts {
		if strings.EqualFold(a.DisplayName, name) {
			return ok(publicAccount(a))
		}
	}
	return fail(errAccountNotFound(name))
}

// getAccounts serves GET /account/api/public/account?accountId=...: the
// public part of each known account, in the order asked, once each;
// unknown ids are left out. Any live token may ask (no permission).
func (s *Server) getAccounts(c *call) reply {
	if _, err := s.bearer(c); err != nil {
		return fail(err)
	}
	ids := c.r.URL.Query()["accountId"]
	if len(ids) == 0 || len(ids) > maxBulkAccounts {
		return fail(errInvalidAccountIDCount())
	}
	out := []publicAccountJSON{}
	seen := map[string]bool{}
	for _, id := range ids {
		if a := s.accounts[id]; a != nil && !seen[id] {
			seen[id] = true
			out = append(out, publicAccount(a))
		}
	}
	return ok(out)
}

// accountReader checks the bearer token of a single-account lookup, which
// needs account:public:account READ (a client_credentials session has no
// permissions).
func (s *Server) accountReader(c *call) (*session, *apiError) {
	ss, err := s.bearer(c)
	if err != nil {
		return nil, err
	}
	if err := require(ss, "account:public:account", actionRead); err != nil {
		return nil, err
	}
	return ss, nil
}

func errAccountNotFound(who string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "errors.com.epicgames.account.account_not_found", numeric: 18007,
		message: "Sorry, we couldn't find an account for " + who, vars: []string{who}}
}

func errInvalidAccountIDCount() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "errors.com.epicgames.account.invalid_account_id_count", numeric: 18066,
		message: "Sorry, the number of account id should be at least one and not more than " + strconv.Itoa(maxBulkAccounts) + ".",
		vars:    []string{strconv.Itoa(maxBulkAccounts)}}
}

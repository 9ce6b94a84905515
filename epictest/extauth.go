package epictest

// externalLogin links a platform's token to an Epic account, for the
// account service's external_auth grant.
type externalLogin struct {
	account     *Account
	typ         string // external_auth_type
	externalID  string
	displayName string
}

// ExternalAuth is a platform identity linked to an Epic account.
type ExternalAuth struct {
	// Type is Epic's external_auth_type, such as "steam_session_ticket".
	Type string
	// Token is the platform token the external_auth grant sends.
	Token string
	// Optional. ExternalID and DisplayName are the platform's account id
	// and name, reported by verify as ext_auth_id and
	// ext_auth_display_name; placeholders are used when empty.
	ExternalID  string
	DisplayName string
}

func externalKey(typ, token string) string { return typ + "\x00" + token }

// AddExternalAuth links a platform token to an account: an external_auth
// grant with that type and token then logs in to the account. It panics if
// the account is not registered.
func (s *Server) AddExternalAuth(accountID string, e ExternalAuth) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(accountID)
	if e.ExternalID == "" {
		e.ExternalID = newHex()
	}
	if e.DisplayName == "" {
		e.DisplayName = a.DisplayName
	}
	s.externalLogins[externalKey(e.Type, e.Token)] = &externalLogin{account: a, typ: e.Type, externalID: e.ExternalID, displayName: e.DisplayName}
}

// externalAuthGrant logs in with a linked platform token.
func (s *Server) externalAuthGrant(c *call) (*login, *apiError) {
	if err := requireForm(c, "external_auth_type", "external_auth_token"); err != nil {
		return nil, err
	}
	typ := c.form.Get("external_auth_type")
	e := s.externalLogins[externalKey(typ, c.form.Get("external_auth_token"))]
	if e == nil {
		return nil, errInvalidExternalAuthToken(typ)
	}
	return &login{account: e.account, method: "external_auth", ext: e}, nil
}

package epic

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/wire"
)

// tokenPath is where the token endpoint sits on the account service. Every
// other account-service address is found by replacing it, so pointing
// Config.Endpoint at a fake server moves all of them.
const tokenPath = "/account/api/oauth/token"

// accountURL returns the address of an account-service path on the host of
// c's token endpoint. path is a fmt format whose %s verbs receive args, each
// escaped as one path segment.
func (c *Config) accountURL(path string, args ...string) (string, error) {
	tokenURL := c.endpoint().TokenURL
	base, ok := strings.CutSuffix(tokenURL, tokenPath)
	if !ok {
		return "", fmt.Errorf("epic: Endpoint.TokenURL %q does not end in %s, so the other account-service addresses cannot be derived from it", tokenURL, tokenPath)
	}
	escaped := make([]any, len(args))
	for i, a := range args {
		escaped[i] = url.PathEscape(a)
	}
	return base + fmt.Sprintf(path, escaped...), nil
}

// bearerRequest is a request to an account-service endpoint that takes a
// session's access token (or, with bearer empty, no authorization at all)
// instead of the client's credentials. The client secret stays on the
// request only to be redacted from errors.
func (c *Config) bearerRequest(method, addr, bearer string, form url.Values) *wire.Request {
	req := c.request(addr, form)
	req.Method = method
	req.ClientID = ""
	req.Bearer = bearer
	return req
}

// errNoAccessToken is returned, before any request, for a nil token or one
// without an access token.
var errNoAccessToken = errors.New("epic: the token has no access token")

// accessToken returns tok's access token, or errNoAccessToken.
func accessToken(tok *oauth2.Token) (string, error) {
	if tok == nil || tok.AccessToken == "" {
		return "", errNoAccessToken
	}
	return tok.AccessToken, nil
}

// sessionURL returns tok's access token and the address of an
// account-service path (see accountURL), for the endpoints a session calls
// about itself.
func (c *Config) sessionURL(tok *oauth2.Token, path string, args ...string) (bearer, addr string, err error) {
	if bearer, err = accessToken(tok); err != nil {
		return "", "", err
	}
	addr, err = c.accountURL(path, args...)
	return bearer, addr, err
}

// accountOf returns tok's access token and the account it belongs to, for
// the endpoints under /account/api/public/account/{accountId}.
func accountOf(tok *oauth2.Token) (bearer, accountID string, err error) {
	bearer, err = accessToken(tok)
	if err != nil {
		return "", "", err
	}
	accountID = AccountID(tok)
	if accountID == "" {
		return "", "", errors.New("epic: the token has no account_id: it is a client token, or it was saved without its extra fields; use a user token as Epic returned it")
	}
	return bearer, accountID, nil
}

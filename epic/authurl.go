package epic

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/wire"
)

// Browser logins that end in an authorization code, redeemed with
// cfg.Token(ctx, AuthorizationCode(code, ...)). Epic has two:
//
//   - The standard OAuth 2.0 page, /id/authorize, for clients with a
//     registered redirect URI (Epic Account Services apps): AuthCodeURL.
//   - Epic's own redirect flow, for its game and launcher clients: the
//     person logs in at LoginURL, the browser then shows a small JSON
//     document (RedirectURL's answer) holding the code, and the person
//     pastes it into the program, which reads it with ParseRedirect.
//
// PKCE works with both: make a verifier with oauth2.GenerateVerifier, send
// its challenge (oauth2.S256ChallengeOption for AuthCodeURL,
// RedirectOptions.CodeChallenge for the redirect flow) and redeem with
// CodeVerifier(verifier).

// AuthCodeURL returns the address of Epic's OAuth 2.0 login page
// (Endpoint.AuthURL, www.epicgames.com/id/authorize) for c's client, as
// oauth2.Config.AuthCodeURL builds it: client_id, response_type=code, state
// and opts. Epic requires the redirect URI registered for the client and
// the scopes, so pass them:
//
//	verifier := oauth2.GenerateVerifier()
//	u := cfg.AuthCodeURL(state,
//		oauth2.SetAuthURLParam("redirect_uri", "https://example.com/callback"),
//		oauth2.SetAuthURLParam("scope", "basic_profile"),
//		oauth2.S256ChallengeOption(verifier))
//	// ... the callback receives ?code=...&state=...; check state, then
//	tok, err := cfg.Token(ctx, epic.AuthorizationCode(code, epic.CodeVerifier(verifier)))
func (c *Config) AuthCodeURL(state string, opts ...oauth2.AuthCodeOption) string {
	oc := oauth2.Config{ClientID: c.ClientID, Endpoint: oauth2.Endpoint{AuthURL: c.authURL()}}
	return oc.AuthCodeURL(state, opts...)
}

// RedirectOptions configures RedirectURL and LoginURL. A nil
// *RedirectOptions means all defaults.
type RedirectOptions struct {
	// State is echoed back in the redirect. Optional.
	State string
	// CodeChallenge is a PKCE challenge, such as
	// oauth2.S256ChallengeFromVerifier(verifier); redeem the code with
	// CodeVerifier(verifier). Optional.
	CodeChallenge string
	// CodeChallengeMethod is "S256" or "plain". Optional; "S256" when
	// CodeChallenge is set.
	CodeChallengeMethod string
}

// RedirectURL returns the address of Epic's redirect endpoint for c's
// client (www.epicgames.com/id/api/redirect?clientId=...&responseType=code).
// Opened in a browser that is logged in to epicgames.com, it shows JSON
// with a fresh authorizationCode; see ParseRedirect. LoginURL wraps it in
// the login page, for a browser that is not logged in yet.
func (c *Config) RedirectURL(opts *RedirectOptions) string {
	q := url.Values{"clientId": {c.ClientID}, "responseType": {"code"}}
	if opts != nil {
		if opts.State != "" {
			q.Set("state", opts.State)
		}
		if opts.CodeChallenge != "" {
			method := opts.CodeChallengeMethod
			if method == "" {
				method = "S256"
			}
			q.Set("codeChallenge", opts.CodeChallenge)
			q.Set("codeChallengeMethod", method)
		}
	}
	return c.webBase() + "/id/api/redirect?" + q.Encode()
}

// LoginURL returns the address to show a person for Epic's redirect flow:
// the login page (www.epicgames.com/id/login), which after the login goes
// on to RedirectURL(opts), where the browser shows the JSON to paste back.
func (c *Config) LoginURL(opts *RedirectOptions) string {
	return c.webBase() + "/id/login?" + url.Values{"redirectUrl": {c.RedirectURL(opts)}}.Encode()
}

// Redirect is the JSON the redirect endpoint shows (see RedirectURL).
type Redirect struct {
	// RedirectURL is where Epic would send the browser next.
	RedirectURL string `json:"redirectUrl"`
	// AuthorizationCode is the code to redeem with AuthorizationCode.
	AuthorizationCode string `json:"authorizationCode"`
	// ExchangeCode is set instead when the flow asked for an exchange
	// code.
	ExchangeCode string `json:"exchangeCode"`
	// SID is a web session id, set when no client was named.
	SID string `json:"sid"`
}

// ErrNoAuthorizationCode is returned by ParseRedirect for a redirect that
// carries no code: the browser was not logged in to epicgames.com, or the
// login (two-factor step included) was not finished. Have the person log
// in at LoginURL and paste the new answer.
var ErrNoAuthorizationCode = errors.New("epic: the redirect has no authorization code; log in at the login URL first, then paste the page it shows")

// ParseRedirect reads the JSON the redirect endpoint showed the person (see
// RedirectURL), as they pasted it. When Epic answered with an error instead,
// such as a corrective action the person must take on the website, it
// returns that *epicoauth.Error. A redirect without a code is returned with
// ErrNoAuthorizationCode.
func ParseRedirect(body []byte) (*Redirect, error) {
	body = bytes.TrimSpace(body)
	var probe struct {
		ErrorCode string `json:"errorCode"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, errors.New("epic: the redirect is not the JSON the redirect page shows: " + err.Error())
	}
	if probe.ErrorCode != "" {
		return nil, wire.ParseError(&http.Response{Header: http.Header{}}, body, nil)
	}
	var r Redirect
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, errors.New("epic: the redirect is not the JSON the redirect page shows: " + err.Error())
	}
	if r.AuthorizationCode == "" && r.ExchangeCode == "" {
		return &r, ErrNoAuthorizationCode
	}
	return &r, nil
}

// authURL is Endpoint.AuthURL, or Epic's login page when the Endpoint names
// none.
func (c *Config) authURL() string {
	if u := c.Endpoint.AuthURL; u != "" {
		return u
	}
	return epicoauth.AccountEndpoint.AuthURL
}

// webBase is the scheme and host of the login page, where Epic's web id API
// lives too.
func (c *Config) webBase() string {
	u, err := url.Parse(c.authURL())
	if err != nil || u.Host == "" {
		u, _ = url.Parse(epicoauth.AccountEndpoint.AuthURL)
	}
	return u.Scheme + "://" + u.Host
}

package eos

import (
	"context"
	"net/url"

	"golang.org/x/oauth2"
)

// A web login ("Sign in with Epic Games") in oauth2.Config's shape, PKCE
// included:
//
//	verifier := oauth2.GenerateVerifier()
//	http.Redirect(w, r, cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), http.StatusFound)
//	// ... the callback at cfg.RedirectURL receives ?code=...&state=...;
//	// check state, then
//	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
//	ts := cfg.ResumeTokenSource(ctx, tok, nil) // keeps the session refreshed

// AuthCodeURL returns the address of Epic's login page (Endpoint.AuthURL,
// www.epicgames.com/id/authorize) for the client, exactly as
// oauth2.Config.AuthCodeURL builds it: client_id, redirect_uri
// (RedirectURL), response_type=code, scope (Scopes, space-separated), state
// and opts, such as oauth2.S256ChallengeOption(verifier) for PKCE or
// oauth2.SetAuthURLParam("prompt", "login").
func (c *AuthConfig) AuthCodeURL(state string, opts ...oauth2.AuthCodeOption) string {
	return c.oauth2Config().AuthCodeURL(state, opts...)
}

// Exchange redeems an authorization code from the login page, as
// oauth2.Config.Exchange does: pass oauth2.VerifierOption(verifier) when
// the login used PKCE. It sends deployment_id, scope, token_type and
// redirect_uri too. The token carries a refresh token; keep the session
// alive with ResumeTokenSource(ctx, tok, nil).
func (c *AuthConfig) Exchange(ctx context.Context, code string, opts ...oauth2.AuthCodeOption) (*oauth2.Token, error) {
	return c.Token(ctx, AuthorizationCode(code, opts...))
}

// oauth2Config is c as an oauth2.Config, for the URL and options code of
// golang.org/x/oauth2.
func (c *AuthConfig) oauth2Config() *oauth2.Config {
	return &oauth2.Config{ClientID: c.ClientID, Endpoint: c.endpoint(), RedirectURL: c.RedirectURL, Scopes: c.Scopes}
}

// optionValues returns the form fields that opts set, such as the
// code_verifier of oauth2.VerifierOption. An AuthCodeOption only reveals
// its fields to x/oauth2's own code, so they are read back from the URL
// that oauth2.Config.AuthCodeURL builds with them: the same values
// oauth2.Config.Exchange would send.
func optionValues(opts []oauth2.AuthCodeOption) url.Values {
	v := url.Values{}
	if len(opts) == 0 {
		return v
	}
	bare := &oauth2.Config{Endpoint: oauth2.Endpoint{AuthURL: "/"}}
	u, err := url.Parse(bare.AuthCodeURL("", opts...))
	if err != nil {
		return v // unreachable: the URL is built from url.Values
	}
	v = u.Query()
	// The fields AuthCodeURL sets itself, unless an option replaced them.
	if v.Get("response_type") == "code" {
		v.Del("response_type")
	}
	if v.Get("client_id") == "" {
		v.Del("client_id")
	}
	return v
}

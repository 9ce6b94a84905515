package eos

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
)

// The grants of EOS Auth (AuthConfig). ClientCredentials, ExternalAuth and
// ExternalAuthFrom serve both EOS Connect and EOS Auth; the code grants and
// RefreshToken are EOS Auth only, as EOS Connect issues no refresh token.

// AuthorizationCode returns the authorization_code grant for a code from
// the login page (see AuthConfig.AuthCodeURL; AuthConfig.Exchange is the
// shorthand). opts add form fields the way oauth2.Config.Exchange takes
// them: oauth2.VerifierOption(verifier) sends the PKCE code_verifier.
// Codes are single use.
func AuthorizationCode(code string, opts ...oauth2.AuthCodeOption) Grant {
	return codeGrant("authorization_code", "code", code, opts)
}

// ExchangeCode returns the exchange_code grant, for a code that another
// session of the same account created: the Epic Games Launcher passes one
// to the game it starts as -AUTH_PASSWORD=<code> (with -AUTH_TYPE=exchangecode),
// and epic.Config.CreateExchangeCode makes one from an account-service
// session. Pass oauth2.VerifierOption(verifier) for a code created with a
// PKCE challenge. Codes are single use and expire after 300 s; to redeem a
// fresh one at each renewal, use ExchangeCodeFrom.
func ExchangeCode(code string, opts ...oauth2.AuthCodeOption) Grant {
	return codeGrant("exchange_code", "exchange_code", code, opts)
}

func codeGrant(grantType, field, code string, opts []oauth2.AuthCodeOption) Grant {
	params := optionValues(opts)
	params.Set(field, code)
	return epicoauth.NewGrant(grantType, params, false)
}

// RefreshToken returns the refresh_token grant, to start from a refresh
// token saved earlier. Refresh tokens rotate: each works once. To resume a
// saved session with its access token, use AuthConfig.ResumeTokenSource.
func RefreshToken(refreshToken string) Grant {
	return epicoauth.NewGrant("refresh_token", url.Values{"refresh_token": {refreshToken}}, false)
}

// ExchangeCodeFunc returns a new exchange code of an Epic account each time
// it is called, for ExchangeCodeFrom. epic.Config.ExchangeCodeFunc makes
// one from an account-service token source.
type ExchangeCodeFunc func(ctx context.Context) (string, error)

// ExchangeCodeFrom returns an exchange_code grant that takes a new code
// from codes every time it runs. It is repeatable, so a TokenSource built
// on it logs in again with a new code whenever its EOS Auth refresh token
// runs out or is rejected: the EAS session lasts for as long as the session
// behind codes does. This is how an account-service session becomes an EAS
// session, as fnbr.js does it (exchange code, token_type=epic_id, the
// deployment):
//
//	account := epicCfg.TokenSource(ctx, deviceAuth)
//	eas := &eos.AuthConfig{ClientID: ..., ClientSecret: ..., DeploymentID: ..., TokenType: "epic_id"}
//	ts := eas.TokenSource(ctx, eos.ExchangeCodeFrom(epicCfg.ExchangeCodeFunc(account, nil)))
//
// codes is only called when the EAS session needs a new login, which may be
// hours apart; the session behind it must be able to renew itself after
// such a pause, as one built on a device auth can.
func ExchangeCodeFrom(codes ExchangeCodeFunc) Grant { return exchangeCodeFrom{codes} }

type exchangeCodeFrom struct{ codes ExchangeCodeFunc }

// errNoExchangeCodeFunc is returned by an ExchangeCodeFrom grant built
// with a nil func.
var errNoExchangeCodeFunc = errors.New("eos: ExchangeCodeFrom has no ExchangeCodeFunc")

func (g exchangeCodeFrom) GrantType() string { return "exchange_code" }
func (g exchangeCodeFrom) Repeatable() bool  { return true }

func (g exchangeCodeFrom) Params(ctx context.Context) (url.Values, error) {
	if g.codes == nil {
		return nil, errNoExchangeCodeFunc
	}
	code, err := g.codes(ctx)
	if err != nil {
		return nil, fmt.Errorf("eos: getting an exchange code: %w", err)
	}
	if code == "" {
		return nil, errors.New("eos: the ExchangeCodeFunc returned an empty exchange code")
	}
	return url.Values{"exchange_code": {code}}, nil
}

// String names the grant and never a code.
func (g exchangeCodeFrom) String() string { return "Grant(exchange_code from an ExchangeCodeFunc)" }

// GoString makes %#v as safe as %v.
func (g exchangeCodeFrom) GoString() string { return g.String() }

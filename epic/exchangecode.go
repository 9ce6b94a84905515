package epic

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/redact"
	"github.com/epicoauth/epicoauth/internal/wire"
)

// ExchangeCodeOptions configures CreateExchangeCode. A nil
// *ExchangeCodeOptions means all defaults.
type ExchangeCodeOptions struct {
	// ConsumingClientID is the only client that may redeem the code; any
	// other gets exchange_code_client_mismatch. Optional; by default any
	// client may.
	ConsumingClientID string
	// CodeChallenge is a PKCE challenge, such as
	// oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()); the
	// redeemer must then send the verifier (CodeVerifier). Optional.
	CodeChallenge string
	// CodeChallengeMethod is "S256" or "plain". Optional; "S256" when
	// CodeChallenge is set.
	CodeChallengeMethod string
}

// ExchangeCodeResponse is an exchange code created by CreateExchangeCode: a
// single-use code that logs another client into the same account (the Epic
// Games Launcher hands one to each game it starts). Redeem it with Grant on
// the other client's Config before Expiry (about 300 s). Every fmt verb,
// log/slog and encoding/json hide Code.
type ExchangeCodeResponse struct {
	// Code is the exchange code, a secret until it is redeemed.
	Code string
	// Expiry is when the code stops working, counted by the creating
	// Config's clock from when Epic answered.
	Expiry time.Time
	// CreatingClientID is the client whose session created the code.
	CreatingClientID string
	// ConsumingClientID is the only client that may redeem the code, when
	// one was named.
	ConsumingClientID string
}

// Grant returns the exchange_code grant that redeems the code. Pass
// CodeVerifier(verifier) when the code was created with a CodeChallenge.
func (x ExchangeCodeResponse) Grant(opts ...GrantOption) Grant { return ExchangeCode(x.Code, opts...) }

// String shows the clients and expiry, never the code.
func (x ExchangeCodeResponse) String() string {
	return fmt.Sprintf("ExchangeCode{Code: "+redact.Marker+", Expiry: %s, CreatingClientID: %s, ConsumingClientID: %s}",
		x.Expiry.UTC().Format(time.RFC3339), x.CreatingClientID, x.ConsumingClientID)
}

// GoString makes %#v as safe as %v.
func (x ExchangeCodeResponse) GoString() string { return x.String() }

// LogValue makes log/slog print the redacted form.
func (x ExchangeCodeResponse) LogValue() slog.Value { return slog.StringValue(x.String()) }

// exchangeCode is Epic's answer to GET /account/api/oauth/exchange.
type exchangeCode struct {
	Code              string `json:"code"`
	ExpiresInSeconds  any    `json:"expiresInSeconds"`
	CreatingClientID  string `json:"creatingClientId"`
	ConsumingClientID string `json:"consumingClientId"`
}

// CreateExchangeCode creates an exchange code for the account of tok, a user
// token (GET /account/api/oauth/exchange with tok as the bearer). The
// session needs the permission account:oauth:exchangeTokenCode CREATE;
// without it Epic answers 403 errors.com.epicgames.common.missing_permission.
//
// The usual hand-off: log in with one client (a device code on a console
// client, say), create an exchange code, and redeem it on another client's
// Config with x.Grant().
func (c *Config) CreateExchangeCode(ctx context.Context, tok *oauth2.Token, opts *ExchangeCodeOptions) (*ExchangeCodeResponse, error) {
	bearer, addr, err := c.sessionURL(tok, "/account/api/oauth/exchange")
	if err != nil {
		return nil, err
	}
	if q := opts.query(); len(q) > 0 {
		addr += "?" + q.Encode()
	}
	req := c.bearerRequest(http.MethodGet, addr, bearer, nil)
	body, resp, err := wire.DoJSON[exchangeCode](ctx, req)
	if err == nil && body.Code == "" {
		err = wire.BadResponse(req, resp, "response has no code")
	}
	if err != nil {
		return nil, fmt.Errorf("epic: creating exchange code: %w", err)
	}
	return &ExchangeCodeResponse{
		Code:              body.Code,
		Expiry:            wire.Expiry(body.ExpiresInSeconds, nil, resp.Received),
		CreatingClientID:  body.CreatingClientID,
		ConsumingClientID: body.ConsumingClientID,
	}, nil
}

// query is the query string the options send; nil options send none.
func (o *ExchangeCodeOptions) query() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	if o.ConsumingClientID != "" {
		q.Set("consumingClientId", o.ConsumingClientID)
	}
	if o.CodeChallenge != "" {
		q.Set("codeChallenge", o.CodeChallenge)
		method := o.CodeChallengeMethod
		if method == "" {
			method = "S256"
		}
		q.Set("codeChallengeMethod", method)
	}
	return q
}

// ExchangeCodeFunc returns a func that creates a new exchange code from the
// current token of src each time it is called (CreateExchangeCode with
// opts, which may be nil). It is the eos.ExchangeCodeFunc that turns an
// account-service session into an EOS Auth (EAS) session renewed for as
// long as src lasts:
//
//	ts := easCfg.TokenSource(ctx, eos.ExchangeCodeFrom(cfg.ExchangeCodeFunc(account, nil)))
func (c *Config) ExchangeCodeFunc(src oauth2.TokenSource, opts *ExchangeCodeOptions) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		tok, err := epicoauth.TokenFrom(ctx, src)
		if err != nil {
			return "", err
		}
		x, err := c.CreateExchangeCode(ctx, tok, opts)
		if err != nil {
			return "", err
		}
		return x.Code, nil
	}
}

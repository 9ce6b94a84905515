package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// The demo's EOS steps: EOS Connect (a client token, a product user) and
// EOS Auth (an Epic Account Services session from the account session).

func (d *demo) eos(ctx context.Context, account *epicoauth.TokenSource) error {
	deployment := d.f.DefaultDeployment()
	eosCfg := d.f.EOSConfig(epictest.Client{ID: d.client.ID, Secret: d.client.Secret}, deployment.ID)
	eosCfg.UserAgent = userAgent
	d.step("EOS Connect: a client token, its nonce checked",
		fmt.Sprintf("eosCfg := &eos.Config{ClientID: %q, ClientSecret: secret, DeploymentID: %q}", d.client.ID, deployment.ID),
		"tok, err := eosCfg.Token(ctx, eos.ClientCredentials()) // sends a fresh nonce, checks the echo")
	tok, err := eosCfg.Token(ctx, eos.ClientCredentials())
	if err != nil {
		return err
	}
	d.kv("access token", "%s expires %s", short(tok.AccessToken), d.when(tok.Expiry))
	d.kv("nonce", "%s echoed back and matched (else eos.ErrNonceMismatch)", short(eos.Nonce(tok)))
	d.kv("deployment", "%s, product %s, sandbox %s", eos.DeploymentID(tok), eos.ProductID(tok), eos.SandboxID(tok))
	d.kv("features", "%s", strings.Join(eos.Features(tok), ", "))

	d.step("EOS Connect: a product user for the Epic account",
		"src := eos.ExternalAuthFrom(eos.EpicGamesAccessToken, ts) // the account's token source",
		"tok, err := eosCfg.TokenSource(ctx, src).Token()")
	user := eosCfg.TokenSource(ctx, eos.ExternalAuthFrom(eos.EpicGamesAccessToken, account))
	defer user.Close()
	tok, err = user.Token()
	if err != nil {
		return err
	}
	d.kv("product user", "%s (created by this login: %t)", eos.ProductUserID(tok), eos.ProductUserIDCreated(tok))
	d.kv("access token", "%s expires %s; renewed from the account's token", short(tok.AccessToken), d.when(tok.Expiry))
	return nil
}

// easClient is the client of the demo's EAS session, one that may redeem
// exchange codes.
const easClient = "fortnitePCGameClient"

// eas turns the account session into an Epic Account Services session for
// the deployment, as fnbr.js does: an exchange code from the account
// session, redeemed with token_type=epic_id.
func (d *demo) eas(ctx context.Context, account *epicoauth.TokenSource) error {
	// The game client redeems the code: Epic lets the Switch client of the
	// account session make exchange codes, not redeem them.
	c := wellKnownClients[easClient]
	deployment := d.f.DefaultDeployment()
	easCfg := d.f.EOSAuthConfig(epictest.Client{ID: c.ID, Secret: c.Secret}, deployment.ID)
	easCfg.UserAgent = userAgent
	easCfg.TokenType = "epic_id"
	easCfg.Scopes = []string{"basic_profile", "openid"} // openid: an ID token too
	d.step("Epic Account Services: an EAS session from the account session",
		fmt.Sprintf("easCfg := &eos.AuthConfig{ClientID: %q, ClientSecret: secret, DeploymentID: %q, // %s", c.ID, deployment.ID, easClient),
		`	TokenType: "epic_id", Scopes: []string{"basic_profile", "openid"}}`,
		"eas := easCfg.TokenSource(ctx, eos.ExchangeCodeFrom(cfg.ExchangeCodeFunc(ts, nil))) // ts: the account's token source",
		"tok, err := eas.Token()")
	codes := d.f.Count("exchange_code")
	eas := easCfg.TokenSource(ctx, eos.ExchangeCodeFrom(d.cfg.ExchangeCodeFunc(account, nil)))
	defer eas.Close()
	tok, err := eas.Token()
	if err != nil {
		return err
	}
	d.kv("exchange code", "%d made from the account session and redeemed for the deployment", d.f.Count("exchange_code")-codes)
	d.kv("access token", "%s expires %s; a JWT (epic_id)", short(tok.AccessToken), d.when(tok.Expiry))
	whose := "the account session's"
	if eos.AccountID(tok) != epic.AccountID(account.Peek()) {
		whose = "NOT the account session's"
	}
	d.kv("account", "%s, %s (eos.AccountID)", eos.AccountID(tok), whose)
	d.kv("scope", "%s (eos.Scope)", strings.Join(eos.Scope(tok), " "))
	if idToken := eos.IDToken(tok); idToken != "" {
		alg, kid, err := jwtHeader(idToken)
		if err != nil {
			return err
		}
		published, err := d.publishedKey(ctx, kid)
		if err != nil {
			return err
		}
		where := "in"
		if !published {
			where = "NOT in"
		}
		d.kv("id_token", "%s signed %s, kid %s", short(idToken), alg, kid)
		d.kv("", "%s the key set at GET %s; a game server verifies it with the idtoken module", where, epictest.EOSAuthJWKSPath)
	}
	d.kv("renewal", "refreshed while its refresh token lasts, then a new exchange code from the account session")
	return nil
}

// jwtHeader reads the signing algorithm and key id from a JWT's header. It
// checks nothing: verifying the signature is the idtoken module's job.
func jwtHeader(jwt string) (alg, kid string, err error) {
	segment, _, _ := strings.Cut(jwt, ".")
	raw, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		return "", "", fmt.Errorf("a JWT header that is not base64url: %w", err)
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", "", fmt.Errorf("a JWT header that is not JSON: %w", err)
	}
	return h.Alg, h.Kid, nil
}

// publishedKey reports whether the fake's EOS Auth key set lists kid.
func (d *demo) publishedKey(ctx context.Context, kid string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.f.URL+epictest.EOSAuthJWKSPath, nil)
	if err != nil {
		return false, err
	}
	resp, err := d.f.HTTPClient().Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return false, err
	}
	for _, k := range set.Keys {
		if k.Kid == kid {
			return true, nil
		}
	}
	return false, nil
}

package idtoken_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/idtoken"
)

func TestVerifyConnect(t *testing.T) {
	e := newEnv(t, &idtoken.Options{ClientID: testClientID, DeploymentID: testDeployment})
	c, err := e.connect.Verify(context.Background(), e.connectToken(t))
	require.NoError(t, err)
	assert.Equal(t, idtoken.Connect, c.Kind)
	assert.Equal(t, testPUID, c.Subject, "the PUID")
	assert.Equal(t, "https://api.epicgames.dev/auth/v1/oauth", c.Issuer)
	assert.Equal(t, testStart.Add(time.Hour), c.Expiry)
	assert.Equal(t, testStart, c.IssuedAt)
	assert.Equal(t, [3]string{testDeployment, "prod-fn", "fn"}, [3]string{c.DeploymentID, c.ProductID, c.SandboxID})
	assert.Equal(t, "psn", c.ExternalAccountType)
	assert.Equal(t, "1234567890123456789", c.ExternalAccountID)
	assert.Equal(t, idtoken.PlatformPlayStation, c.Platform)
	assert.Equal(t, "PS5", c.DeviceType)
	assert.Empty(t, c.DisplayName+c.ApplicationID+c.Country+c.ExternalDisplayName, "EAS-only claims")

	var extra struct {
		Act struct{ Eaid string }
	}
	require.NoError(t, c.Decode(&extra))
	assert.Equal(t, "1234567890123456789", extra.Act.Eaid)

	_, err = e.connect.Verify(context.Background(), e.connectToken(t))
	require.NoError(t, err)
	assert.Equal(t, 1, e.epic.count(connectJWKS), "keys are cached")
	assert.Zero(t, e.epic.count(accountJWKS), "never the other kind's key set")
}

func TestVerifyAccount(t *testing.T) {
	e := newEnv(t, nil)
	k := testKeys()[1]
	c, err := e.account.Verify(context.Background(), sign(t, k, k.kid, accountClaims(e.clock.Now())))
	require.NoError(t, err)
	assert.Equal(t, idtoken.Account, c.Kind)
	assert.Equal(t, testAccountID, c.Subject, "the Epic account id")
	assert.Equal(t, "fghi4567rNJHv9pNoyczQXo6DDJ6RDeq", c.ApplicationID)
	assert.Equal(t, "alice", c.DisplayName)
	assert.Equal(t, "DE", c.Country)
	assert.Equal(t, "steam", c.ExternalAccountType)
	assert.Equal(t, "alice_on_steam", c.ExternalDisplayName)
	assert.Equal(t, idtoken.PlatformSteam, c.Platform)
	assert.Equal(t, testStart.Add(2*time.Hour), c.Expiry)
	assert.Equal(t, 1, e.epic.count(accountJWKS))
	assert.Zero(t, e.epic.count(connectJWKS))
}

// TestVerifyRules covers each rule with a token that breaks only it, and
// the edges that still pass.
func TestVerifyRules(t *testing.T) {
	good, other := testKeys()[0], testKeys()[2]
	with := func(change func(c map[string]any)) func(now time.Time) string {
		return func(now time.Time) string {
			c := connectClaims(now)
			change(c)
			return sign(t, good, good.kid, c)
		}
	}
	set := func(k string, v any) func(now time.Time) string { return with(func(c map[string]any) { c[k] = v }) }
	drop := func(k string) func(now time.Time) string { return with(func(c map[string]any) { delete(c, k) }) }
	at := func(k string, d time.Duration) func(now time.Time) string {
		return func(now time.Time) string { return set(k, now.Add(d).Unix())(now) }
	}
	tests := []struct {
		name    string
		token   func(now time.Time) string
		want    error // nil: accepted
		fetches int   // key-set fetches the token causes
	}{
		{"valid", with(func(map[string]any) {}), nil, 1},
		{"issuer is the base URL itself", set("iss", "https://api.epicgames.dev"), nil, 1},
		{"lookalike issuer host", set("iss", "https://api.epicgames.dev.attacker.example/auth/v1/oauth"), idtoken.ErrWrongIssuer, 1},
		{"lookalike issuer, no path", set("iss", "https://api.epicgames.devil"), idtoken.ErrWrongIssuer, 1},
		{"issuer over plain http", set("iss", "http://api.epicgames.dev/auth/v1/oauth"), idtoken.ErrWrongIssuer, 1},
		{"issuer with userinfo", set("iss", "https://api.epicgames.dev@attacker.example/"), idtoken.ErrWrongIssuer, 1},
		{"no issuer", drop("iss"), idtoken.ErrMalformed, 1},
		{"another client's token", set("aud", "someoneelse0000000000000000000000"), idtoken.ErrWrongAudience, 1},
		{"audience list with us", set("aud", []string{"other", testClientID}), nil, 1},
		{"audience list without us", set("aud", []string{"other"}), idtoken.ErrWrongAudience, 1},
		{"no audience", drop("aud"), idtoken.ErrMalformed, 1},
		{"expired", at("exp", -AllowedSkewPlus), idtoken.ErrExpired, 1},
		{"expired within the skew", at("exp", -30*time.Second), nil, 1},
		{"no expiry", drop("exp"), idtoken.ErrMalformed, 1},
		{"expiry as a string", set("exp", "2030-01-01T00:00:00Z"), idtoken.ErrMalformed, 1},
		{"fractional expiry", set("exp", float64(testStart.Unix())+3600.5), nil, 1},
		{"issued in the future", at("iat", AllowedSkewPlus), idtoken.ErrIssuedInFuture, 1},
		{"issued ahead within the skew", at("iat", 30*time.Second), nil, 1},
		{"no issue time", drop("iat"), idtoken.ErrMalformed, 1},
		{"another deployment", set("pfdid", "00000000000000000000000000000000"), idtoken.ErrWrongDeployment, 1},
		{"no deployment", drop("pfdid"), idtoken.ErrWrongDeployment, 1},
		{"no subject", drop("sub"), idtoken.ErrMalformed, 1},
		{"payload not an object", func(time.Time) string { return sign(t, good, good.kid, []byte(`[1,2]`)) }, idtoken.ErrMalformed, 1},
		{"alg none", func(now time.Time) string {
			return rawJWT(map[string]string{"alg": "none", "kid": good.kid}, connectClaims(now), nil)
		}, idtoken.ErrUnsupportedAlgorithm, 0},
		{"HS256 keyed with the public key", func(now time.Time) string {
			pub, _ := x509.MarshalPKIXPublicKey(&good.priv.PublicKey)
			tok := rawJWT(map[string]string{"alg": "HS256", "kid": good.kid}, connectClaims(now), nil)
			mac := hmac.New(sha256.New, pub)
			mac.Write([]byte(tok[:strings.LastIndex(tok, ".")]))
			return tok + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		}, idtoken.ErrUnsupportedAlgorithm, 0},
		{"no kid", func(now time.Time) string { return sign(t, good, "", connectClaims(now)) }, idtoken.ErrMissingKeyID, 0},
		{"unknown kid", func(now time.Time) string { return sign(t, other, other.kid, connectClaims(now)) }, idtoken.ErrUnknownKey, 1},
		{"known kid, forged signature", func(now time.Time) string { return sign(t, other, good.kid, connectClaims(now)) }, idtoken.ErrBadSignature, 1},
		{"payload swapped after signing", func(now time.Time) string {
			signed := strings.Split(sign(t, good, good.kid, connectClaims(now)), ".")
			c := connectClaims(now)
			c["sub"] = "0002ffffffffffffffffffffffffffff"
			forged := strings.Split(rawJWT(nil, c, nil), ".")
			return signed[0] + "." + forged[1] + "." + signed[2]
		}, idtoken.ErrBadSignature, 1},
		{"not a JWT", func(time.Time) string { return "eg1~not-a-jwt" }, idtoken.ErrMalformed, 0},
		{"empty", func(time.Time) string { return "" }, idtoken.ErrMalformed, 0},
		{"JSON serialization", func(time.Time) string { return `{"payload":"e30","protected":"eyJhbGciOiJSUzI1NiJ9","signature":"AA"}` }, idtoken.ErrMalformed, 0},
		{"too large", func(now time.Time) string {
			return set("pad", strings.Repeat("x", idtoken.MaxTokenBytes))(now)
		}, idtoken.ErrMalformed, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, &idtoken.Options{ClientID: testClientID, DeploymentID: testDeployment})
			raw := tc.token(e.clock.Now())
			c, err := e.connect.Verify(context.Background(), raw)
			assert.Equal(t, tc.fetches, e.epic.count(connectJWKS), "key-set fetches")
			if tc.want == nil {
				require.NoError(t, err)
				assert.Equal(t, testPUID, c.Subject)
				return
			}
			require.ErrorIs(t, err, tc.want)
			assert.Nil(t, c)
			for _, part := range strings.Split(raw, ".") {
				if len(part) > 8 {
					assert.NotContains(t, err.Error(), part, "the error quotes the token")
				}
			}
		})
	}
}

// AllowedSkewPlus is just beyond the allowed clock skew.
const AllowedSkewPlus = idtoken.AllowedClockSkew + time.Second

func TestKindsNeverShareKeys(t *testing.T) {
	e := newEnv(t, nil)
	connectTok := e.connectToken(t)
	k := testKeys()[1]
	accountTok := sign(t, k, k.kid, accountClaims(e.clock.Now()))

	_, err := e.account.Verify(context.Background(), connectTok)
	require.ErrorIs(t, err, idtoken.ErrUnknownKey, "a Connect token given to an Account verifier")
	_, err = e.connect.Verify(context.Background(), accountTok)
	require.ErrorIs(t, err, idtoken.ErrUnknownKey, "an Account token given to a Connect verifier")
	assert.Equal(t, 1, e.epic.count(accountJWKS))
	assert.Equal(t, 1, e.epic.count(connectJWKS))
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t, nil)
	ks := testKeys()
	old, next := ks[0], ks[3]
	ctx := context.Background()
	oldTok := e.connectToken(t)
	_, err := e.connect.Verify(ctx, oldTok)
	require.NoError(t, err)

	t.Run("rollover: both keys published, the new kid triggers one fetch", func(t *testing.T) {
		e.epic.publish(connectJWKS, old, next)
		e.clock.Advance(idtoken.RefetchCooldown)
		_, err := e.connect.Verify(ctx, sign(t, next, next.kid, connectClaims(e.clock.Now())))
		require.NoError(t, err)
		_, err = e.connect.Verify(ctx, oldTok)
		require.NoError(t, err)
		assert.Equal(t, 2, e.epic.count(connectJWKS))
	})
	t.Run("rotated out: once the set is fetched again, a token of the old key is refused", func(t *testing.T) {
		newest := testKeys()[4]
		e.epic.publish(connectJWKS, newest)
		e.clock.Advance(idtoken.RefetchCooldown)
		_, err := e.connect.Verify(ctx, sign(t, newest, newest.kid, connectClaims(e.clock.Now())))
		require.NoError(t, err, "a new kid: the set is fetched again")
		_, err = e.connect.Verify(ctx, oldTok)
		require.ErrorIs(t, err, idtoken.ErrUnknownKey)
		assert.Equal(t, 3, e.epic.count(connectJWKS), "no second fetch within the cooldown")
		e.clock.Advance(idtoken.RefetchCooldown)
		_, err = e.connect.Verify(ctx, oldTok)
		require.ErrorIs(t, err, idtoken.ErrUnknownKey)
		assert.Equal(t, 4, e.epic.count(connectJWKS), "after the cooldown, one fetch finds the key still gone")
	})
}

func TestKidSprayIsBoundedByCooldown(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	_, err := e.connect.Verify(ctx, e.connectToken(t))
	require.NoError(t, err)
	attacker := testKeys()[2]
	claims := connectClaims(e.clock.Now())
	forged := sign(t, attacker, testKeys()[0].kid, claims)
	const tokens, perStep = 400, 20 // 20 steps of 10 s: 200 s of attack
	for i := range tokens {
		if i%perStep == 0 {
			e.clock.Advance(10 * time.Second)
		}
		kid := attacker.kid
		if i%2 == 0 {
			kid = "made-up-" + string(rune('a'+i%26)) + time.Duration(i).String()
		}
		_, err := e.connect.Verify(ctx, rawJWT(map[string]string{"alg": "RS256", "kid": kid}, claims, []byte("sig")))
		require.ErrorIs(t, err, idtoken.ErrUnknownKey)
		if i%perStep == 1 {
			_, err = e.connect.Verify(ctx, forged)
			require.ErrorIs(t, err, idtoken.ErrBadSignature)
		}
	}
	elapsed := e.clock.Now().Sub(testStart)
	assert.LessOrEqual(t, e.epic.count(connectJWKS), 1+int(elapsed/idtoken.RefetchCooldown)+1,
		"at most one fetch per cooldown over %s", elapsed)
	assert.GreaterOrEqual(t, e.epic.count(connectJWKS), 2, "keys are refetched after the cooldown")
	_, err = e.connect.Verify(ctx, e.connectToken(t))
	require.NoError(t, err, "real tokens still verify during the attack")
}

func TestConcurrentVerificationsShareOneFetch(t *testing.T) {
	e := newEnv(t, nil)
	gate, started := make(chan struct{}), make(chan struct{}, 1)
	e.epic.mu.Lock()
	e.epic.gate, e.epic.started = gate, started
	e.epic.mu.Unlock()
	tok := e.connectToken(t)

	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := e.connect.Verify(context.Background(), tok)
			errs <- err
		}()
	}
	<-started // one fetch is in flight, the others wait for it

	ctx, cancel := context.WithCancel(context.Background())
	impatient := make(chan error, 1)
	go func() {
		_, err := e.connect.Verify(ctx, tok)
		impatient <- err
	}()
	cancel()
	require.ErrorIs(t, <-impatient, context.Canceled, "a waiter gives up with its own context")

	close(gate)
	for range n {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, 1, e.epic.count(connectJWKS))
}

func TestKeySetUnavailable(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.epic.setStatus(http.StatusServiceUnavailable)
	tok := e.connectToken(t)

	_, err := e.connect.Verify(ctx, tok)
	require.ErrorIs(t, err, idtoken.ErrKeySetUnavailable)
	var epicErr *epicoauth.Error
	require.True(t, errors.As(err, &epicErr), "Epic's error is wrapped: %v", err)
	assert.Equal(t, http.StatusServiceUnavailable, epicErr.StatusCode)

	_, err = e.connect.Verify(ctx, tok)
	require.ErrorIs(t, err, idtoken.ErrKeySetUnavailable, "within the cooldown, the last failure")
	assert.Equal(t, 1, e.epic.count(connectJWKS))

	e.epic.setStatus(0)
	e.clock.Advance(idtoken.RefetchCooldown)
	_, err = e.connect.Verify(ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, 2, e.epic.count(connectJWKS))
}

func TestNotAKeySet(t *testing.T) {
	e := newEnv(t, nil)
	e.epic.mu.Lock() // published nowhere: 404
	delete(e.epic.sets, connectJWKS)
	e.epic.mu.Unlock()
	_, err := e.connect.Verify(context.Background(), e.connectToken(t))
	require.ErrorIs(t, err, idtoken.ErrKeySetUnavailable)
	assert.Contains(t, err.Error(), "404")
}

// TestKeysGoOIDCCannotRead: a key go-oidc cannot use is skipped (v3.21.0
// and later; older versions dropped the whole set), and a set go-oidc
// rejects is unavailable, never half-read.
func TestKeysGoOIDCCannotRead(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		want  error
	}{
		{"secp256k1 key (alg ES256K)", `{"kty":"EC","crv":"secp256k1","alg":"ES256K","kid":"k1","x":"AAAA","y":"AAAA"}`, nil},
		{"Ed448 key without alg", `{"kty":"OKP","crv":"Ed448","kid":"ed448","x":"AAAA"}`, nil},
		{"unknown key type", `{"kty":"PQC","kid":"future"}`, nil},
		{"RSA key without a modulus", `{"kty":"RSA","alg":"RS256","kid":"broken","e":"AQAB"}`, idtoken.ErrKeySetUnavailable},
		{"key that is not an object", `"key"`, idtoken.ErrKeySetUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.epic.extra = []json.RawMessage{json.RawMessage(tc.extra)}
			_, err := e.connect.Verify(context.Background(), e.connectToken(t))
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestPlainHTTPKeySetRefused(t *testing.T) {
	e := newFakeEpic(t)
	v := idtoken.NewVerifier(e.ctx(), idtoken.Connect, &idtoken.Options{ClientID: testClientID, BaseURL: "http://api.epicgames.dev"})
	_, err := v.Verify(context.Background(), sign(t, testKeys()[0], testKeys()[0].kid, connectClaims(time.Now())))
	require.ErrorIs(t, err, idtoken.ErrKeySetUnavailable)
	require.ErrorIs(t, err, epicoauth.ErrInsecureHTTP)
	assert.Zero(t, e.count(connectJWKS), "nothing sent")
}

func TestConfiguration(t *testing.T) {
	tok := rawJWT(map[string]string{"alg": "RS256", "kid": "k"}, map[string]any{}, []byte("s"))
	tests := []struct {
		name string
		kind idtoken.Kind
		opts *idtoken.Options
		want error
	}{
		{"nil options", idtoken.Connect, nil, idtoken.ErrNoClientID},
		{"no client id", idtoken.Account, &idtoken.Options{DeploymentID: testDeployment}, idtoken.ErrNoClientID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := idtoken.NewVerifier(context.Background(), tc.kind, tc.opts).Verify(context.Background(), tok)
			require.ErrorIs(t, err, tc.want)
		})
	}
	for name, c := range map[string]struct {
		kind idtoken.Kind
		base string
		msg  string
	}{
		"unknown kind":      {idtoken.Kind(7), "", "unknown Kind(7)"},
		"relative base URL": {idtoken.Connect, "api.epicgames.dev", "not an absolute URL"},
		"base URL query":    {idtoken.Connect, "https://api.epicgames.dev?x=1", "not an absolute URL"},
	} {
		t.Run(name, func(t *testing.T) {
			v := idtoken.NewVerifier(context.Background(), c.kind, &idtoken.Options{ClientID: testClientID, BaseURL: c.base})
			_, err := v.Verify(context.Background(), tok)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
	assert.Equal(t, "Connect", idtoken.Connect.String())
	assert.Equal(t, "Account", idtoken.Account.String())
}

package idtoken_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/epicoauth/epicoauth/idtoken"
)

// sentinels are the errors every failed Verify wraps one of.
var sentinels = []error{
	idtoken.ErrMalformed, idtoken.ErrUnsupportedAlgorithm, idtoken.ErrMissingKeyID, idtoken.ErrUnknownKey,
	idtoken.ErrBadSignature, idtoken.ErrKeySetUnavailable, idtoken.ErrWrongIssuer, idtoken.ErrWrongAudience,
	idtoken.ErrExpired, idtoken.ErrIssuedInFuture, idtoken.ErrWrongDeployment,
}

// checkOutcome fails unless err wraps a sentinel or c obeys every rule.
func checkOutcome(t *testing.T, e *env, c *idtoken.Claims, err error) {
	t.Helper()
	if err != nil {
		for _, s := range sentinels {
			if errors.Is(err, s) {
				return
			}
		}
		t.Fatalf("error wraps no sentinel: %v", err)
	}
	now := e.clock.Now()
	switch {
	case c.Subject == "":
		t.Fatal("accepted without a subject")
	case c.Issuer != "https://api.epicgames.dev" && !strings.HasPrefix(c.Issuer, "https://api.epicgames.dev/"):
		t.Fatalf("accepted issuer %q", c.Issuer)
	case !now.Before(c.Expiry.Add(idtoken.AllowedClockSkew)):
		t.Fatalf("accepted expiry %v at %v", c.Expiry, now)
	case c.IssuedAt.After(now.Add(idtoken.AllowedClockSkew)):
		t.Fatalf("accepted issue time %v at %v", c.IssuedAt, now)
	case c.DeploymentID != testDeployment:
		t.Fatalf("accepted deployment %q", c.DeploymentID)
	}
}

// FuzzVerify feeds Verify arbitrary tokens (headers, encodings, lengths).
func FuzzVerify(f *testing.F) {
	e := newEnv(f, &idtoken.Options{ClientID: testClientID, DeploymentID: testDeployment})
	f.Add(e.connectToken(f))
	f.Add(rawJWT(map[string]string{"alg": "none", "kid": "kid-A"}, connectClaims(testStart), nil))
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJSUzI1NiIsImtpZCI6ImtpZC1BIn0.e30.")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := e.connect.Verify(context.Background(), raw)
		checkOutcome(t, e, c, err)
	})
}

package idtoken

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/epicoauth/epicoauth/epictest"
)

// FuzzClaims feeds the claim parser and the claim rules hostile payloads,
// as a token signed by Epic's key would carry them (signing each input
// would make the fuzzer crawl).
func FuzzClaims(f *testing.F) {
	f.Add([]byte(`{"aud":"client","exp":1777640400,"iat":1777636800,"iss":"https://api.epicgames.dev/auth/v1/oauth","pfdid":"dep","sub":"0002","act":{"eat":"psn","pltfm":"playstation"}}`))
	f.Add([]byte(`{"aud":["client"],"exp":1e300,"iat":-1,"iss":"https://api.epicgames.dev","pfdid":"dep","sub":"x"}`))
	f.Add([]byte(`{"aud":"client","exp":"soon","act":{"eat":5}}`))
	f.Add([]byte(`{"aud":null,"exp":1.5,"iat":0.25,"iss":"https://api.epicgames.dev.attacker.example","sub":"x"}`))
	f.Add([]byte(`null`))
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	v := &Verifier{kind: Connect, clientID: "client", deploymentID: "dep", issuer: DefaultBaseURL, clock: epictest.NewClock(now)}
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, aud, err := parseClaims(Connect, payload)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("parse error is not ErrMalformed: %v", err)
			}
			return
		}
		if err := v.check(c, aud); err != nil {
			return
		}
		switch {
		case c.Subject == "":
			t.Fatal("accepted without a subject")
		case c.Issuer != DefaultBaseURL && !strings.HasPrefix(c.Issuer, DefaultBaseURL+"/"):
			t.Fatalf("accepted issuer %q", c.Issuer)
		case !now.Before(c.Expiry.Add(AllowedClockSkew)) || c.IssuedAt.After(now.Add(AllowedClockSkew)):
			t.Fatalf("accepted exp %v, iat %v at %v", c.Expiry, c.IssuedAt, now)
		case c.DeploymentID != "dep":
			t.Fatalf("accepted deployment %q", c.DeploymentID)
		}
	})
}

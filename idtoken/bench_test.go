package idtoken_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/epicoauth/epicoauth/epictest"
	"github.com/epicoauth/epicoauth/idtoken"
)

// benchKey is a 2048-bit key, the size of Epic's keys, for the cost of a
// real signature check.
var benchKey = sync.OnceValue(func() key {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return key{priv: k, kid: "bench-2048"}
})

// goOIDCVerifier is the baseline: go-oidc's own verifier on a remote key
// set, configured as closely to a Connect Verifier as it allows (it
// compares iss exactly and has no iat rule nor pfdid).
func goOIDCVerifier(e *env) *oidc.IDTokenVerifier {
	keys := oidc.NewRemoteKeySet(e.epic.ctx(), "https://api.epicgames.dev"+connectJWKS)
	return oidc.NewVerifier("https://api.epicgames.dev/auth/v1/oauth", keys,
		&oidc.Config{ClientID: testClientID, SupportedSigningAlgs: []string{oidc.RS256}, Now: e.clock.Now})
}

// BenchmarkVerify verifies a valid Connect ID token with the key set
// already cached, against go-oidc's own IDTokenVerifier in the same run.
func BenchmarkVerify(b *testing.B) {
	k := benchKey()
	e := newEnv(b, &idtoken.Options{ClientID: testClientID, DeploymentID: testDeployment})
	e.epic.publish(connectJWKS, k)
	raw := sign(b, k, k.kid, connectClaims(e.clock.Now()))
	ctx := context.Background()
	baseline := goOIDCVerifier(e)
	verifiers := []struct {
		name   string
		verify func() error
	}{
		{"idtoken", func() error { _, err := e.connect.Verify(ctx, raw); return err }},
		{"go-oidc", func() error { _, err := baseline.Verify(ctx, raw); return err }},
	}
	for _, v := range verifiers {
		if err := v.verify(); err != nil { // fetches the keys
			b.Fatal(err)
		}
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := v.verify(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(v.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := v.verify(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkKidSpray sends one fresh verifier a burst of 10,000 tokens with
// made-up kids, spread over ten minutes of a fake clock, and reports the
// key-set fetches the burst caused (fetches/burst); go-oidc's verifier
// takes the same burst.
func BenchmarkKidSpray(b *testing.B) {
	const tokens, span = 10_000, 10 * time.Minute
	claims := connectClaims(testStart)
	burst := make([]string, tokens)
	for i := range burst {
		burst[i] = rawJWT(map[string]string{"alg": "RS256", "kid": fmt.Sprintf("made-up-%d", i)}, claims, make([]byte, 256))
	}
	ctx := context.Background()
	for _, name := range []string{"idtoken", "go-oidc"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var fetches int
			for b.Loop() {
				e := &env{epic: newFakeEpic(b), clock: epictest.NewClock(testStart)}
				v := idtoken.NewVerifier(e.epic.ctx(), idtoken.Connect, &idtoken.Options{ClientID: testClientID, Clock: e.clock})
				baseline := goOIDCVerifier(e)
				for _, raw := range burst {
					var err error
					if name == "idtoken" {
						_, err = v.Verify(ctx, raw)
					} else {
						_, err = baseline.Verify(ctx, raw)
					}
					if err == nil {
						b.Fatal("a made-up kid verified")
					}
					e.clock.Advance(span / tokens)
				}
				fetches += e.epic.count(connectJWKS)
			}
			b.ReportMetric(float64(fetches)/float64(b.N), "fetches/burst")
		})
	}
}

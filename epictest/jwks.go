package epictest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"sync"
)

// Paths of the JSON Web Key Sets that ID tokens are verified against, the
// same as on Epic's hosts: one set for EOS Connect, another for EOS Auth
// (Epic Account Services). A token of one service never verifies against
// the other's set.
const (
	EOSConnectJWKSPath = "/auth/v1/oauth/jwks"
	EOSAuthJWKSPath    = "/epic/oauth/v2/.well-known/jwks.json"
)

// signingKey is the key a service signs its ID tokens with, and its kid
// (the RFC 7638 thumbprint, the form of Epic's kids).
type signingKey struct {
	key *rsa.PrivateKey
	kid string
}

// keyPool holds the RSA keys of every Server in the process, generated on
// first use: a 2048-bit key takes up to half a second under the race
// detector, and most tests never sign an ID token. Servers draw keys in
// order, so one server's keys are all distinct (Connect's from EOS Auth's,
// each rotation's from the last), while two servers may share keys.
var keyPool struct {
	mu   sync.Mutex
	keys []signingKey
}

// pooledKey returns the pool's i-th key, generating the missing ones.
func pooledKey(i int) signingKey {
	keyPool.mu.Lock()
	defer keyPool.mu.Unlock()
	for len(keyPool.keys) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic("epictest: generating an RSA key: " + err.Error())
		}
		keyPool.keys = append(keyPool.keys, signingKey{key: k, kid: thumbprint(&k.PublicKey)})
	}
	return keyPool.keys[i]
}

// signingKeyOf returns svc's current ID-token key, taking the next key of
// the pool if svc has none yet or its keys were rotated. s.mu must be held.
func (s *Server) signingKeyOf(svc service) signingKey {
	if k, ok := s.signingKeys[svc]; ok {
		return k
	}
	if s.signingKeys == nil {
		s.signingKeys = map[service]signingKey{}
	}
	k := pooledKey(s.keysDrawn)
	s.keysDrawn++
	s.signingKeys[svc] = k
	return k
}

// RotateKeys replaces the ID-token signing keys of EOS Connect and EOS Auth
// with new ones and stops publishing the old ones, as Epic does when it
// rotates keys: tokens issued before the call carry a kid that is no longer
// in either key set, and verify only against a key set cached before it.
func (s *Server) RotateKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.signingKeys)
}

// signIDToken returns claims as a JWT signed with RS256 by svc's current
// key (svcConnect or svcEOSAuth), verifiable against svc's key set. s.mu
// must be held.
func (s *Server) signIDToken(svc service, claims any) string {
	k := s.signingKeyOf(svc)
	input := jwtSegment(map[string]string{"alg": "RS256", "kid": k.kid, "typ": "JWT"}) + "." + jwtSegment(claims)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, k.key, crypto.SHA256, digest[:])
	if err != nil {
		panic("epictest: signing an ID token: " + err.Error())
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// jwk is a public RSA key in a JWKS, fields in the order of Epic's
// published keys (testdata/fixtures/account-publickey-jwk.json), with the
// use and alg members key sets carry.
type jwk struct {
	Kty string `json:"kty"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// publicJWK returns k's public half as a JWK.
func publicJWK(k signingKey) jwk {
	pub := k.key.PublicKey
	return jwk{Kty: "RSA", E: b64Int(big.NewInt(int64(pub.E))), Kid: k.kid, N: b64Int(pub.N), Use: "sig", Alg: "RS256"}
}

// b64Int is a JWK integer: big-endian bytes, base64url without padding.
func b64Int(i *big.Int) string { return base64.RawURLEncoding.EncodeToString(i.Bytes()) }

// thumbprint is pub's RFC 7638 SHA-256 thumbprint: the hash of its
// required members in lexical order, without spaces.
func thumbprint(pub *rsa.PublicKey) string {
	sum := sha256.Sum256([]byte(`{"e":"` + b64Int(big.NewInt(int64(pub.E))) + `","kty":"RSA","n":"` + b64Int(pub.N) + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// jwksHandler serves GET of svc's key set: its current key only, so a key
// is rotated out as soon as RotateKeys replaces it.
func (s *Server) jwksHandler(svc service) func(*call) reply {
	return func(*call) reply {
		return ok(map[string][]jwk{"keys": {publicJWK(s.signingKeyOf(svc))}})
	}
}

package idtoken_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
	"github.com/epicoauth/epicoauth/idtoken"
)

// Paths of Epic's two key sets.
const (
	connectJWKS = "/auth/v1/oauth/jwks"
	accountJWKS = "/epic/oauth/v2/.well-known/jwks.json"
)

const (
	testClientID   = "xyza7891muomRmynIIHaJB9COBKkwj6n"
	testDeployment = "62a9473a2dca46b29ccf17577fcf42d7"
	testPUID       = "0002968544584824a0c528dad8b75bf9"
	testAccountID  = "8f6b4f2a1c0e4d3b9a7e6c5d4b3a2f10"
)

// testStart is the fake clock's start.
var testStart = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// key is a test signing key and its kid.
type key struct {
	priv *rsa.PrivateKey
	kid  string
}

// testKeys are generated once per run, with 1024 bits (the least Go
// allows): a 2048-bit key takes up to half a second under the race
// detector. epictest's tokens, verified too, have 2048-bit keys.
var testKeys = sync.OnceValue(func() []key {
	keys := make([]key, 5)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			panic(err)
		}
		keys[i] = key{priv: k, kid: "kid-" + string(rune('A'+i))}
	}
	return keys
})

// fakeEpic answers GETs of Epic's key sets on https://api.epicgames.dev
// as the HTTP transport of the client a test puts in the context: the
// Verifier's real default BaseURL, with nothing leaving the process.
type fakeEpic struct {
	t testing.TB

	mu      sync.Mutex
	sets    map[string][]key  // published keys by path
	extra   []json.RawMessage // keys published besides, in every set
	fetches map[string]int    // GETs by path
	status  int               // answer status; 0 means 200
	gate    chan struct{}     // when set, answers wait for it to close
	started chan struct{}     // when set, gets a value as each fetch starts
}

func newFakeEpic(t testing.TB) *fakeEpic {
	ks := testKeys()
	return &fakeEpic{t: t, fetches: map[string]int{},
		sets: map[string][]key{connectJWKS: {ks[0]}, accountJWKS: {ks[1]}}}
}

// ctx carries an HTTP client whose transport is f.
func (f *fakeEpic) ctx() context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: f})
}

func (f *fakeEpic) publish(path string, keys ...key) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets[path] = keys
}

func (f *fakeEpic) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches[path]
}

func (f *fakeEpic) setStatus(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = status
}

func (f *fakeEpic) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	if req.Method != http.MethodGet || req.URL.Scheme != "https" || req.URL.Host != "api.epicgames.dev" || req.URL.RawQuery != "" ||
		req.Header.Get("User-Agent") != epicoauth.DefaultUserAgent || req.Header.Get("Authorization") != "" {
		f.mu.Unlock()
		f.t.Errorf("unexpected request %s %s", req.Method, req.URL)
		return nil, io.ErrUnexpectedEOF
	}
	f.fetches[req.URL.Path]++
	keys, found := f.sets[req.URL.Path]
	status, gate, started, extra := f.status, f.gate, f.started, f.extra
	f.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	set := map[string][]json.RawMessage{"keys": extra}
	for _, k := range jwks(keys).Keys {
		b, _ := k.MarshalJSON()
		set["keys"] = append(set["keys"], b)
	}
	body, _ := json.Marshal(set)
	switch {
	case status != 0:
		body = []byte(`{"errorCode":"errors.com.epicgames.common.server_error","errorMessage":"Sorry an error occurred and we were unable to resolve it","numericErrorCode":1000,"originatingService":"com.epicgames.eos.auth","intent":"prod"}`)
	case !found:
		status, body = http.StatusNotFound, []byte(`{"errorCode":"errors.com.epicgames.common.not_found","numericErrorCode":1004}`)
	default:
		status = http.StatusOK
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), Request: req}, nil
}

func jwks(keys []key) jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: "RS256", Use: "sig"})
	}
	return set
}

// sign returns claims as a compact JWS signed by k with RS256, naming
// kid in its header (none if kid is empty).
func sign(t testing.TB, k key, kid string, claims any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.priv}, opts)
	require.NoError(t, err)
	payload, ok := claims.([]byte)
	if !ok {
		payload, err = json.Marshal(claims)
		require.NoError(t, err)
	}
	jws, err := s.Sign(payload)
	require.NoError(t, err)
	out, err := jws.CompactSerialize()
	require.NoError(t, err)
	return out
}

// rawJWT assembles a JWT from a header and claims with the given
// signature bytes, for tokens no signer would make.
func rawJWT(header, claims any, sig []byte) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// connectClaims are the claims of a valid EOS Connect ID token issued at
// now, as Epic documents them.
func connectClaims(now time.Time) map[string]any {
	return map[string]any{
		"aud": testClientID, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
		"iss": "https://api.epicgames.dev/auth/v1/oauth", "pfdid": testDeployment, "pfpid": "prod-fn", "pfsid": "fn",
		"sub": testPUID, "act": map[string]any{"eat": "psn", "eaid": "1234567890123456789", "pltfm": "playstation", "dty": "PS5"},
	}
}

// accountClaims are the claims of a valid Epic Account Services ID token.
func accountClaims(now time.Time) map[string]any {
	return map[string]any{
		"appid": "fghi4567rNJHv9pNoyczQXo6DDJ6RDeq", "aud": testClientID, "cty": "DE", "dn": "alice",
		"exp": now.Add(2 * time.Hour).Unix(), "iat": now.Unix(), "iss": "https://api.epicgames.dev/epic/oauth/v2",
		"pfdid": testDeployment, "pfpid": "prod-fn", "pfsid": "fn", "sub": testAccountID,
		"eat": "steam", "eadn": "alice_on_steam", "pltfm": "steam",
	}
}

// env is a fake Epic, a fake clock and verifiers of both kinds on them.
type env struct {
	epic    *fakeEpic
	clock   *epictest.Clock
	connect *idtoken.Verifier
	account *idtoken.Verifier
}

func newEnv(t testing.TB, opts *idtoken.Options) *env {
	e := &env{epic: newFakeEpic(t), clock: epictest.NewClock(testStart)}
	if opts == nil {
		opts = &idtoken.Options{ClientID: testClientID}
	}
	opts.Clock = e.clock
	e.connect = idtoken.NewVerifier(e.epic.ctx(), idtoken.Connect, opts)
	e.account = idtoken.NewVerifier(e.epic.ctx(), idtoken.Account, opts)
	return e
}

// connectToken is a valid Connect token signed by the published key.
func (e *env) connectToken(t testing.TB) string {
	return sign(t, testKeys()[0], testKeys()[0].kid, connectClaims(e.clock.Now()))
}

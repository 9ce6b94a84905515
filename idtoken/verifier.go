package idtoken

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/epicoauth/epicoauth"
)

// Kind is a kind of Epic ID token. Each kind has its own key set, and a
// Verifier of one kind refuses tokens of the other.
type Kind int

const (
	// Connect is an EOS Connect (Game Services) ID token: the id_token of
	// an external_auth login, whose subject is the product user id (PUID).
	// Its keys are at /auth/v1/oauth/jwks.
	Connect Kind = iota + 1
	// Account is an Epic Account Services (EOS Auth) ID token: the
	// id_token of a login with the openid scope, whose subject is the Epic
	// account id. Its keys are at /epic/oauth/v2/.well-known/jwks.json.
	Account
)

// String returns "Connect" or "Account".
func (k Kind) String() string {
	switch k {
	case Connect:
		return "Connect"
	case Account:
		return "Account"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// jwksPath is where Epic publishes the kind's key set.
func (k Kind) jwksPath() string {
	switch k {
	case Connect:
		return "/auth/v1/oauth/jwks"
	case Account:
		return "/epic/oauth/v2/.well-known/jwks.json"
	}
	return ""
}

// DefaultBaseURL is Epic Online Services' Web API, the issuer of both
// kinds of ID token and the host of their key sets.
const DefaultBaseURL = "https://api.epicgames.dev"

// AllowedClockSkew is how far the clocks of Epic and of the verifying
// machine may disagree: a token is still accepted up to this long after
// its exp, and from this long before its iat.
const AllowedClockSkew = time.Minute

// MaxTokenBytes is the largest token Verify reads; Epic's ID tokens are
// about 1 KiB.
const MaxTokenBytes = 16 << 10

// Options configures NewVerifier. A nil *Options is an error, like one
// without ClientID.
type Options struct {
	// ClientID is your client id: a token is accepted only if its aud is
	// this id. Required.
	ClientID string
	// Optional. DeploymentID, when set, is the only deployment accepted
	// (the pfdid claim). Set it when your client serves several
	// deployments (such as a live and a test one).
	DeploymentID string
	// Optional. BaseURL is the issuer and key-set host; default
	// DefaultBaseURL. Point it at a fake such as epictest's. A token's
	// iss must be BaseURL or a URL under it: a lookalike host such as
	// https://api.epicgames.dev.example.com is refused.
	BaseURL string
	// Optional. Clock tells the time for exp and iat and for
	// RefetchCooldown; nil means the machine's clock.
	Clock epicoauth.Clock
}

// Verifier verifies Epic ID tokens of one kind for one client. It caches
// the kind's key set and is safe for concurrent use: create one when the
// server starts and share it.
//
// The cached set is fetched again when a token names a kid it lacks (Epic
// publishes a new key before it signs with it), at most once per
// RefetchCooldown. A key Epic has removed keeps verifying until then, and
// from then on its tokens fail with ErrUnknownKey.
type Verifier struct {
	kind         Kind
	clientID     string
	deploymentID string
	issuer       string
	clock        epicoauth.Clock
	keys         *keySet
	err          error // a configuration error, returned by every Verify
}

// rs256 is the one algorithm accepted.
var rs256 = []jose.SignatureAlgorithm{jose.RS256}

// NewVerifier returns a Verifier of kind's tokens. It fetches nothing: the
// key set is fetched by the first Verify, with the *http.Client that ctx
// carries under oauth2.HTTPClient (as golang.org/x/oauth2 and go-oidc's
// ClientContext put it), or a default client with timeouts. ctx is kept
// for that client only; cancelling it does not stop the Verifier.
//
// A configuration mistake (no ClientID, an unknown kind, a BaseURL that is
// not an absolute URL) is returned by every Verify.
func NewVerifier(ctx context.Context, kind Kind, opts *Options) *Verifier {
	if opts == nil {
		opts = &Options{}
	}
	v := &Verifier{kind: kind, clientID: opts.ClientID, deploymentID: opts.DeploymentID, clock: epicoauth.ClockOrReal(opts.Clock)}
	base := strings.TrimSuffix(opts.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	v.issuer = base
	u, err := url.Parse(base)
	switch {
	case kind.jwksPath() == "":
		v.err = fmt.Errorf("idtoken: unknown %v; use idtoken.Connect or idtoken.Account", kind)
	case opts.ClientID == "":
		v.err = ErrNoClientID
	case err != nil || u.Scheme == "" || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		v.err = fmt.Errorf("idtoken: Options.BaseURL %q is not an absolute URL without query, like %q", base, DefaultBaseURL)
	default:
		v.keys = newKeySet(ctx, base+kind.jwksPath(), v.clock)
	}
	return v
}

// Verify checks an ID token a player sent and returns its claims. It
// accepts the token only if it is a JWS signed with RS256 whose kid names a
// key of the Verifier's kind (fetched from Epic, see RefetchCooldown), and
// its iss is Options.BaseURL or under it, its aud is Options.ClientID, its
// exp is not past and its iat not ahead (AllowedClockSkew either way), and
// its pfdid is Options.DeploymentID if that is set. Then Claims.Subject is
// the player's id.
//
// ctx bounds the wait for a key-set fetch, which concurrent calls share.
// Errors wrap one of this package's Err values (or ctx's error) and never
// contain the token.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	if v.err != nil {
		return nil, v.err
	}
	if len(raw) > MaxTokenBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than MaxTokenBytes", ErrMalformed, len(raw))
	}
	jws, err := jose.ParseSignedCompact(raw, rs256)
	if err != nil {
		var alg *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &alg) {
			return nil, fmt.Errorf("%w: alg %s", ErrUnsupportedAlgorithm, quote(string(alg.Got)))
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	kid := jws.Signatures[0].Header.KeyID
	if kid == "" {
		return nil, ErrMissingKeyID
	}
	payload, err := v.keys.verify(ctx, raw, kid)
	if err != nil {
		return nil, err
	}
	c, aud, err := parseClaims(v.kind, payload)
	if err != nil {
		return nil, err
	}
	if err := v.check(c, aud); err != nil {
		return nil, err
	}
	return c, nil
}

// check applies the claim rules to a token whose signature verified.
func (v *Verifier) check(c *Claims, aud []string) error {
	if c.Issuer != v.issuer && !strings.HasPrefix(c.Issuer, v.issuer+"/") {
		return fmt.Errorf("%w: iss %s, want %s or a URL under it", ErrWrongIssuer, quote(c.Issuer), v.issuer)
	}
	if !slices.Contains(aud, v.clientID) {
		return fmt.Errorf("%w: aud %s, want %s", ErrWrongAudience, quote(strings.Join(aud, " ")), v.clientID)
	}
	now := v.clock.Now()
	if !now.Before(c.Expiry.Add(AllowedClockSkew)) {
		return fmt.Errorf("%w: exp %s, now %s", ErrExpired, c.Expiry.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if c.IssuedAt.After(now.Add(AllowedClockSkew)) {
		return fmt.Errorf("%w: iat %s, now %s", ErrIssuedInFuture, c.IssuedAt.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if v.deploymentID != "" && c.DeploymentID != v.deploymentID {
		return fmt.Errorf("%w: pfdid %s, want %s", ErrWrongDeployment, quote(c.DeploymentID), v.deploymentID)
	}
	return nil
}

// quote shows a value taken from a token in an error: quoted, and cut
// short, since an attacker chooses it.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}

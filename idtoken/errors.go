package idtoken

import "errors"

// Errors of Verify, to match with errors.Is. Each error Verify returns wraps
// exactly one of them, with details such as the times or the audience it
// found, and never the token itself.
var (
	// ErrMalformed: the token is not a compact JWS with a JSON payload,
	// is larger than MaxTokenBytes, or lacks a claim every Epic ID token
	// has (iss, sub, aud, exp, iat).
	ErrMalformed = errors.New("idtoken: not a well-formed Epic ID token")
	// ErrUnsupportedAlgorithm: the header's alg is not RS256, the only
	// algorithm Epic signs ID tokens with ("none" and HMAC included).
	ErrUnsupportedAlgorithm = errors.New("idtoken: token is not signed with RS256")
	// ErrMissingKeyID: the header names no kid, which Epic requires.
	ErrMissingKeyID = errors.New("idtoken: token header has no kid")
	// ErrUnknownKey: the kid is not in the kind's key set, even after a
	// fresh fetch (or a fetch was not due: see RefetchCooldown). A token
	// of the other kind (Connect for Account, or the reverse) and a
	// token signed by a key Epic has rotated out end here.
	ErrUnknownKey = errors.New("idtoken: token is signed by a key that is not in Epic's key set")
	// ErrBadSignature: the kid is known but the signature does not verify
	// with its key: the token was altered or forged.
	ErrBadSignature = errors.New("idtoken: token signature does not verify")
	// ErrKeySetUnavailable: Epic's key set could not be fetched (network,
	// an error status, not a key set); the cause is wrapped too. Nothing
	// can be said about the token: try again later.
	ErrKeySetUnavailable = errors.New("idtoken: cannot fetch Epic's key set")
	// ErrWrongIssuer: iss is neither Options.BaseURL nor a URL under it.
	ErrWrongIssuer = errors.New("idtoken: token is not issued by Epic")
	// ErrWrongAudience: aud is not Options.ClientID: the token was issued
	// to another client.
	ErrWrongAudience = errors.New("idtoken: token is issued to another client")
	// ErrExpired: exp is past, by more than AllowedClockSkew.
	ErrExpired = errors.New("idtoken: token has expired")
	// ErrIssuedInFuture: iat is ahead of now by more than
	// AllowedClockSkew.
	ErrIssuedInFuture = errors.New("idtoken: token is issued in the future")
	// ErrWrongDeployment: pfdid is not Options.DeploymentID.
	ErrWrongDeployment = errors.New("idtoken: token is issued for another deployment")
	// ErrNoClientID: Options.ClientID is empty. Every Verify of such a
	// Verifier fails with it: without the audience check any client's
	// token would pass.
	ErrNoClientID = errors.New("idtoken: Options.ClientID is empty; set it to your client id, the audience of the tokens")
)

package redisstore

import (
	"errors"
	"regexp"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/epicoauth/epicoauth/internal/redact"
)

// Error is the error of a Store operation that failed: Redis could not be
// reached or answered an error, or the stored value could not be read back.
// Its message names the operation and the key, never a token, the AEAD key
// or a Redis password; Unwrap returns the cause (the go-redis error, a
// net.Error for a connection failure, or an error matching
// epicoauth.ErrInvalidToken for a value that cannot be read back).
//
// A lost compare-and-set is not an Error: SaveIf reports it with an error
// that matches epicoauth.ErrStaleGeneration.
type Error struct {
	// Op is what failed: "load", "save", "lease", "renew lease" or
	// "release lease".
	Op string
	// Key is the Redis key the operation used.
	Key string
	// Err is the cause. Its own message is not redacted: print the Error,
	// not Err.
	Err error

	secrets []string // the Redis passwords the message must not show
}

// Error describes the failure with any Redis password in the cause's text
// replaced by "[REDACTED]" (redact.Marker).
func (e *Error) Error() string {
	cause := "unknown error"
	if e.Err != nil {
		cause = redactSecrets(e.Err.Error(), e.secrets)
	}
	return "epicoauth: redis " + e.Op + " (key " + strconv.Quote(e.Key) + "): " + cause
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrDecrypt is matched (errors.Is), together with epicoauth.ErrInvalidToken,
// by the error of loading a value that Options.AEAD cannot open: a wrong key,
// a value saved for another key name, a value altered in Redis, or a value
// saved without encryption while the Store has an AEAD (or the other way
// round).
var ErrDecrypt = errors.New("cannot decrypt the stored token")

// userinfo matches the password of a URL such as redis://user:pass@host.
var userinfo = regexp.MustCompile(`(://[^:/@\s]*:)[^@\s]*@`)

// redactSecrets removes every secret, and any password of a URL, from msg.
func redactSecrets(msg string, secrets []string) string {
	return userinfo.ReplaceAllString(redact.Secrets(msg, secrets), "${1}"+redact.Marker+"@")
}

// clientSecrets returns the passwords a client was configured with, so that
// errors can keep them out of their messages even if a server, a proxy or a
// future go-redis quotes them.
func clientSecrets(c redis.UniversalClient) []string {
	var secrets []string
	switch c := c.(type) {
	case *redis.Client:
		secrets = append(secrets, c.Options().Password)
	case *redis.ClusterClient:
		secrets = append(secrets, c.Options().Password)
	case *redis.Ring:
		secrets = append(secrets, c.Options().Password)
	}
	return secrets
}

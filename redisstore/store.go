package redisstore

import (
	"context"
	"crypto/cipher"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/redact"
)

// Default values of Options.
const (
	// DefaultLeaseTTL outlasts a token request with its retries, so a
	// holder that stalls for a moment (a long GC, a slow Redis) between two
	// renewals of its lease does not lose it.
	DefaultLeaseTTL = 30 * time.Second
	// DefaultPollInterval is how often a process waiting for the lease asks
	// for it again. A renewal takes a few hundred milliseconds.
	DefaultPollInterval = 100 * time.Millisecond
)

// Options configures a Store. A nil *Options means all defaults.
type Options struct {
	// Optional. LeaseTTL is how long the renewal lease lasts in Redis
	// without being renewed. While a process holds the lease, the Store
	// renews it every LeaseTTL/3; a process that dies holding it blocks the
	// others for at most LeaseTTL. Zero or negative means DefaultLeaseTTL.
	LeaseTTL time.Duration

	// Optional. PollInterval is how often a process that waits for the
	// lease (another process is renewing) asks for it again. Zero or
	// negative means DefaultPollInterval.
	PollInterval time.Duration

	// Optional. AEAD encrypts the token at rest, for Redis servers,
	// replicas and backups that people other than the token's owner can
	// read. Every save seals the token under a fresh random nonce with the
	// key name as associated data, so a value copied from another key
	// does not decrypt. Nil stores the token as JSON. Use AES-256-GCM
	// (crypto/aes and cipher.NewGCM) or XChaCha20-Poly1305 with a key that
	// every process of the fleet shares and that is not kept in Redis.
	AEAD cipher.AEAD
}

// Store is an epicoauth.SharedTokenStore that keeps one token in Redis, for
// a fleet of processes or replicas on any number of machines that share one
// Epic account: the engine of epicoauth.TokenSource takes the Store's lease
// before every renewal, so the fleet makes one token request per expiry and
// keeps one Epic session.
//
// Keys: the token lives in a hash at Key() with the fields "gen" (the
// generation, increased by every save), "token" (the token as
// epicoauth.MarshalToken writes it, or sealed by Options.AEAD) and "format"
// ("json" or "aead+json"); it never expires. The lease is a string at
// LeaseKey() (the key plus ":lease") that holds a random owner value and
// expires after Options.LeaseTTL. Every command and script touches one key,
// so on Redis Cluster the two keys may live in different slots; put a hash
// tag in the key ("{epic:1234}:token") to keep them on one node.
//
// A Store is safe for concurrent use. It does not close the client.
type Store struct {
	client       redis.UniversalClient
	key          string
	leaseKey     string
	leaseTTL     time.Duration
	pollInterval time.Duration
	aead         cipher.AEAD
	secrets      []string

	// sleep waits between two lease requests and two renewals; tests
	// replace it to step the Store deterministically.
	sleep func(ctx context.Context, d time.Duration) error
}

var _ epicoauth.SharedTokenStore = (*Store)(nil)

// New returns a Store that keeps the token under key on client: a
// *redis.Client, a Sentinel-backed failover client, a *redis.ClusterClient
// or a *redis.Ring. Every process of the fleet uses the same key (one key
// per Epic account) and, with encryption, the same Options.AEAD key.
func New(client redis.UniversalClient, key string, opts *Options) *Store {
	if opts == nil {
		opts = &Options{}
	}
	s := &Store{
		client:       client,
		key:          key,
		leaseKey:     key + ":lease",
		leaseTTL:     opts.LeaseTTL,
		pollInterval: opts.PollInterval,
		aead:         opts.AEAD,
		secrets:      clientSecrets(client),
		sleep:        epicoauth.RealClock().Sleep,
	}
	if s.leaseTTL <= 0 {
		s.leaseTTL = DefaultLeaseTTL
	}
	if s.pollInterval <= 0 {
		s.pollInterval = DefaultPollInterval
	}
	return s
}

// Key returns the Redis key of the token hash.
func (s *Store) Key() string { return s.key }

// LeaseKey returns the Redis key of the renewal lease: Key() + ":lease".
func (s *Store) LeaseKey() string { return s.leaseKey }

// Load returns the saved token, or nil and no error when nothing has been
// saved yet.
func (s *Store) Load(ctx context.Context) (*oauth2.Token, error) {
	tok, _, err := s.load(ctx)
	return tok, err
}

// load reads the token hash in one command.
func (s *Store) load(ctx context.Context) (*oauth2.Token, uint64, error) {
	vals, err := s.client.HMGet(ctx, s.key, fieldGeneration, fieldToken, fieldFormat).Result()
	if err != nil {
		return nil, 0, s.fail("load", s.key, err)
	}
	tok, gen, err := s.decode(vals[0], vals[1], vals[2])
	if err != nil {
		return nil, 0, s.fail("load", s.key, err)
	}
	return tok, gen, nil
}

// Save stores tok whatever the stored generation is, and increases it. A
// TokenSource on this Store saves through the lease (SaveIf) instead; Save
// is for a first login, a migration or a tool that writes the token once.
func (s *Store) Save(ctx context.Context, tok *oauth2.Token) error {
	data, format, err := s.encode(tok)
	if err != nil {
		return err
	}
	if err := saveScript.Run(ctx, s.client, []string{s.key}, data, format).Err(); err != nil {
		return s.fail("save", s.key, err)
	}
	return nil
}

// saveIf stores tok if the stored generation is still generation.
func (s *Store) saveIf(ctx context.Context, tok *oauth2.Token, generation uint64) (uint64, error) {
	data, format, err := s.encode(tok)
	if err != nil {
		return 0, err
	}
	gen, err := saveIfScript.Run(ctx, s.client, []string{s.key}, generation, data, format).Int64()
	if err != nil {
		return 0, s.fail("save", s.key, err)
	}
	if gen < 0 {
		return 0, fmt.Errorf("%w (redis key %q: generation %d is no longer the stored one)", epicoauth.ErrStaleGeneration, s.key, generation)
	}
	return uint64(gen), nil
}

// fail wraps err in an *Error that redacts the client's passwords.
func (s *Store) fail(op, key string, err error) error {
	return &Error{Op: op, Key: key, Err: err, secrets: s.secrets}
}

// String names the store's key and says whether it encrypts. It never
// shows the AEAD, the client's options or a token. (String, Format and
// MarshalJSON have value receivers so that a dereferenced Store is covered
// too.)
func (s Store) String() string {
	if s.aead != nil {
		return fmt.Sprintf("redisstore.Store(%q, encrypted)", s.key)
	}
	return fmt.Sprintf("redisstore.Store(%q)", s.key)
}

// Format makes every fmt verb, %#v and %+v included, print String.
func (s Store) Format(f fmt.State, verb rune) { redact.Format(f, verb, s.String()) }

// MarshalJSON describes the store as {"key": ..., "encrypted": ...}.
func (s Store) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Key       string `json:"key"`
		Encrypted bool   `json:"encrypted"`
	}{s.key, s.aead != nil})
}

package redisstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
)

// miniBackend runs the contract on an in-process miniredis, whose lease
// TTLs run out only when the test fast-forwards its clock.
func miniBackend(t *testing.T) (backend, *miniredis.Miniredis) {
	mr := miniredis.RunT(t)
	return backend{
		client: func(t *testing.T) redis.UniversalClient {
			c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
			t.Cleanup(func() { _ = c.Close() })
			return c
		},
		expire: func(t *testing.T, _ redis.UniversalClient, key string) {
			ttl := mr.TTL(key)
			require.Positive(t, ttl, "the lease has a TTL")
			mr.FastForward(ttl)
			require.False(t, mr.Exists(key))
		},
	}, mr
}

func TestContractOnMiniredis(t *testing.T) {
	b, _ := miniBackend(t)
	runContract(t, b)
}

func newAEAD(t testing.TB, key byte) cipher.AEAD {
	k := make([]byte, 32)
	for i := range k {
		k[i] = key
	}
	block, err := aes.NewCipher(k)
	require.NoError(t, err)
	aead, err := cipher.NewGCM(block)
	require.NoError(t, err)
	return aead
}

func TestEncryptionAtRest(t *testing.T) {
	b, mr := miniBackend(t)
	ctx := context.Background()
	s := New(b.client(t), "epic:enc", &Options{AEAD: newAEAD(t, 1)})
	require.NoError(t, s.Save(ctx, testToken("rt-SECRET-enc")))

	stored := mr.HGet("epic:enc", "token")
	assert.NotContains(t, stored, "rt-SECRET-enc", "the token is not stored in the clear")
	assert.NotContains(t, stored, "a1b2c3", "nor are its extras")
	assert.Equal(t, "aead+json", mr.HGet("epic:enc", "format"))

	tok, err := s.Load(ctx)
	require.NoError(t, err)
	assertSameToken(t, testToken("rt-SECRET-enc"), tok)

	require.NoError(t, s.Save(ctx, testToken("rt-SECRET-enc")))
	assert.NotEqual(t, stored, mr.HGet("epic:enc", "token"), "every save draws a fresh nonce")

	l := takeLease(t, s)
	gen, err := l.SaveIf(ctx, testToken("rt-SECRET-enc2"), 2)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), gen)
	tok, _, err = l.Load(ctx)
	require.NoError(t, err)
	assertSameToken(t, testToken("rt-SECRET-enc2"), tok)
	require.NoError(t, l.Release(ctx))

	// A copy of the value under another key name must not open: the key
	// name is the associated data.
	mr.HSet("epic:copy", "gen", "1", "token", mr.HGet("epic:enc", "token"), "format", "aead+json")

	for _, tc := range []struct {
		name  string
		store *Store
	}{
		{"WrongKey", New(b.client(t), "epic:enc", &Options{AEAD: newAEAD(t, 2)})},
		{"OtherKeyName", New(b.client(t), "epic:copy", &Options{AEAD: newAEAD(t, 1)})},
		{"NoAEAD", New(b.client(t), "epic:enc", nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.store.Load(ctx)
			require.ErrorIs(t, err, ErrDecrypt)
			require.ErrorIs(t, err, epicoauth.ErrInvalidToken)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "load", e.Op)
			assertNoSecret(t, err.Error())
		})
	}

	t.Run("PlainValueWithAEAD", func(t *testing.T) {
		plain := New(b.client(t), "epic:plain", nil)
		require.NoError(t, plain.Save(ctx, testToken("rt-SECRET-plain")))
		_, err := New(b.client(t), "epic:plain", &Options{AEAD: newAEAD(t, 1)}).Load(ctx)
		require.ErrorIs(t, err, ErrDecrypt, "a value planted in the clear is not trusted")
		assertNoSecret(t, err.Error())
	})
}

// assertNoSecret checks that text shows none of the tests' secrets.
func assertNoSecret(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{"SECRET", "hunter2"} {
		assert.NotContains(t, text, s)
	}
}

func TestCorruptValues(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields []string
	}{
		{"GenerationNotANumber", []string{"gen", "x1", "token", `{"refresh_token":"rt-SECRET"}`, "format", "json"}},
		{"GenerationZero", []string{"gen", "0", "token", `{"refresh_token":"rt-SECRET"}`, "format", "json"}},
		{"GenerationMissing", []string{"token", `{"refresh_token":"rt-SECRET"}`, "format", "json"}},
		{"TokenMissing", []string{"gen", "3", "format", "json"}},
		{"FormatMissing", []string{"gen", "3", "token", `{"refresh_token":"rt-SECRET"}`}},
		{"FormatUnknown", []string{"gen", "3", "token", `{"refresh_token":"rt-SECRET"}`, "format", "rt-SECRET-in-format"}},
		{"TokenNotJSON", []string{"gen", "3", "token", `rt-SECRET{`, "format", "json"}},
		{"TokenWithoutCredentials", []string{"gen", "3", "token", `{"token_type":"bearer"}`, "format", "json"}},
		{"TokenTooLarge", []string{"gen", "3", "token", `{"refresh_token":"rt-SECRET` + string(make([]byte, maxValue)) + `"}`, "format", "json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, mr := miniBackend(t)
			mr.HSet("epic:bad", tc.fields...)
			s := New(b.client(t), "epic:bad", nil)
			_, err := s.Load(context.Background())
			require.ErrorIs(t, err, epicoauth.ErrInvalidToken)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "load", e.Op)
			assert.Equal(t, "epic:bad", e.Key)
			assertNoSecret(t, err.Error())

			l := takeLease(t, s)
			_, _, err = l.Load(context.Background())
			require.ErrorIs(t, err, epicoauth.ErrInvalidToken)
			require.NoError(t, l.Release(context.Background()))
		})
	}

	t.Run("WrongType", func(t *testing.T) {
		b, mr := miniBackend(t)
		require.NoError(t, mr.Set("epic:string", "rt-SECRET"))
		s := New(b.client(t), "epic:string", nil)
		_, err := s.Load(context.Background())
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Contains(t, err.Error(), "WRONGTYPE")
		assertNoSecret(t, err.Error())
		err = s.Save(context.Background(), testToken("rt-SECRET-new"))
		require.ErrorAs(t, err, &e)
		assert.Equal(t, "save", e.Op)
		assertNoSecret(t, err.Error())
	})
}

func TestRedisDown(t *testing.T) {
	mr := miniredis.RunT(t)
	ctx := context.Background()
	// Fail at the first refused connection: go-redis's retries (seconds of
	// backoff) are the client's business, not the Store's.
	c := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = c.Close() })
	s := New(c, "epic:down", nil)
	l := takeLease(t, s)
	mr.Close()

	_, err := s.Load(ctx)
	assertRedisError(t, err, "load", "epic:down")
	assertRedisError(t, s.Save(ctx, testToken("rt-SECRET")), "save", "epic:down")
	_, err = s.Lease(ctx)
	assertRedisError(t, err, "lease", "epic:down:lease")
	_, _, err = l.Load(ctx)
	assertRedisError(t, err, "load", "epic:down")
	_, err = l.SaveIf(ctx, testToken("rt-SECRET"), 1)
	assertRedisError(t, err, "save", "epic:down")
	_, err = l.renew(ctx, time.Second)
	assertRedisError(t, err, "renew lease", "epic:down:lease")
	err = l.Release(ctx)
	assertRedisError(t, err, "release lease", "epic:down:lease")
	assert.Equal(t, err, l.Release(ctx), "a second Release returns the first result")
}

func assertRedisError(t *testing.T, err error, op, key string) {
	t.Helper()
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, op, e.Op)
	assert.Equal(t, key, e.Key)
	var netErr net.Error
	assert.ErrorAs(t, err, &netErr, "unwraps to the connection error")
	assert.Contains(t, err.Error(), "epicoauth: redis "+op)
	assertNoSecret(t, err.Error())
}

func TestErrorsRedactPasswords(t *testing.T) {
	mr := miniredis.RunT(t)
	mr.RequireAuth("right-password")
	c := redis.NewClient(&redis.Options{Addr: mr.Addr(), Password: "hunter2-wrong"})
	t.Cleanup(func() { _ = c.Close() })
	s := New(c, "epic:auth", nil)
	_, err := s.Load(context.Background())
	var e *Error
	require.ErrorAs(t, err, &e)
	assertNoSecret(t, err.Error())

	// A cause that quotes the password or a redis URL with one.
	e = &Error{Op: "load", Key: "k", Err: errors.New("dial redis://user:hunter2-url@host:6379/0: password hunter2-wrong refused"), secrets: s.secrets}
	assert.Equal(t, `epicoauth: redis load (key "k"): dial redis://user:[REDACTED]@host:6379/0: password [REDACTED] refused`, e.Error())
	assert.Equal(t, `epicoauth: redis load (key "k"): unknown error`, (&Error{Op: "load", Key: "k"}).Error())
}

func TestStoreNeverPrintsSecrets(t *testing.T) {
	mr := miniredis.RunT(t)
	c := redis.NewClient(&redis.Options{Addr: mr.Addr(), Password: "hunter2-pw"})
	t.Cleanup(func() { _ = c.Close() })
	s := New(c, "epic:acct", &Options{AEAD: newAEAD(t, 0x42)})
	mr.RequireAuth("hunter2-pw")
	l := takeLease(t, s)
	defer l.Release(context.Background())

	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{s, l, *s} {
			text := fmt.Sprintf(verb, v)
			assertNoSecret(t, text)
			assert.NotContains(t, text, l.owner)
			assert.NotContains(t, text, "4242")
		}
	}
	assert.Equal(t, `redisstore.Store("epic:acct", encrypted)`, s.String())
	assert.Equal(t, `redisstore lease "epic:acct:lease"`, fmt.Sprint(l))
	data, err := json.Marshal(s)
	require.NoError(t, err)
	assert.JSONEq(t, `{"key":"epic:acct","encrypted":true}`, string(data))
	assert.Equal(t, `redisstore.Store("k")`, New(c, "k", nil).String())
}

func TestOptionsDefaults(t *testing.T) {
	s := New(nil, "k", nil)
	assert.Equal(t, DefaultLeaseTTL, s.leaseTTL)
	assert.Equal(t, DefaultPollInterval, s.pollInterval)
	assert.Equal(t, "k", s.Key())
	assert.Equal(t, "k:lease", s.LeaseKey())
	s = New(nil, "k", &Options{LeaseTTL: -1, PollInterval: -1})
	assert.Equal(t, DefaultLeaseTTL, s.leaseTTL)
	assert.Equal(t, DefaultPollInterval, s.pollInterval)
	s = New(nil, "k", &Options{LeaseTTL: time.Minute, PollInterval: time.Second})
	assert.Equal(t, time.Minute, s.leaseTTL)
	assert.Equal(t, time.Second, s.pollInterval)
}

func TestSaveNilToken(t *testing.T) {
	b, mr := miniBackend(t)
	s := New(b.client(t), "epic:nil", nil)
	require.Error(t, s.Save(context.Background(), nil))
	assert.False(t, mr.Exists("epic:nil"), "nothing written")
}

// TestClusterClient runs a renewal through a *redis.ClusterClient (miniredis
// answers as a one-node cluster): the scripts route by their one key.
func TestClusterClient(t *testing.T) {
	mr := miniredis.RunT(t)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{mr.Addr()}})
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	s := New(c, "{epic:1234}:token", nil)
	require.NoError(t, s.Save(ctx, testToken("rt-1")))
	l := takeLease(t, s)
	_, gen, err := l.Load(ctx)
	require.NoError(t, err)
	gen, err = l.SaveIf(ctx, testToken("rt-2"), gen)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), gen)
	require.NoError(t, l.Release(ctx))
	tok, err := s.Load(ctx)
	require.NoError(t, err)
	assertSameToken(t, testToken("rt-2"), tok)
	assert.Equal(t, "{epic:1234}:token:lease", s.LeaseKey())
}

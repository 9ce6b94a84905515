package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth/redisstore/internal/redistest"
)

// TestContractOnRedisServer runs the contract on a real redis-server that
// the test starts (skipped with how to install it when the binary is
// missing, except under CI=true, where it fails).
func TestContractOnRedisServer(t *testing.T) {
	srv := redistest.Start(t)
	runContract(t, backend{
		client: func(t *testing.T) redis.UniversalClient { return srv.Client(t) },
		expire: func(t *testing.T, c redis.UniversalClient, key string) {
			// Let the server's own TTL run out, a millisecond from now.
			ctx := context.Background()
			require.NoError(t, c.PExpire(ctx, key, time.Millisecond).Err())
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				n, err := c.Exists(ctx, key).Result()
				require.NoError(t, err)
				if n == 0 {
					return
				}
				<-tick.C
			}
		},
	})
}

// TestRedisServerDown checks the typed error of a server that died.
func TestRedisServerDown(t *testing.T) {
	srv := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = c.Close() })
	s := New(c, "epic:down", nil)
	ctx := context.Background()
	require.NoError(t, s.Save(ctx, testToken("rt-SECRET-before")))
	srv.Stop()
	srv.Stop() // a second Stop does nothing

	_, err := s.Load(ctx)
	assertRedisError(t, err, "load", "epic:down")
	_, err = s.Lease(ctx)
	assertRedisError(t, err, "lease", "epic:down:lease")
}

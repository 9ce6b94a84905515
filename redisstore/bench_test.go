package redisstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth/redisstore/internal/redistest"
)

// BenchmarkRenewalRoundTrip measures what one coordinated renewal costs in
// Redis on top of the token request itself: take the lease, load, save by
// compare-and-set, release (four round trips), on a real redis-server
// over loopback. Reproduce with
//
//	go test -run '^$' -bench . -benchmem ./redisstore/
func BenchmarkRenewalRoundTrip(b *testing.B) {
	srv := redistest.Start(b)
	for _, encrypted := range []bool{false, true} {
		name := "JSON"
		opts := &Options{}
		if encrypted {
			name = "AES-GCM"
			opts.AEAD = newAEAD(b, 9)
		}
		b.Run(name, func(b *testing.B) {
			s := New(srv.Client(b), "bench:"+name, opts)
			ctx := context.Background()
			tok := testToken("rt-bench")
			require.NoError(b, s.Save(ctx, tok))
			b.ReportAllocs()
			for b.Loop() {
				l, err := s.Lease(ctx)
				if err != nil {
					b.Fatal(err)
				}
				_, gen, err := l.Load(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := l.SaveIf(ctx, tok, gen); err != nil {
					b.Fatal(err)
				}
				if err := l.Release(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

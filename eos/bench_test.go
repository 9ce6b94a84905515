package eos_test

import (
	"context"
	"net/http"
	"testing"

	"golang.org/x/oauth2"
)

// The web login of AuthConfig against oauth2.Config doing the same over
// the same loopback server, in the same run (see BENCHMARKS.md):
//
//	go test -run '^$' -bench 'AuthCodeURL|Exchange' -benchmem -count 10 ./eos

func BenchmarkAuthCodeURL(b *testing.B) {
	srv := newEASServer(b, func(seen) (int, []byte) { return http.StatusOK, nil })
	ours := srv.config(nil)
	theirs := &oauth2.Config{ClientID: ours.ClientID, Endpoint: ours.Endpoint, RedirectURL: ours.RedirectURL, Scopes: ours.Scopes}
	verifier := oauth2.GenerateVerifier()
	b.Run("impl=epicoauth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = ours.AuthCodeURL("state", oauth2.S256ChallengeOption(verifier))
		}
	})
	b.Run("impl=x-oauth2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = theirs.AuthCodeURL("state", oauth2.S256ChallengeOption(verifier))
		}
	})
}

func BenchmarkExchange(b *testing.B) {
	body := easToken(1, nil)
	srv := newEASServer(b, func(seen) (int, []byte) { return http.StatusOK, body })
	ours := srv.config(nil)
	theirs := &oauth2.Config{ClientID: ours.ClientID, ClientSecret: ours.ClientSecret, Endpoint: ours.Endpoint,
		RedirectURL: ours.RedirectURL, Scopes: ours.Scopes}
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	b.Run("impl=epicoauth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ours.Exchange(ctx, "auth-code-1", oauth2.VerifierOption(verifier)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=x-oauth2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := theirs.Exchange(ctx, "auth-code-1", oauth2.VerifierOption(verifier)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

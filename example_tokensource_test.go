package epicoauth_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/epicoauth/epicoauth"
)

// login stands for whatever gets a new token (epic.Config.TokenSource
// does this for Epic); it counts how often it runs.
type login struct{ n int }

func (l *login) Token() (*oauth2.Token, error) {
	l.n++
	tok := &oauth2.Token{
		AccessToken:  fmt.Sprint("access-", l.n),
		TokenType:    "bearer",
		RefreshToken: fmt.Sprint("refresh-", l.n),
		Expiry:       time.Now().Add(2 * time.Hour),
	}
	return tok.WithExtra(map[string]any{"account_id": "94b1569506b04f9f8557af611e8c5e47"}), nil
}

// A TokenSource with a FileStore saves every new token, extras included,
// so the next run of the program starts from the file instead of a login.
func ExampleFileStore() {
	dir, err := os.MkdirTemp("", "epicoauth-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store := &epicoauth.FileStore{Path: filepath.Join(dir, "token.json")}
	src := &login{}

	// First run: log in; the token lands in the file before Token returns.
	ts := epicoauth.NewTokenSource(src, &epicoauth.TokenSourceOptions{Store: store})
	if _, err := ts.Token(); err != nil {
		log.Fatal(err)
	}
	ts.Close()

	// Next run: resume from the file.
	saved, err := store.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	ts = epicoauth.NewTokenSource(src, &epicoauth.TokenSourceOptions{Store: store})
	defer ts.Close()
	ts.SetToken(saved)
	tok, err := ts.Token()
	if err != nil {
		log.Fatal(err)
	}
	info, err := os.Stat(store.Path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.AccessToken, tok.Extra("account_id"))
	fmt.Println("logins:", src.n)
	fmt.Println("file mode:", info.Mode().Perm())
	// Output:
	// access-1 94b1569506b04f9f8557af611e8c5e47
	// logins: 1
	// file mode: -rw-------
}

// uncached adapts a clientcredentials.Config, which makes a request on every
// Token(ctx) call, so that the TokenSource alone decides when to renew.
type uncached struct{ cc *clientcredentials.Config }

func (u uncached) Token() (*oauth2.Token, error) { return u.cc.Token(context.Background()) }

func (u uncached) TokenContext(ctx context.Context) (*oauth2.Token, error) { return u.cc.Token(ctx) }

// Any oauth2.TokenSource can be wrapped, not only Epic's: here a client
// credentials grant against some other OAuth 2 server (a local one).
func ExampleNewTokenSource() {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"token-%d","token_type":"bearer","expires_in":3600}`, n)
	}))
	defer srv.Close()
	cc := &clientcredentials.Config{ClientID: "my-client", ClientSecret: "my-secret", TokenURL: srv.URL}

	ts := epicoauth.NewTokenSource(uncached{cc}, &epicoauth.TokenSourceOptions{
		OnError: func(err error) { log.Print("token renewal: ", err) },
	})
	defer ts.Close()
	for range 3 {
		tok, err := ts.Token()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(tok.AccessToken)
	}
	fmt.Println("token requests:", requests.Load())
	// Output:
	// token-1
	// token-1
	// token-1
	// token requests: 1
}

package epic_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// A bot keeps its device auth in one file and its session in another. The
// first run logs in with the device auth; later runs resume the saved
// session, and every rotated refresh token is saved before it is used.
func ExampleConfig_StoredTokenSource() {
	// A stand-in for Epic's account service.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","expires_in":7200,"token_type":"bearer",`+
			`"refresh_token":"cccccccccccccccccccccccccccccccc","refresh_expires":28800,`+
			`"account_id":"94b1569506b04f9f8557af611e8c5e47","displayName":"lele stw moment"}`)
	}))
	defer srv.Close()
	dir, err := os.MkdirTemp("", "epic-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Saved once, when the device auth was created (epictoken does this).
	deviceAuthFile := filepath.Join(dir, "deviceauth.json")
	err = epic.SaveDeviceAuth(deviceAuthFile, epic.DeviceAuth{
		AccountID: "94b1569506b04f9f8557af611e8c5e47",
		DeviceID:  "435b52ece6d347479531c5132e209e53",
		Secret:    "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
	})
	if err != nil {
		log.Fatal(err)
	}

	// Every run.
	device, err := epic.LoadDeviceAuth(deviceAuthFile)
	if err != nil {
		log.Fatal(err)
	}
	cfg := &epic.Config{
		ClientID:     "my-client-id",
		ClientSecret: "my-client-secret",
		Endpoint:     oauth2.Endpoint{TokenURL: srv.URL + "/account/api/oauth/token"},
	}
	store := &epicoauth.FileStore{Path: filepath.Join(dir, "session.json")}
	ts, err := cfg.StoredTokenSource(context.Background(), device, &epicoauth.TokenSourceOptions{
		Store:   store,
		OnError: func(err error) { log.Print("epic session: ", err) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	tok, err := ts.Token()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(device)
	fmt.Println(epic.DisplayName(tok))
	// Output:
	// DeviceAuth{AccountID: 94b1569506b04f9f8557af611e8c5e47, DeviceID: 435b52ece6d347479531c5132e209e53, Secret: [REDACTED]}
	// lele stw moment
}

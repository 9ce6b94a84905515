package epic_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epic"
)

// exampleService is a small fake of Epic's account service for the
// examples, answering with the recorded payloads in testdata.
type exampleService struct {
	*httptest.Server
	mu        sync.Mutex
	polls     [][]byte // answers to device_code polls, then a token
	challenge string   // the PKCE challenge of the last exchange code
}

func newExampleService(pollAnswers ...[]byte) *exampleService {
	s := &exampleService{polls: pollAnswers}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /account/api/oauth/token", s.token)
	mux.HandleFunc("POST /account/api/oauth/deviceAuthorization", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusOK, mustFixture("account-deviceAuthorization.json"))
	})
	mux.HandleFunc("POST /account/api/public/account/{id}/deviceAuth", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusOK, mustFixture("account-deviceAuth-create.json"))
	})
	mux.HandleFunc("DELETE /account/api/oauth/sessions/kill/{token}", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /account/api/oauth/exchange", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.challenge = r.URL.Query().Get("codeChallenge")
		s.mu.Unlock()
		reply(w, http.StatusOK, mustFixture("account-exchange-consumingClientId.json"))
	})
	s.Server = httptest.NewServer(mux)
	return s
}

func (s *exampleService) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
		reply(w, http.StatusOK, mustFixture("account-token-client_credentials.json"))
	case "device_code":
		if len(s.polls) > 0 {
			reply(w, http.StatusBadRequest, s.polls[0])
			s.polls = s.polls[1:]
			return
		}
		reply(w, http.StatusOK, mustFixture("account-token-exchange_code.json"))
	case "device_auth":
		if r.PostForm.Get("secret") != "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" {
			reply(w, http.StatusBadRequest, mustFixture("reconstructed/error-invalid_account_credentials.json"))
			return
		}
		reply(w, http.StatusOK, mustFixture("account-token-exchange_code.json"))
	case "exchange_code":
		if oauth2.S256ChallengeFromVerifier(r.PostForm.Get("code_verifier")) != s.challenge {
			reply(w, http.StatusBadRequest, mustFixture("reconstructed/error-exchange_code_not_found.json"))
			return
		}
		reply(w, http.StatusOK, mustFixture("account-token-authorization_code.json"))
	default:
		reply(w, http.StatusBadRequest, mustFixture("error-unauthorized_client-token_to_token.json"))
	}
}

// endpoint points a Config at the fake.
func (s *exampleService) endpoint() oauth2.Endpoint {
	return oauth2.Endpoint{TokenURL: s.URL + "/account/api/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
}

// Log in once with a device code, keep a device auth, and log in with it
// from then on without a person.
func ExampleConfig_DeviceAuthorization() {
	epicFake := newExampleService(mustFixture("reconstructed/error-authorization_pending.json"))
	defer epicFake.Close()
	ctx := context.Background()

	// fortniteNewSwitchGameClient may use the device_code grant. Leave
	// Endpoint and Clock empty in a real program: the fake clock here only
	// skips the 10 s waits between polls.
	cfg := &epic.Config{
		ClientID:     "98f7e42c2e3a4f86a74eb43fbb41ed39",
		ClientSecret: "0a2449a2-001a-451e-afec-3e812901c4d7",
		Endpoint:     epicFake.endpoint(),
		Clock:        newAutoClock(),
	}

	da, err := cfg.DeviceAuthorization(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Open %s and approve the login (code %s).\n", da.VerificationURIComplete, da.UserCode)

	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Logged in as", epic.DisplayName(tok))

	created, err := cfg.CreateDeviceAuth(ctx, tok)
	if err != nil {
		log.Fatal(err)
	}
	saved, err := json.Marshal(created.DeviceAuth) // store it like a password
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Saved", created.DeviceAuth)
	// The device auth replaces the device-code session: end that one, since
	// Epic locks out accounts with too many live sessions.
	if err := cfg.Revoke(ctx, tok); err != nil {
		log.Fatal(err)
	}

	// Any later run: load the device auth and use it as the grant.
	var deviceAuth epic.DeviceAuth
	if err := json.Unmarshal(saved, &deviceAuth); err != nil {
		log.Fatal(err)
	}
	tok, err = cfg.TokenSource(ctx, deviceAuth).Token()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Logged in again as", epic.AccountID(tok))
	// Output:
	// Open https://www.epicgames.com/activate?userCode=VFSBBW9W and approve the login (code VFSBBW9W).
	// Logged in as lele stw moment
	// Saved DeviceAuth{AccountID: 94b1569506b04f9f8557af611e8c5e47, DeviceID: 435b52ece6d347479531c5132e209e53, Secret: [REDACTED]}
	// Logged in again as 94b1569506b04f9f8557af611e8c5e47
}

// Hand a session of one client to another with an exchange code, bound to
// the receiving client and to a PKCE verifier.
func ExampleConfig_CreateExchangeCode() {
	epicFake := newExampleService()
	defer epicFake.Close()
	ctx := context.Background()

	clock := newAutoClock() // only for the printed expiry
	switchCfg := &epic.Config{ClientID: "98f7e42c2e3a4f86a74eb43fbb41ed39", ClientSecret: "0a2449a2-001a-451e-afec-3e812901c4d7", Endpoint: epicFake.endpoint(), Clock: clock}
	launcher := &epic.Config{ClientID: "34a02cf8f4414e29b15921876da36f9a", ClientSecret: "daafbccc737745039dffe53d94fc76cf", Endpoint: epicFake.endpoint(), Clock: clock}

	// A session of the Switch client, from a saved device auth.
	tok, err := switchCfg.Token(ctx, epic.DeviceAuth{AccountID: "94b1569506b04f9f8557af611e8c5e47", DeviceID: "435b52ece6d347479531c5132e209e53", Secret: "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"})
	if err != nil {
		log.Fatal(err)
	}

	verifier := oauth2.GenerateVerifier()
	x, err := switchCfg.CreateExchangeCode(ctx, tok, &epic.ExchangeCodeOptions{
		ConsumingClientID: launcher.ClientID,
		CodeChallenge:     oauth2.S256ChallengeFromVerifier(verifier),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(x) // the code itself is never printed

	// The launcher's client redeems it, within 300 s, once.
	launcherTok, err := launcher.Token(ctx, x.Grant(epic.CodeVerifier(verifier)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Launcher session for", epic.AccountID(launcherTok))
	// Output:
	// ExchangeCode{Code: [REDACTED], Expiry: 2023-11-12T13:05:00Z, CreatingClientID: 3446cd72694c4a4485d81b77adbb2141, ConsumingClientID: 34a02cf8f4414e29b15921876da36f9a}
	// Launcher session for 94b1569506b04f9f8557af611e8c5e47
}

// When Epic needs the person to do something first (accept a new privacy
// policy, confirm a date of birth), the login stops with a corrective
// action; tell the person where to go.
func ExampleConfig_DeviceAccessToken_correctiveAction() {
	epicFake := newExampleService(bodyCorrectiveAction)
	defer epicFake.Close()
	ctx := context.Background()
	cfg := &epic.Config{ClientID: "98f7e42c2e3a4f86a74eb43fbb41ed39", ClientSecret: "0a2449a2-001a-451e-afec-3e812901c4d7", Endpoint: epicFake.endpoint(), Clock: newAutoClock()}

	da, err := cfg.DeviceAuthorization(ctx)
	if err != nil {
		log.Fatal(err)
	}
	_, err = cfg.DeviceAccessToken(ctx, da)

	var e *epicoauth.Error
	if errors.As(err, &e) && e.ErrorCode == epicoauth.ErrorCodeCorrectiveActionRequired {
		fmt.Println("Epic needs you to act before you can log in:", e.CorrectiveAction)
		if e.ContinuationURL != "" {
			fmt.Println("Open", e.ContinuationURL, "then log in again.")
		} else {
			fmt.Println("Log in at https://www.epicgames.com, follow the prompts, then log in again.")
		}
	}
	// Output:
	// Epic needs you to act before you can log in: PRIVACY_POLICY_ACCEPTANCE
	// Open https://www.epicgames.com/id/continue?continuation=88888888888888888888888888888888 then log in again.
}

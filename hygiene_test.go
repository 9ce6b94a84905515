package epicoauth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

// The credentials of the hygiene test: every one is sent or issued by some
// path below, and none may come back in any text the library produces.
const (
	hygieneClientID      = "ec684b8c687f479fadea3cb2ad83f5c6"
	hygieneClientSecret  = "cs0SECRET0client0000000000000001"
	hygieneRefresh       = "rt0SECRET0refresh000000000000002"
	hygieneDeviceSecret  = "da0SECRET0device0000000000000003"
	hygieneAccess        = "at0SECRET0access0000000000000004"
	hygieneExchangeCode  = "ec0SECRET0exchange00000000000005"
	hygieneIssuedRefresh = "rt0SECRET0rotated000000000000006"
	hygieneAuthCode      = "ac0SECRET0authcode00000000000007"
	hygieneVerifier      = "cv0SECRET0verifier00000000000008"
	hygieneDeviceCode    = "dc0SECRET0devicecode000000000009"
	hygieneExternal      = "xt0SECRET0external00000000000010"
	hygieneContinuation  = "ct0SECRET0continuation0000000011"
	hygieneEOSSecret     = "es0SECRET0eosclient0000000000012"
	hygieneIDToken       = "id0SECRET0idtoken000000000000013"
)

var hygieneSecrets = []string{
	hygieneClientSecret, hygieneRefresh, hygieneDeviceSecret, hygieneAccess, hygieneExchangeCode,
	hygieneIssuedRefresh, hygieneAuthCode, hygieneVerifier, hygieneDeviceCode, hygieneExternal,
	hygieneContinuation, hygieneEOSSecret, hygieneIDToken,
	base64.StdEncoding.EncodeToString([]byte(hygieneClientID + ":" + hygieneClientSecret)),
	base64.StdEncoding.EncodeToString([]byte("eosclient:" + hygieneEOSSecret)),
}

// hygieneFault is how the hostile server answers: each one echoes what it
// received (form, Authorization header) or hands out credentials in a
// response the library must reject.
type hygieneFault func(w http.ResponseWriter, r *http.Request, echo string)

var hygieneFaults = map[string]hygieneFault{
	"400 error echoing the request": func(w http.ResponseWriter, _ *http.Request, echo string) {
		writeJSON(w, 400, fmt.Sprintf(`{"errorCode":"errors.com.epicgames.account.auth_token.invalid_refresh_token","errorMessage":"Sorry the request %s is invalid","messageVars":[%q],"numericErrorCode":18036,"originatingService":"com.epicgames.account.public","intent":"prod","error_description":%q,"error":"invalid_grant","correctiveAction":%q,"continuationUrl":"https://www.epicgames.com/id/continue?%s"}`, echo, echo, echo, echo, echo))
	},
	"502 HTML echoing the request": func(w http.ResponseWriter, _ *http.Request, echo string) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		_, _ = io.WriteString(w, "<html><body>upstream said: "+echo+"</body></html>")
	},
	"429 throttle echoing the request": func(w http.ResponseWriter, _ *http.Request, echo string) {
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, 429, fmt.Sprintf(`{"errorCode":"errors.com.epicgames.common.throttled","errorMessage":"%s","messageVars":["3600",%q],"numericErrorCode":1041}`, echo, echo))
	},
	"200 text echoing the request": func(w http.ResponseWriter, _ *http.Request, echo string) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, echo)
	},
	"200 error body carrying issued tokens": func(w http.ResponseWriter, _ *http.Request, echo string) {
		writeJSON(w, 200, fmt.Sprintf(`{"errorCode":"errors.com.epicgames.common.server_error","errorMessage":"issued %s","access_token":%q,"refresh_token":%q,"id_token":%q}`, hygieneAccess, hygieneAccess, hygieneIssuedRefresh, hygieneIDToken))
	},
	"200 token with repeated keys": func(w http.ResponseWriter, _ *http.Request, _ string) {
		writeJSON(w, 200, fmt.Sprintf(`{"access_token":%q,"access_token":%q,"refresh_token":%q,"expires_in":7200}`, hygieneAccess, hygieneAccess, hygieneIssuedRefresh))
	},
	"200 truncated token": func(w http.ResponseWriter, _ *http.Request, _ string) {
		writeJSON(w, 200, fmt.Sprintf(`{"refresh_token":%q,"access_token":"%s`, hygieneIssuedRefresh, hygieneAccess[:20]))
	},
	"200 token with a header break": func(w http.ResponseWriter, _ *http.Request, _ string) {
		writeJSON(w, 200, fmt.Sprintf(`{"access_token":"%s\r\nX: 1","refresh_token":%q}`, hygieneAccess, hygieneIssuedRefresh))
	},
	"200 over the size limit": func(w http.ResponseWriter, _ *http.Request, echo string) {
		writeJSON(w, 200, strings.Repeat(echo, 1<<21/max(1, len(echo))+1))
	},
	"503 echo, then the caller gives up": func(w http.ResponseWriter, _ *http.Request, echo string) {
		writeJSON(w, 503, fmt.Sprintf(`{"errorCode":"errors.com.epicgames.common.server_error","errorMessage":%q}`, echo))
	},
	"connection reset": func(w http.ResponseWriter, _ *http.Request, _ string) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	},
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// cancelClock sleeps at once, and cancels a context on its first Sleep
// when cancel is set, so that retries end with the caller giving up.
type cancelClock struct {
	mu     sync.Mutex
	now    time.Time
	cancel context.CancelFunc
}

func (c *cancelClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *cancelClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return ctx.Err()
}

// TestSecretHygiene drives every error path of the token flows of packages
// epic and eos against a server that echoes what it receives and hands out
// credentials in broken responses, then prints every error, config and
// grant every way fmt and log/slog can, and scans all of it for the
// credentials used.
func TestSecretHygiene(t *testing.T) {
	var mu sync.Mutex
	var fault hygieneFault
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		echo := string(body) + " " + r.Header.Get("Authorization")
		if r.URL.RawQuery != "" {
			echo += " " + r.URL.RawQuery
		}
		mu.Lock()
		f := fault
		mu.Unlock()
		f(w, r, echo)
	}))
	defer srv.Close()
	endpoint := oauth2.Endpoint{TokenURL: srv.URL + "/account/api/oauth/token"}

	epicGrants := map[string]epic.Grant{
		"client_credentials": epic.ClientCredentials(),
		"authorization_code": epic.AuthorizationCode(hygieneAuthCode, epic.CodeVerifier(hygieneVerifier)),
		"exchange_code":      epic.ExchangeCode(hygieneExchangeCode),
		"refresh_token":      epic.RefreshToken(hygieneRefresh),
		"device_code":        epic.DeviceCode(hygieneDeviceCode),
		"external_auth":      epic.ExternalAuth("steam_session_ticket", hygieneExternal),
		"token_to_token":     epic.TokenToToken(hygieneAccess),
		"continuation_token": epic.ContinuationToken(hygieneContinuation),
		"device_auth":        epic.DeviceAuth{AccountID: "94b1569506b04f9f8557af611e8c5e47", DeviceID: "435b52ece6d347479531c5132e209e53", Secret: hygieneDeviceSecret},
		"custom":             epicoauth.NewGrant("otp", url.Values{"otp": {hygieneExternal}, "challenge": {hygieneContinuation}}, false),
	}
	eosGrants := map[string]eos.Grant{
		"client_credentials": eos.ClientCredentials(),
		"external_auth":      eos.ExternalAuth(eos.EpicGamesAccessToken, hygieneAccess),
		"external_auth_from": eos.ExternalAuthFrom(eos.EpicGamesAccessToken, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: hygieneAccess})),
	}
	easGrants := map[string]eos.Grant{
		"authorization_code": eos.AuthorizationCode(hygieneAuthCode, oauth2.VerifierOption(hygieneVerifier)),
		"exchange_code":      eos.ExchangeCode(hygieneExchangeCode),
		"exchange_code_from": eos.ExchangeCodeFrom(func(context.Context) (string, error) { return hygieneExchangeCode, nil }),
		"refresh_token":      eos.RefreshToken(hygieneRefresh),
		"external_auth":      eos.ExternalAuth(eos.SteamSessionTicket, hygieneExternal),
	}

	var texts []string
	var errs int
	collect := func(t *testing.T, label string, err error) {
		t.Helper()
		require.Error(t, err, label)
		errs++
		texts = append(texts, errorTexts(t, err)...)
	}

	for name, f := range hygieneFaults {
		mu.Lock()
		fault = f
		mu.Unlock()
		t.Run(name, func(t *testing.T) {
			for gname, g := range epicGrants {
				ctx, clock := hygieneContext(name)
				cfg := &epic.Config{ClientID: hygieneClientID, ClientSecret: hygieneClientSecret, Endpoint: endpoint, Clock: clock, DeviceID: "63e3b71af76e4fc48841b92c5eb3d69d"}
				_, err := cfg.Token(ctx, g)
				collect(t, "epic "+gname, err)
				texts = append(texts, formatted(cfg, g)...)
			}
			for gname, g := range eosGrants {
				ctx, clock := hygieneContext(name)
				cfg := &eos.Config{ClientID: "eosclient", ClientSecret: hygieneEOSSecret, DeploymentID: "62a9473a2dca46b29ccf17577fcf42d7", Endpoint: endpoint, Clock: clock}
				_, err := cfg.Token(ctx, g)
				collect(t, "eos "+gname, err)
				texts = append(texts, formatted(cfg, g)...)
			}
			for gname, g := range easGrants {
				ctx, clock := hygieneContext(name)
				cfg := &eos.AuthConfig{ClientID: "easclient", ClientSecret: hygieneEOSSecret, DeploymentID: "d", Endpoint: endpoint, Clock: clock}
				_, err := cfg.Token(ctx, g)
				collect(t, "eas "+gname, err)
				texts = append(texts, formatted(cfg, g)...)
			}
			// The EOS Auth endpoints that take a token; some 200 faults
			// are valid answers there.
			eas := &eos.AuthConfig{ClientID: "easclient", ClientSecret: hygieneEOSSecret, Endpoint: endpoint}
			ctx, _ := hygieneContext(name)
			_, infoErr := eas.TokenInfo(ctx, hygieneAccess)
			_, userErr := eas.UserInfo(ctx, &oauth2.Token{AccessToken: hygieneAccess})
			for _, err := range []error{infoErr, userErr, eas.Revoke(ctx, hygieneRefresh)} {
				if err != nil {
					texts = append(texts, errorTexts(t, err)...)
				}
			}
			// A saved session whose refresh fails, through a TokenSource.
			ctx, clock := hygieneContext(name)
			cfg := &epic.Config{ClientID: hygieneClientID, ClientSecret: hygieneClientSecret, Endpoint: endpoint, Clock: clock}
			saved := &oauth2.Token{AccessToken: hygieneAccess, RefreshToken: hygieneRefresh, Expiry: clock.Now().Add(-time.Minute)}
			_, err := cfg.ResumeTokenSource(ctx, saved, nil).TokenContext(ctx)
			collect(t, "resumed session", err)
		})
	}

	// A valid token without the nonce EOS must echo is discarded.
	mu.Lock()
	fault = func(w http.ResponseWriter, _ *http.Request, _ string) {
		writeJSON(w, 200, fmt.Sprintf(`{"access_token":%q,"id_token":%q,"expires_in":3599}`, hygieneAccess, hygieneIDToken))
	}
	mu.Unlock()
	_, err := (&eos.Config{ClientID: "eosclient", ClientSecret: hygieneEOSSecret, DeploymentID: "d", Endpoint: endpoint}).Token(context.Background(), eos.ClientCredentials())
	collect(t, "eos nonce mismatch", err)

	// Plain http to a remote host is refused before anything is sent.
	remote := &epic.Config{ClientID: hygieneClientID, ClientSecret: hygieneClientSecret, Endpoint: oauth2.Endpoint{TokenURL: "http://account-public-service-prod.ol.epicgames.com/account/api/oauth/token?secret=" + hygieneDeviceSecret}}
	_, err = remote.Token(context.Background(), epic.RefreshToken(hygieneRefresh))
	require.ErrorIs(t, err, epicoauth.ErrInsecureHTTP)
	collect(t, "insecure endpoint", err)

	require.Greater(t, errs, 150, "every fault on every grant produced an error")
	for _, text := range texts {
		for _, secret := range hygieneSecrets {
			if strings.Contains(text, secret) {
				t.Errorf("secret %q leaked:\n%s", secret, text)
			}
		}
	}
}

// hygieneContext is the context and clock of one request: the fault that
// tests giving up cancels the context in the first retry wait.
func hygieneContext(fault string) (context.Context, *cancelClock) {
	clock := &cancelClock{now: time.Date(2023, 11, 12, 9, 29, 34, 0, time.UTC)}
	ctx := context.Background()
	if strings.Contains(fault, "gives up") {
		ctx, clock.cancel = context.WithCancel(ctx)
	}
	return ctx, clock
}

// errorTexts is everything an error can be turned into: its text in every
// fmt verb, slog's text and JSON output, and the fields, body and request
// of the *epicoauth.Error and *oauth2.RetrieveError inside it.
func errorTexts(t *testing.T, err error) []string {
	t.Helper()
	texts := append(formatted(err), logged(err)...)
	var e *epicoauth.Error
	if errors.As(err, &e) {
		texts = append(texts, string(e.Body), e.ErrorCode, e.ErrorMessage, e.OAuthError, e.OAuthErrorDescription,
			e.Detail, e.CorrectiveAction, e.Continuation, e.ContinuationURL, e.CorrelationID)
		texts = append(texts, e.MessageVars...)
		if e.Response != nil && e.Response.Request != nil {
			dump, derr := httputil.DumpRequest(e.Response.Request, true)
			require.NoError(t, derr)
			texts = append(texts, string(dump), e.Response.Request.URL.String())
		}
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		texts = append(texts, re.Error(), fmt.Sprintf("%+v", re), string(re.Body))
	}
	return texts
}

// formatted prints each value with every fmt verb that reaches its fields.
func formatted(values ...any) []string {
	var out []string
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%t"} {
			out = append(out, fmt.Sprintf(verb, v))
		}
	}
	return out
}

// logged writes values through slog's text and JSON handlers.
func logged(values ...any) []string {
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		l := slog.New(h)
		for _, v := range values {
			l.Info("token request", "value", v)
			l.Error("token request failed", slog.Any("err", v))
		}
	}
	return []string{buf.String()}
}

// allVerbs are the fmt verbs a caller may put on a struct: each one reaches
// the fields of a type without a Format method. %p is not among them: fmt
// never calls Format for it and prints a struct value's fields raw, which
// no type can prevent (go vet reports %p on a non-pointer).
var allVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%b", "%o", "%O", "%c", "%U", "%e", "%E", "%f", "%g", "%G", "%T", "%10.3v", "%-8s", "% x", "%#x"}

// Every exported type that holds a secret prints, logs and marshals without
// it: under every fmt verb, both slog handlers and encoding/json. The types
// whose job is to be saved (DeviceAuth, CreatedDeviceAuth) are exempt from
// encoding/json only, as their docs say.
func TestTypesNeverPrintSecrets(t *testing.T) {
	deviceAuth := epic.DeviceAuth{AccountID: "94b1569506b04f9f8557af611e8c5e47", DeviceID: "435b52ece6d347479531c5132e209e53", Secret: hygieneDeviceSecret}
	tests := []struct {
		name  string
		value any
		saved bool // its JSON carries the secret on purpose
	}{
		{"epic.DeviceAuth", deviceAuth, true},
		{"*epic.DeviceAuth", &deviceAuth, true},
		{"epic.CreatedDeviceAuth", epic.CreatedDeviceAuth{DeviceAuth: deviceAuth, UserAgent: "x"}, true},
		{"epic.Config", epic.Config{ClientID: hygieneClientID, ClientSecret: hygieneClientSecret}, false},
		{"*epic.Config", &epic.Config{ClientID: hygieneClientID, ClientSecret: hygieneClientSecret}, false},
		{"eos.Config", eos.Config{ClientID: "eosclient", ClientSecret: hygieneEOSSecret}, false},
		{"*eos.Config", &eos.Config{ClientID: "eosclient", ClientSecret: hygieneEOSSecret}, false},
		{"epic.ExchangeCodeResponse", epic.ExchangeCodeResponse{Code: hygieneExchangeCode, CreatingClientID: hygieneClientID}, false},
		{"*epic.ExchangeCodeResponse", &epic.ExchangeCodeResponse{Code: hygieneExchangeCode}, false},
		{"epic.Verification", epic.Verification{SessionID: hygieneAccess, AccountID: "94b1569506b04f9f8557af611e8c5e47"}, false},
		{"*epic.Verification", &epic.Verification{SessionID: hygieneAccess}, false},
		{"epic.Redirect", epic.Redirect{RedirectURL: "https://accounts.epicgames.com/fnauth?code=" + hygieneAuthCode, AuthorizationCode: hygieneAuthCode, ExchangeCode: hygieneExchangeCode, SID: hygieneContinuation}, false},
		{"*epic.Redirect", &epic.Redirect{AuthorizationCode: hygieneAuthCode, RedirectURL: "%zz" + hygieneAuthCode}, false},
		{"epic grant", epic.RefreshToken(hygieneRefresh), false},
		{"epic grant with verifier", epic.ExchangeCode(hygieneExchangeCode, epic.CodeVerifier(hygieneVerifier)), false},
		{"eos grant", eos.ExternalAuth(eos.SteamSessionTicket, hygieneExternal), false},
		{"eos grant from a source", eos.ExternalAuthFrom(eos.EpicGamesAccessToken, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: hygieneAccess})), false},
		{"eos.AuthConfig", eos.AuthConfig{ClientID: "easclient", ClientSecret: hygieneEOSSecret}, false},
		{"*eos.AuthConfig", &eos.AuthConfig{ClientID: "easclient", ClientSecret: hygieneEOSSecret}, false},
		{"eos grant authorization_code with verifier", eos.AuthorizationCode(hygieneAuthCode, oauth2.VerifierOption(hygieneVerifier)), false},
		{"eos grant exchange_code", eos.ExchangeCode(hygieneExchangeCode), false},
		{"eos grant refresh_token", eos.RefreshToken(hygieneRefresh), false},
		{"epicoauth.Error", &epicoauth.Error{StatusCode: 400, ErrorCode: "x", Body: []byte("[REDACTED]")}, false},
		{"epictest.Client", epictest.Client{ID: hygieneClientID, Secret: hygieneClientSecret}, false},
		{"epictest.ExternalAuth", epictest.ExternalAuth{Type: "steam_session_ticket", Token: hygieneExternal}, false},
		{"epictest.Session", epictest.Session{ID: hygieneAccess, ClientID: hygieneClientID}, false},
		{"epictest.Request", epictest.Request{Method: "POST", Path: "/account/api/oauth/token", GrantType: "refresh_token",
			Form:   url.Values{"refresh_token": {hygieneRefresh}},
			Header: http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(hygieneClientID+":"+hygieneClientSecret))}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var texts []string
			for _, verb := range allVerbs {
				texts = append(texts, fmt.Sprintf(verb, tt.value))
			}
			texts = append(texts, logged(tt.value)...)
			if !tt.saved {
				b, err := json.Marshal(tt.value)
				require.NoError(t, err)
				texts = append(texts, string(b))
				// Inside another struct, as slog's JSON handler meets it.
				b, err = json.Marshal(map[string]any{"held": tt.value})
				require.NoError(t, err)
				texts = append(texts, string(b))
			}
			for _, text := range texts {
				for _, secret := range hygieneSecrets {
					assert.NotContains(t, text, secret)
				}
			}
		})
	}
}

package epictest_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
)

// A conformance case makes the fake produce the answer a recorded Epic
// payload shows, and compares the two shapes: the same keys at every level,
// the same JSON types (whole numbers where Epic sends whole numbers), and,
// for errors, the same errorCode and HTTP status.
type conformance struct {
	status int
	// absent lists keys of the fixture the fake leaves out in this case,
	// each for a reason given in the case.
	absent []string
	// subset: the fixture is reconstructed (only errorCode, errorMessage
	// and numericErrorCode were observed), so the fake may add the rest of
	// Epic's envelope.
	subset bool
	// otherCode: the fixture's errorCode is one the fake never sends; only
	// the envelope's shape is compared.
	otherCode bool
	run       func(f *fx) reply
}

var conformanceCases = map[string]conformance{
	"account-token-client_credentials.json": {status: 200, run: func(f *fx) reply {
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"client_credentials"}})
	}},
	"account-token-exchange_code.json": {status: 200, run: func(f *fx) reply {
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"exchange_code"},
			"exchange_code": {f.srv.NewExchangeCode(f.alice.ID, f.client.ID)}})
	}},
	"account-token-authorization_code.json": {status: 200, run: func(f *fx) reply {
		// No X-Epic-Device-ID: the browser's login has a device id anyway.
		return f.do("POST", epictest.AccountTokenPath, basic(f.client),
			url.Values{"grant_type": {"authorization_code"}, "code": {f.srv.NewAuthorizationCode(f.alice.ID, f.client.ID)}})
	}},
	"account-public-account-own.json": {status: 200, absent: []string{"phoneNumber", "company", "lastDisplayNameChange", "guardianChallengeTimestamp"},
		run: func(f *fx) reply {
			return f.do("GET", "/account/api/public/account/"+f.alice.ID, bearer(f.userToken(nil)["access_token"].(string)), nil)
		}},
	"account-public-account-displayName.json": {status: 200, run: func(f *fx) reply {
		return f.do("GET", "/account/api/public/account/displayName/ALICE", bearer(f.userToken(nil)["access_token"].(string)), nil)
	}},
	"error-account_not_found.json": {status: 404, run: func(f *fx) reply {
		return f.do("GET", "/account/api/public/account/displayName/%20", bearer(f.userToken(nil)["access_token"].(string)), nil)
	}},
	"web-id-redirect-null-codes.json": {status: 200, absent: []string{"ssoV2Enabled"}, run: func(f *fx) reply {
		// No browser is logged in to the account asked for.
		return f.do("GET", "/id/api/redirect?clientId="+f.client.ID+"&responseType=code&accountId=nobody", nil, nil)
	}},
	"account-verify.json": {status: 200, run: func(f *fx) reply {
		return f.do("GET", "/account/api/oauth/verify?includePerms=true", bearer(f.userToken(nil)["access_token"].(string)), nil)
	}},
	"account-verify-eg1-includePerms.json": {status: 200, run: func(f *fx) reply {
		// A Google login, then an eg1 session from an exchange code it
		// made: the recorded session's history.
		f.srv.AddExternalAuth(f.alice.ID, epictest.ExternalAuth{Type: "google_id_token", Token: "google-token"})
		first := f.token(url.Values{"grant_type": {"external_auth"}, "external_auth_type": {"google_id_token"},
			"external_auth_token": {"google-token"}}, nil)
		code := f.do("GET", "/account/api/oauth/exchange", bearer(first["access_token"].(string)), nil).json(f.t)["code"].(string)
		tok := f.token(url.Values{"grant_type": {"exchange_code"}, "exchange_code": {code}, "token_type": {"eg1"}},
			with(basic(f.client), epicoauth.DeviceIDHeader, epicoauth.NewDeviceID()))
		return f.do("GET", "/account/api/oauth/verify?includePerms=true", bearer(tok["access_token"].(string)), nil)
	}},
	"account-exchange.json": {status: 200, run: func(f *fx) reply {
		return f.do("GET", "/account/api/oauth/exchange", bearer(f.userToken(nil)["access_token"].(string)), nil)
	}},
	"account-exchange-eg1-client.json": {status: 200, run: func(f *fx) reply {
		tok := f.userToken(url.Values{"token_type": {"eg1"}})
		return f.do("GET", "/account/api/oauth/exchange", bearer(tok["access_token"].(string)), nil)
	}},
	"account-exchange-consumingClientId.json": {status: 200, run: func(f *fx) reply {
		other := f.srv.AddClient(epictest.Client{})
		return f.do("GET", "/account/api/oauth/exchange?consumingClientId="+other.ID, bearer(f.userToken(nil)["access_token"].(string)), nil)
	}},
	"account-deviceAuthorization.json": {status: 200, run: func(f *fx) reply {
		return f.do("POST", epictest.DeviceAuthorizationPath, bearer(f.clientToken()), url.Values{"prompt": {"login"}})
	}},
	"account-deviceAuth-create.json": {status: 200, run: func(f *fx) reply {
		return f.do("POST", "/account/api/public/account/"+f.alice.ID+"/deviceAuth", bearer(f.userToken(nil)["access_token"].(string)), nil)
	}},
	"account-deviceAuth-list.json": {status: 200, run: func(f *fx) reply {
		da := f.srv.NewDeviceAuth(f.alice.ID, f.client.ID)
		tok := f.token(url.Values{"grant_type": {"device_auth"}, "account_id": {da.AccountID}, "device_id": {da.DeviceID}, "secret": {da.Secret}}, nil)
		return f.do("GET", "/account/api/public/account/"+f.alice.ID+"/deviceAuth", bearer(tok["access_token"].(string)), nil)
	}},
	"account-epicid-tokenInfo-active.json": {status: 200, run: func(f *fx) reply {
		return f.do("POST", "/account/api/epicid/v1/oauth/tokenInfo", nil, url.Values{"token": {f.clientToken()}})
	}},
	"account-epicid-tokenInfo-inactive.json": {status: 200, run: func(f *fx) reply {
		return f.do("POST", "/account/api/epicid/v1/oauth/tokenInfo", nil, url.Values{"token": {"0123456789abcdef0123456789abcdef"}})
	}},
	"eg1-jwt-header.json":  {status: 200, run: func(f *fx) reply { return eg1Part(f, 0) }},
	"eg1-jwt-payload.json": {status: 200, run: func(f *fx) reply { return eg1Part(f, 1) }},
	"eos-connect-token-client_credentials.json": {status: 200, run: func(f *fx) reply {
		return f.do("POST", epictest.EOSConnectTokenPath, basic(f.client), url.Values{"grant_type": {"client_credentials"},
			"deployment_id": {f.srv.DefaultDeployment().ID}})
	}},
	"eos-connect-token-external_auth.json": {status: 200, run: func(f *fx) reply {
		return f.do("POST", epictest.EOSConnectTokenPath, basic(f.client), url.Values{"grant_type": {"external_auth"},
			"external_auth_type": {"epicgames_access_token"}, "external_auth_token": {f.userToken(nil)["access_token"].(string)},
			"deployment_id": {f.srv.DefaultDeployment().ID}, "nonce": {"_"}})
	}},
	"eos-epic-oauth-v2-tokenInfo.json": {status: 200, run: func(f *fx) reply {
		tok := f.do("POST", epictest.EOSAuthTokenPath, basic(f.client), url.Values{"grant_type": {"exchange_code"},
			"exchange_code": {f.srv.NewExchangeCode(f.alice.ID, f.client.ID)}, "scope": {"basic_profile friends_list openid"}}).json(f.t)
		return f.do("POST", "/epic/oauth/v2/tokenInfo", nil, url.Values{"token": {tok["access_token"].(string)}})
	}},
	"error-invalid_client.json": {status: 400, run: func(f *fx) reply {
		return f.do("POST", epictest.AccountTokenPath, nil, url.Values{"grant_type": {"client_credentials"}})
	}},
	"error-invalid_grant-device_code.json": {status: 400, otherCode: true, run: func(f *fx) reply {
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"device_code"}, "device_code": {newDeviceCode(f)}})
	}},
	"error-invalid_refresh_token.json": {status: 400, run: func(f *fx) reply {
		rt := f.userToken(nil)["refresh_token"].(string)
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
		f.token(form, nil)
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), form)
	}},
	"error-missing_permission-deviceAuths.json": {status: 403, run: func(f *fx) reply {
		return f.do("POST", "/account/api/public/account/"+f.alice.ID+"/deviceAuth", bearer(f.clientToken()), nil)
	}},
	"error-missing_permission-exchangeTokenCode.json": {status: 403, run: func(f *fx) reply {
		return f.do("GET", "/account/api/oauth/exchange", bearer(f.clientToken()), nil)
	}},
	"error-slow_down-device_code.json": {status: 400, run: func(f *fx) reply {
		form := url.Values{"grant_type": {"device_code"}, "device_code": {newDeviceCode(f)}}
		f.do("POST", epictest.AccountTokenPath, basic(f.client), form)
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), form)
	}},
	"error-throttled.json": {status: 429, run: func(f *fx) reply {
		f.srv.Inject(epictest.Fault{Kind: epictest.Throttle, RetryAfter: 5588 * time.Second})
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"client_credentials"}})
	}},
	"error-token_verification_failed.json": {status: 401, run: func(f *fx) reply {
		return f.do("GET", "/account/api/oauth/verify", bearer("0123456789abcdef0123456789abcdef"), nil)
	}},
	"error-unauthorized_client-token_to_token.json": {status: 400, run: func(f *fx) reply {
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"token_to_token"}, "access_token": {f.clientToken()}})
	}},
	"error-unsupported_grant_type.json": {status: 400, run: func(f *fx) reply {
		// A JSON body: Epic reads no form, hence "null".
		return f.do("POST", epictest.AccountTokenPath, with(basic(f.client), "Content-Type", "application/json"),
			url.Values{"grant_type": {"client_credentials"}})
	}},
	"transcribed/error-authentication_failed-deviceAuthorization.json": {status: 401, run: func(f *fx) reply {
		return f.do("POST", epictest.DeviceAuthorizationPath, basic(f.client), url.Values{})
	}},
	"transcribed/error-unauthorized_client-password.json": {status: 400, run: func(f *fx) reply {
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"password"}, "username": {"a@b.c"}, "password": {"pw"}})
	}},
	"reconstructed/error-authorization_code_not_found.json": {status: 400, subset: true, run: func(f *fx) reply {
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"authorization_code"}, "code": {"0123456789abcdef0123456789abcdef"}})
	}},
	"reconstructed/error-authorization_pending.json": {status: 400, subset: true, run: func(f *fx) reply {
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"device_code"}, "device_code": {newDeviceCode(f)}})
	}},
	"reconstructed/error-exchange_code_not_found.json": {status: 400, subset: true, run: func(f *fx) reply {
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"exchange_code"}, "exchange_code": {"0123456789abcdef0123456789abcdef"}})
	}},
	"reconstructed/error-invalid_account_credentials.json": {status: 400, subset: true, run: func(f *fx) reply {
		da := f.srv.NewDeviceAuth(f.alice.ID, f.client.ID)
		return f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"device_auth"},
			"account_id": {da.AccountID}, "device_id": {da.DeviceID}, "secret": {"wrong-secret-wrong-secret-wrong-s"}})
	}},
}

// notFaked lists the fixtures of services or behaviours the fake does not
// offer, with the reason; every other fixture must have a case.
var notFaked = map[string]string{
	"account-continuationToken-info.json":                       "continuation tokens are not faked",
	"account-publickey-jwk.json":                                "the fake's JWTs are unsigned; no key endpoint",
	"error-unauthorized-example.json":                           "from a game service (skelly), not a token service",
	"error-corrective_action_required-web-eula.json":            "www.epicgames.com web API is not faked",
	"error-corrective_action_required-web-privacy.json":         "www.epicgames.com web API is not faked",
	"error-csrf_token_invalid-web.json":                         "www.epicgames.com web API is not faked",
	"error-single_use_code_not_found-web.json":                  "www.epicgames.com web API is not faked",
	"web-id-device-info.json":                                   "www.epicgames.com web API is not faked",
	"web-id-redirect-sid.json":                                  "the fake's /id/api/redirect has no web session (sid)",
	"transcribed/error-unauthorized-web-exchange-generate.json": "www.epicgames.com web API is not faked",
	"reconstructed/error-eos-user_not_found.json":               "the fake creates product users on first login",
	"reconstructed/error-scope_consent_required.json":           "consent flows are not faked",
	"reconstructed/error-too_many_sessions.json":                "the fake does not limit sessions",
}

// newDeviceCode starts a device-code login and returns its device code.
func newDeviceCode(f *fx) string {
	r := f.do("POST", epictest.DeviceAuthorizationPath, bearer(f.clientToken()), url.Values{})
	require.Equal(f.t, 200, r.status, "%s", r.body)
	return r.json(f.t)["device_code"].(string)
}

// eg1Part returns part i (0 header, 1 claims) of an eg1 user access token
// as if it were a response body.
func eg1Part(f *fx, i int) reply {
	form := url.Values{"grant_type": {"exchange_code"}, "exchange_code": {f.srv.NewExchangeCode(f.alice.ID, f.client.ID)}, "token_type": {"eg1"}}
	tok := f.token(form, with(basic(f.client), epicoauth.DeviceIDHeader, epicoauth.NewDeviceID()))["access_token"].(string)
	require.True(f.t, strings.HasPrefix(tok, "eg1~"), tok)
	parts := strings.Split(strings.TrimPrefix(tok, "eg1~"), ".")
	require.Len(f.t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	require.NoError(f.t, err)
	return reply{status: 200, body: b}
}

func TestConformance(t *testing.T) {
	fixtures := map[string]bool{}
	require.NoError(t, filepath.WalkDir("testdata/fixtures", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			rel, _ := filepath.Rel("testdata/fixtures", p)
			fixtures[filepath.ToSlash(rel)] = true
		}
		return err
	}))
	for name := range fixtures {
		_, hasCase := conformanceCases[name]
		_, skipped := notFaked[name]
		assert.True(t, hasCase != skipped, "fixture %s needs exactly one of a conformance case or a notFaked reason", name)
	}
	names := make([]string, 0, len(conformanceCases))
	for name := range conformanceCases {
		require.True(t, fixtures[name], "case for a missing fixture %s", name)
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := conformanceCases[name]
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata/fixtures", name))
			require.NoError(t, err)
			var want any
			require.NoError(t, json.Unmarshal(raw, &want))

			got := c.run(newFx(t))
			require.Equal(t, c.status, got.status, "status; body: %s", got.body)
			var have any
			require.NoError(t, json.Unmarshal(got.body, &have), "body: %s", got.body)

			if w, ok := want.(map[string]any); ok {
				for _, k := range c.absent {
					delete(w, k)
				}
				if code, isErr := w["errorCode"]; isErr && !c.otherCode {
					assert.Equal(t, code, have.(map[string]any)["errorCode"])
				}
			}
			assert.Empty(t, shapeDiff("$", want, have, c.subset), "fake answered %s", got.body)
		})
	}
}

// shapeDiff lists where have's shape differs from want's: missing or extra
// keys (extra ones allowed at the top level when subset is set), other
// JSON types, fractional numbers where want has whole ones. Array elements
// of have are each compared with want's first element.
func shapeDiff(path string, want, have any, subset bool) []string {
	if kind(want) != kind(have) {
		return []string{fmt.Sprintf("%s: fixture has %s, fake sent %s", path, kind(want), kind(have))}
	}
	var diffs []string
	switch w := want.(type) {
	case map[string]any:
		h := have.(map[string]any)
		for k := range w {
			if _, ok := h[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing", path, k))
			}
		}
		for k := range h {
			if _, ok := w[k]; !ok && !subset {
				diffs = append(diffs, fmt.Sprintf("%s.%s: not in the fixture", path, k))
			}
		}
		for k, wv := range w {
			if hv, ok := h[k]; ok {
				diffs = append(diffs, shapeDiff(path+"."+k, wv, hv, false)...)
			}
		}
	case []any:
		if len(w) > 0 {
			for i, hv := range have.([]any) {
				diffs = append(diffs, shapeDiff(fmt.Sprintf("%s[%d]", path, i), w[0], hv, false)...)
			}
		}
	case float64:
		if h := have.(float64); w == float64(int64(w)) && h != float64(int64(h)) {
			diffs = append(diffs, fmt.Sprintf("%s: fixture has a whole number, fake sent %v", path, h))
		}
	}
	slices.Sort(diffs)
	return diffs
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// Throttle without a retry value keeps the envelope but drops the wait.
func TestThrottleWithoutRetryValue(t *testing.T) {
	f := newFx(t)
	f.srv.Inject(epictest.Fault{Kind: epictest.Throttle})
	r := f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"client_credentials"}})
	require.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Empty(t, r.header.Get("Retry-After"))
	assert.Equal(t, []any{}, r.json(t)["messageVars"])
	assert.Equal(t, epicoauth.ErrorCodeThrottled, errorCode(t, r))
}

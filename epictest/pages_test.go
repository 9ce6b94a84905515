package epictest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/epictest"
)

// get fetches a page without following redirects.
func (f *fx) get(path string) *http.Response {
	f.t.Helper()
	c := f.srv.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(f.srv.URL + path)
	require.NoError(f.t, err)
	f.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestAuthorizePage(t *testing.T) {
	f := newFx(t)
	verifier := "a-verifier-of-at-least-43-characters-aaaaaaaaaaaaaa"
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {f.client.ID}, "response_type": {"code"}, "redirect_uri": {"http://127.0.0.1:9/cb?x=1"},
		"state": {"st8"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}

	list := f.do("GET", "/id/authorize?"+q.Encode(), nil, nil)
	require.Equal(t, 200, list.status)
	assert.Contains(t, string(list.body), "alice")
	assert.Contains(t, string(list.body), "account_id="+f.alice.ID, "each account is a link that logs in as it")

	q.Set("account_id", f.alice.ID)
	resp := f.get("/id/authorize?" + q.Encode())
	require.Equal(t, http.StatusFound, resp.StatusCode)
	to, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "/cb", to.Path)
	assert.Equal(t, "st8", to.Query().Get("state"))
	assert.Equal(t, "1", to.Query().Get("x"))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {to.Query().Get("code")}}
	r := f.do("POST", epictest.AccountTokenPath, basic(f.client), form)
	assert.Equal(t, "errors.com.epicgames.account.oauth.single_use_code_verifier_required", errorCode(t, r), "PKCE applies")
	form.Set("code_verifier", verifier)
	assert.Equal(t, f.alice.ID, f.token(form, nil)["account_id"])

	q.Del("redirect_uri")
	shown := f.do("GET", "/id/authorize?"+q.Encode(), nil, nil)
	assert.Regexp(t, `<code id="code">[0-9a-f]{32}</code>`, string(shown.body))

	for name, bad := range map[string]url.Values{
		"unknown client":  {"client_id": {"nobody"}},
		"unknown account": {"client_id": {f.client.ID}, "account_id": {"nobody"}},
	} {
		t.Run(name, func(t *testing.T) {
			r := f.do("GET", "/id/authorize?"+bad.Encode(), nil, nil)
			assert.Equal(t, 400, r.status)
			assert.Contains(t, string(r.body), "nobody")
		})
	}
}

func TestRedirectAPI(t *testing.T) {
	f := newFx(t)
	m := f.do("GET", "/id/api/redirect?clientId="+f.client.ID+"&responseType=code", nil, nil).json(t)
	code, _ := m["authorizationCode"].(string)
	require.Regexp(t, "^[0-9a-f]{32}$", code, "the only account is logged in")
	assert.Contains(t, m["redirectUrl"], "?code="+code)
	assert.Equal(t, f.alice.ID, f.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}}, nil)["account_id"])

	f.srv.AddAccount(epictest.Account{DisplayName: "bob"})
	m = f.do("GET", "/id/api/redirect?clientId="+f.client.ID+"&responseType=code", nil, nil).json(t)
	assert.Nil(t, m["authorizationCode"], "which of two accounts is logged in is not known")
	m = f.do("GET", "/id/api/redirect?clientId="+f.client.ID+"&responseType=code&accountId="+f.alice.ID, nil, nil).json(t)
	assert.NotNil(t, m["authorizationCode"])
}

func TestContinuePage(t *testing.T) {
	f := newFx(t)
	f.srv.SetCorrectiveAction(f.alice.ID, "PRIVACY_POLICY_ACCEPTANCE")
	r := f.do("POST", epictest.AccountTokenPath, basic(f.client), url.Values{"grant_type": {"exchange_code"},
		"exchange_code": {f.srv.NewExchangeCode(f.alice.ID, f.client.ID)}})
	require.Equal(t, epicoauth.ErrorCodeCorrectiveActionRequired, errorCode(t, r))
	cont, err := url.Parse(r.json(t)["continuationUrl"].(string))
	require.NoError(t, err)

	page := f.do("GET", cont.RequestURI(), nil, nil)
	require.Equal(t, 200, page.status)
	assert.Contains(t, string(page.body), "PRIVACY_POLICY_ACCEPTANCE")
	id := regexp.MustCompile(`name="account_id" value="([0-9a-f]+)"`).FindStringSubmatch(string(page.body))
	require.Len(t, id, 2)
	done := f.do("POST", "/id/continue", nil, url.Values{"account_id": {id[1]}})
	assert.Equal(t, 200, done.status)
	f.userToken(nil) // logs in again
	assert.Contains(t, string(f.do("GET", "/id/continue", nil, nil).body), "No account")
	assert.Equal(t, 400, f.do("POST", "/id/continue", nil, url.Values{"account_id": {"nobody"}}).status)
}

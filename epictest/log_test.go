package epictest_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

func TestRequestLog(t *testing.T) {
	f := newFx(t)
	rt := f.userToken(nil)["refresh_token"].(string)
	f.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, nil)
	f.do("GET", "/account/api/oauth/verify?includePerms=true", nil, nil)

	reqs := f.srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, rt, reqs[1].Form.Get("refresh_token"), "tests can assert the exact form")
	assert.Equal(t, "refresh_token", reqs[1].GrantType)
	assert.Equal(t, "true", reqs[2].Query.Get("includePerms"))
	assert.Equal(t, f.srv.Clock().Now(), reqs[2].Time)
	assert.Equal(t, 1, f.srv.Count("refresh_token"))
	assert.Equal(t, 1, f.srv.Count("exchange_code"))
	assert.Equal(t, 1, f.srv.Count("/account/api/oauth/verify"))
	assert.Equal(t, 2, f.srv.Count(epictest.AccountTokenPath))

	for _, s := range []string{reqs[1].String(), fmt.Sprintf("%v", reqs[1]), fmt.Sprintf("%#v", reqs[1])} {
		assert.NotContains(t, s, rt)
		assert.Equal(t, "POST /account/api/oauth/token grant_type=refresh_token form[grant_type refresh_token]", s)
	}
	f.srv.ResetRequests()
	assert.Empty(t, f.srv.Requests())
	assert.Zero(t, f.srv.Count("refresh_token"))
}

func TestTLSServer(t *testing.T) {
	srv := epictest.NewServer(&epictest.Options{TLS: true})
	defer srv.Close()
	ctx := srv.Context(t.Context())
	tok, err := srv.EpicConfig(srv.DefaultClient()).Token(ctx, epic.ClientCredentials())
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.Contains(t, srv.URL, "https://")
}

package epictest

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
)

// jwtKeyID is the kid of the fake's access tokens. They are unsigned (alg
// none): shaped like Epic's JWTs so code that decodes claims can be tested,
// but never verifiable. ID tokens are signed (signIDToken, jwks.go).
const jwtKeyID = "epictest"

// unsignedJWT encodes claims as a JWT with alg "none" and an empty
// signature.
func unsignedJWT(claims any) string {
	return jwtSegment(map[string]string{"kid": jwtKeyID, "alg": "none"}) + "." + jwtSegment(claims) + "."
}

// jwtSegment is v as a JWT header or payload: JSON in base64url without
// padding.
func jwtSegment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("epictest: encoding a JWT: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// eg1Claims are the claims of Epic's eg1 tokens (see
// testdata/fixtures/eg1-jwt-payload.json), in Epic's order.
type eg1Claims struct {
	App   string `json:"app,omitempty"`
	Sub   string `json:"sub,omitempty"`
	DvID  string `json:"dvid,omitempty"`
	MVer  *bool  `json:"mver,omitempty"`
	ClID  string `json:"clid"`
	DN    string `json:"dn,omitempty"`
	AM    string `json:"am"`
	P     string `json:"p,omitempty"`
	IAI   string `json:"iai,omitempty"`
	Sec   int    `json:"sec,omitempty"`
	ClSvc string `json:"clsvc"`
	T     string `json:"t"`
	IC    bool   `json:"ic"`
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
	JTI   string `json:"jti"`
}

// eg1Token returns an "eg1~" token for ss: kind "s" for the access token,
// "r" for the refresh token.
func eg1Token(ss *session, kind string) string {
	exp := ss.expiry
	if kind == "r" {
		exp = ss.refreshExpiry
	}
	c := eg1Claims{
		ClID: ss.client.ID, AM: ss.method, ClSvc: ss.client.Service, T: kind,
		IC: ss.client.Internal, Exp: exp.Unix(), Iat: ss.created.Unix(), JTI: newHex(),
	}
	if a := ss.account; a != nil {
		no := false
		c.App, c.Sub, c.IAI, c.DN, c.DvID, c.MVer, c.Sec = ss.client.Service, a.ID, a.ID, a.DisplayName, ss.deviceID, &no, 1
		c.P = compressedPerms(ss)
	}
	return "eg1~" + unsignedJWT(c)
}

// compressedPerms is the p claim: the session's permissions as zlib
// compressed JSON in base64, the encoding Epic's "eNq..." values show.
func compressedPerms(ss *session) string {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	b, _ := json.Marshal(ss.perms)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

package epictest

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"
)

// deviceCode is a pending device-code (PIN grant) login.
type deviceCode struct {
	deviceCode, userCode string
	client               *Client
	prompt               string
	expiry               time.Time
	lastPoll             time.Time // zero before the first poll
	pendingPolls         int
	approved             *Account
	auto                 *autoApprove
}

// autoApprove approves new device codes for an account after some polls.
type autoApprove struct {
	account    *Account
	afterPolls int
}

// deviceAuthorizationJSON is the answer of POST
// /account/api/oauth/deviceAuthorization, fields in Epic's order.
type deviceAuthorizationJSON struct {
	UserCode                string `json:"user_code"`
	DeviceCode              string `json:"device_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	Prompt                  string `json:"prompt"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
	ClientID                string `json:"client_id"`
}

// deviceAuthorization serves POST /account/api/oauth/deviceAuthorization:
// it needs the bearer token of a client_credentials session (anything else
// gets Epic's 1032 authentication_failed) of a client allowed device_code.
func (s *Server) deviceAuthorization(c *call) reply {
	ss := s.byAccess[bearerToken(c.r.Header.Get("Authorization"))]
	if ss == nil || ss.svc != svcAccount || !ss.live(c.now) || ss.account != nil {
		return fail(errAuthenticationFailed("/api/oauth/deviceAuthorization"))
	}
	if !ss.client.allows("device_code") {
		return fail(errUnauthorizedClient("device_code"))
	}
	prompt := c.form.Get("prompt")
	if prompt == "" {
		prompt = c.r.URL.Query().Get("prompt")
	}
	if prompt == "" {
		prompt = "login"
	}
	user := newUserCode()
	dc := &deviceCode{
		// Epic's device codes are base64 of an opaque value and the user
		// code; the padding and symbols test the client's form encoding.
		deviceCode: base64.StdEncoding.EncodeToString([]byte(newHex() + newHex() + "." + user)),
		userCode:   user,
		client:     ss.client,
		prompt:     prompt,
		expiry:     c.now.Add(s.dcLifetime),
		auto:       s.autoApprove,
	}
	s.deviceCodes[dc.deviceCode] = dc
	s.userCodes[user] = dc
	uri := s.URL + "/activate"
	return ok(deviceAuthorizationJSON{
		UserCode: user, DeviceCode: dc.deviceCode, VerificationURI: uri,
		VerificationURIComplete: uri + "?userCode=" + user, Prompt: prompt,
		ExpiresIn: seconds(c.now, dc.expiry), Interval: int64(s.dcInterval / time.Second), ClientID: ss.client.ID,
	})
}

// newUserCode returns eight characters a person can type.
func newUserCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("epictest: crypto/rand failed: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// deviceCodeGrant polls a device code with the client that created it.
// Polls closer together than the interval get slow_down and do not count
// as polls; the first poll may come at any time.
func (s *Server) deviceCodeGrant(c *call, cl *Client) (*login, *apiError) {
	code := c.form.Get("device_code")
	if code == "" {
		return nil, errMissingParam("device_code")
	}
	dc := s.deviceCodes[code]
	if dc == nil || !c.now.Before(dc.expiry) {
		return nil, errPinGrantNotFound()
	}
	if dc.client != cl {
		return nil, errPinGrantClientMismatch()
	}
	if !dc.lastPoll.IsZero() && c.now.Sub(dc.lastPoll) < s.dcInterval {
		return nil, errSlowDown(int(s.dcInterval / time.Second))
	}
	dc.lastPoll = c.now
	if dc.approved == nil && dc.auto != nil && dc.pendingPolls >= dc.auto.afterPolls {
		dc.approved = dc.auto.account
	}
	if dc.approved == nil {
		dc.pendingPolls++
		return nil, errAuthorizationPending()
	}
	s.removeDeviceCode(dc)
	return &login{account: dc.approved, method: "device_code"}, nil
}

// deleteDeviceCode serves DELETE
// /account/api/oauth/deviceAuthorization/{userCode} for a session of the
// client that created the code.
func (s *Server) deleteDeviceCode(c *call) reply {
	ss, err := s.bearer(c)
	if err != nil {
		return fail(err)
	}
	user := c.r.PathValue("userCode")
	dc := s.userCodes[user]
	if dc == nil || dc.client != ss.client || !c.now.Before(dc.expiry) {
		return fail(errDeviceCodeNotFound(user))
	}
	s.removeDeviceCode(dc)
	return noContent()
}

func (s *Server) removeDeviceCode(dc *deviceCode) {
	delete(s.deviceCodes, dc.deviceCode)
	delete(s.userCodes, dc.userCode)
}

// ErrNoDeviceCode is returned by ApproveDeviceCode for a user code that is
// unknown, already used, deleted or expired.
var ErrNoDeviceCode = errors.New("epictest: no pending device code with this user code")

// ApproveDeviceCode approves a pending device code as if the account had
// entered userCode at the verification URI: the next poll gets a token for
// the account. It panics if the account is not registered.
func (s *Server) ApproveDeviceCode(userCode, accountID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustAccount(accountID)
	dc := s.userCodes[userCode]
	if dc == nil || !s.clock.Now().Before(dc.expiry) {
		return fmt.Errorf("%w: %q", ErrNoDeviceCode, userCode)
	}
	dc.approved = a
	return nil
}

// AutoApproveDeviceCodes makes every device code created from now on
// approve itself for the account once it has been polled afterPolls times
// (answered authorization_pending), so a test can drive a whole device-code
// login without knowing the user code. An empty accountID turns it off. It
// panics if the account is not registered.
func (s *Server) AutoApproveDeviceCodes(accountID string, afterPolls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if accountID == "" {
		s.autoApprove = nil
		return
	}
	s.autoApprove = &autoApprove{account: s.mustAccount(accountID), afterPolls: afterPolls}
}

// activatePage stands in for www.epicgames.com/activate, which a person
// opens: it offers to approve the user code for each registered account
// (tests call ApproveDeviceCode instead).
func (s *Server) activatePage(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("userCode")
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "<p>Approve the login with code \"%s\" as:</p>", html.EscapeString(user))
	for _, a := range s.sortedAccounts() {
		fmt.Fprintf(&b, `<form method="post"><input type="hidden" name="userCode" value="%s"><input type="hidden" name="account_id" value="%s"><button>%s</button></form>`,
			html.EscapeString(user), a.ID, html.EscapeString(a.DisplayName))
	}
	page(w, http.StatusOK, "Activate", b.String())
}

// activateApprove serves POST /activate (form userCode, account_id): the
// person approved the code as the account.
func (s *Server) activateApprove(w http.ResponseWriter, r *http.Request) {
	form := formOf(r)
	id := form.Get("account_id")
	if !has(s, s.accounts, id) {
		unknownPage(w, "account", id)
		return
	}
	if err := s.ApproveDeviceCode(form.Get("userCode"), id); err != nil {
		page(w, http.StatusNotFound, "Unknown code", "<p>"+html.EscapeString(err.Error())+"</p>")
		return
	}
	page(w, http.StatusOK, "Approved", "<p>The device may now log in.</p>")
}

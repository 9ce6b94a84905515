package epic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth"
	"github.com/epicoauth/epicoauth/internal/wire"
)

// Device-code login (RFC 8628 as Epic runs it): the program shows a short
// code, the person approves it on any device with a browser, and the program
// gets a token for their account. x/oauth2's own Config.DeviceAuth cannot
// drive Epic's version: Epic wants a client token as the bearer of the
// deviceAuthorization request and answers polls with errorCode values, not
// RFC 8628's error values. The names and the response type follow x/oauth2.

// Waits between polls, from RFC 8628 and Epic's answers.
const (
	// defaultPollInterval is used when Epic names no interval: Epic answers
	// slow_down to more than one poll every 10 s.
	defaultPollInterval = 10 * time.Second
	// slowDownStep is how much each slow_down lengthens the wait (RFC 8628
	// section 3.5).
	slowDownStep = 5 * time.Second
	// maxTransientInvalidGrants is how many generic invalid_grant answers
	// in a row a poll waits through before giving up (see pollAfter).
	maxTransientInvalidGrants = 3
)

// ErrDeviceCodeExpired is returned by DeviceAccessToken when the device code
// ran out before the person approved the login: Epic said so
// (errors.com.epicgames.not_found, "PIN grant data not found"), or the
// code's Expiry passed. Start again with DeviceAuthorization. The error
// wraps Epic's answer, if there was one, so errors.As still finds the
// *epicoauth.Error.
var ErrDeviceCodeExpired = errors.New("epic: the device code expired before the login was approved")

// Prompt sets the prompt of a device-code login (an option of
// DeviceAuthorization): "login" makes Epic ask for a fresh login even in a
// browser that has one, "register" opens the sign-up page.
func Prompt(value string) GrantOption { return paramOption{"prompt", value} }

// deviceAuthorization is Epic's answer to deviceAuthorization. The numbers
// are read leniently (wire.Seconds).
type deviceAuthorization struct {
	UserCode                string `json:"user_code"`
	DeviceCode              string `json:"device_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               any    `json:"expires_in"`
	Interval                any    `json:"interval"`
}

// DeviceAuthorization starts a device-code login. It gets a client token
// (client_credentials) for c and posts it as the bearer to
// Endpoint.DeviceAuthURL, then returns what to show the person: UserCode
// and VerificationURI, or VerificationURIComplete (the same page with the
// code filled in, good for a QR code), valid until Expiry (600 s at Epic).
// Pass the response to DeviceAccessToken to wait for the approval.
//
// c's client must be allowed the device_code grant (several console and
// mobile Fortnite clients are; launcherAppClient2 is not): otherwise Epic
// rejects the poll with unauthorized_client.
func (c *Config) DeviceAuthorization(ctx context.Context, opts ...GrantOption) (*oauth2.DeviceAuthResponse, error) {
	addr, err := c.deviceAuthURL()
	if err != nil {
		return nil, err
	}
	client, err := c.Token(ctx, ClientCredentials())
	if err != nil {
		return nil, fmt.Errorf("epic: device authorization: getting a client token: %w", err)
	}
	req := c.bearerRequest(http.MethodPost, addr, client.AccessToken, withOptions(url.Values{}, opts))
	body, resp, err := wire.DoJSON[deviceAuthorization](ctx, req)
	if err == nil && (body.DeviceCode == "" || body.UserCode == "") {
		err = wire.BadResponse(req, resp, "response has no device_code or user_code")
	}
	if err != nil {
		return nil, fmt.Errorf("epic: device authorization: %w", err)
	}
	da := &oauth2.DeviceAuthResponse{
		DeviceCode:              body.DeviceCode,
		UserCode:                body.UserCode,
		VerificationURI:         body.VerificationURI,
		VerificationURIComplete: body.VerificationURIComplete,
	}
	// Expiry counts from when the answer arrived, by c's clock, so that a
	// fake clock drives the whole flow.
	da.Expiry = wire.Expiry(body.ExpiresIn, nil, resp.Received)
	if secs, ok := wire.Seconds(body.Interval); ok && secs > 0 {
		da.Interval = secs
	}
	return da, nil
}

// DeviceAccessToken waits until the person approves the device-code login
// da and returns the account's token. It polls the token endpoint with the
// device_code grant (Basic auth of c, which must be the Config that called
// DeviceAuthorization), first after da.Interval and then never more often:
//
//   - authorization_pending: the person has not approved yet; poll again.
//   - slow_down: wait 5 s longer from now on, or as long as Epic's message
//     asks if that is longer.
//   - throttling and server errors (see epicoauth.Error.Temporary): wait as
//     long as Epic asks (at least the interval) and poll again.
//   - a bare invalid_grant (errors.com.epicgames.common.oauth.invalid_grant
//     with no detail): Epic has been seen to answer this while a login was
//     still pending (claabs/epicgames-freegames-node#362), so up to three in
//     a row are waited through like pending; a fourth is returned.
//   - errors.com.epicgames.not_found, or da.Expiry passing before the next
//     poll: the code is dead; the error matches ErrDeviceCodeExpired.
//   - anything else stops the wait with Epic's error, notably a client that
//     may not use the grant (unauthorized_client), a Config other than the
//     one that created the code (invalid_token "Client id mismatch ..."), or
//     a corrective action the person must take first (see the package
//     documentation).
//
// All waiting goes through c.Clock, and ctx ends it early (the error then
// matches ctx.Err()). Errors are *epicoauth.Error values where Epic answered,
// never containing the device code. After a network error the same da may
// be passed again until it expires.
func (c *Config) DeviceAccessToken(ctx context.Context, da *oauth2.DeviceAuthResponse) (*oauth2.Token, error) {
	if da == nil || da.DeviceCode == "" {
		return nil, errors.New("epic: DeviceAccessToken needs the response of DeviceAuthorization; its device code is empty")
	}
	clock := epicoauth.ClockOrReal(c.Clock)
	p := devicePoll{interval: time.Duration(da.Interval) * time.Second}
	if p.interval <= 0 {
		p.interval = defaultPollInterval
	}
	wait := p.interval
	for {
		if !da.Expiry.IsZero() && !clock.Now().Add(wait).Before(da.Expiry) {
			return nil, p.expired()
		}
		if err := clock.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("epic: device code login: %w", err)
		}
		tok, err := c.Token(ctx, DeviceCode(da.DeviceCode))
		if err == nil {
			return tok, nil
		}
		if wait, err = p.after(err); err != nil {
			return nil, err
		}
	}
}

// devicePoll is the state of one DeviceAccessToken wait.
type devicePoll struct {
	interval      time.Duration // current wait between polls
	invalidGrants int           // bare invalid_grant answers in a row
	last          error         // the last answer other than authorization_pending
}

// after decides what a failed poll means: wait this long and poll again, or
// stop with this error.
func (p *devicePoll) after(err error) (time.Duration, error) {
	var e *epicoauth.Error
	if !errors.As(err, &e) {
		return 0, fmt.Errorf("epic: device code login: %w", err)
	}
	if e.ErrorCode == epicoauth.ErrorCodeInvalidGrant {
		p.invalidGrants++
	} else {
		p.invalidGrants = 0
	}
	switch {
	case e.ErrorCode == epicoauth.ErrorCodeAuthorizationPending || e.OAuthError == "authorization_pending":
		return p.interval, nil
	case e.ErrorCode == epicoauth.ErrorCodeSlowDown || e.OAuthError == "slow_down":
		p.interval = slowDown(p.interval, e)
	case e.ErrorCode == epicoauth.ErrorCodeNotFound || e.OAuthError == "expired_token":
		return 0, fmt.Errorf("%w: %w", ErrDeviceCodeExpired, err)
	case e.ErrorCode == epicoauth.ErrorCodeInvalidGrant && p.invalidGrants <= maxTransientInvalidGrants:
		// Waited through like pending, below.
	case e.Temporary():
		p.last = err
		return max(p.interval, e.RetryAfter), nil
	default:
		return 0, fmt.Errorf("epic: device code login: %w", err)
	}
	p.last = err
	return p.interval, nil
}

// expired is the error for a code whose Expiry passed, with the last
// unusual answer (a throttle, say) so the person learns why.
func (p *devicePoll) expired() error {
	if p.last == nil {
		return ErrDeviceCodeExpired
	}
	return fmt.Errorf("%w (last answer: %w)", ErrDeviceCodeExpired, p.last)
}

// slowDown lengthens the wait after a slow_down answer: by slowDownStep, or
// to the number of seconds Epic's messageVars name ("Request frequency
// should not exceed one call per 10 seconds") if that is longer.
func slowDown(interval time.Duration, e *epicoauth.Error) time.Duration {
	next := interval + slowDownStep
	if len(e.MessageVars) > 0 {
		if s, err := strconv.Atoi(strings.TrimSpace(e.MessageVars[0])); err == nil {
			next = max(next, time.Duration(s)*time.Second)
		}
	}
	return next
}

// CancelDeviceAuthorization withdraws a device-code login that has not been
// approved, so its code can no longer be used (for example when the person
// cancels in the program). It gets a client token for c, as
// DeviceAuthorization does, and deletes the code on the server.
func (c *Config) CancelDeviceAuthorization(ctx context.Context, da *oauth2.DeviceAuthResponse) error {
	if da == nil || da.UserCode == "" {
		return errors.New("epic: CancelDeviceAuthorization needs the response of DeviceAuthorization; its user code is empty")
	}
	addr, err := c.deviceAuthURL()
	if err != nil {
		return err
	}
	client, err := c.Token(ctx, ClientCredentials())
	if err != nil {
		return fmt.Errorf("epic: cancelling device authorization: getting a client token: %w", err)
	}
	req := c.bearerRequest(http.MethodDelete, addr+"/"+url.PathEscape(da.UserCode), client.AccessToken, nil)
	if _, err := wire.Do(ctx, req); err != nil {
		return fmt.Errorf("epic: cancelling device authorization: %w", err)
	}
	return nil
}

// DeviceTokenSource waits for the person to approve the device-code login da
// (DeviceAccessToken) and returns a TokenSource that continues the approved
// session, refreshing it while its refresh token lasts (8 hours for
// Fortnite clients). To stay logged in for longer, create a device auth
// from the source's token (CreateDeviceAuth) and build later sources on it.
//
// ctx bounds the wait; the source keeps only its values (such as the
// oauth2.HTTPClient), not its deadline.
func (c *Config) DeviceTokenSource(ctx context.Context, da *oauth2.DeviceAuthResponse) (*epicoauth.TokenSource, error) {
	tok, err := c.DeviceAccessToken(ctx, da)
	if err != nil {
		return nil, err
	}
	return c.ResumeTokenSource(ctx, tok, nil), nil
}

// deviceAuthURL is Endpoint.DeviceAuthURL, or its usual place next to the
// token endpoint when the Endpoint names none.
func (c *Config) deviceAuthURL() (string, error) {
	if u := c.endpoint().DeviceAuthURL; u != "" {
		return u, nil
	}
	return c.accountURL("/account/api/oauth/deviceAuthorization")
}

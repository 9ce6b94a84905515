package epic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/internal/wire"
)

// Managing the device auths of an account: create (the only time Epic
// reveals the secret), list, get and delete. Each call is authorized by a
// user token of the account and needs the matching permission,
// account:public:account:deviceAuths CREATE, READ or DELETE; a client token
// gets 403 errors.com.epicgames.common.missing_permission. A device auth
// works only with the client that created it, so create it with the token
// of the client you will log in with.

// deviceAuthPath is the collection of an account's device auths.
const deviceAuthPath = "/account/api/public/account/%s/deviceAuth"

// DeviceAuthAccess is where and when a device auth was created or last used,
// as Epic recorded it.
type DeviceAuthAccess struct {
	Location  string    `json:"location"`
	IPAddress string    `json:"ipAddress"`
	DateTime  time.Time `json:"dateTime"`
}

// DeviceAuthInfo describes an existing device auth without its secret, as
// ListDeviceAuths and GetDeviceAuth return it.
type DeviceAuthInfo struct {
	DeviceID  string `json:"deviceId"`
	AccountID string `json:"accountId"`
	// UserAgent is the User-Agent of the request that created it.
	UserAgent string           `json:"userAgent"`
	Created   DeviceAuthAccess `json:"created"`
	// LastAccess is nil when the device auth has not been used.
	LastAccess *DeviceAuthAccess `json:"lastAccess,omitempty"`
}

// CreatedDeviceAuth is a device auth just created by CreateDeviceAuth. It
// embeds the DeviceAuth, secret included, so it is itself the device_auth
// Grant (cfg.TokenSource(ctx, created)); save created.DeviceAuth, whose JSON
// {"accountId", "deviceId", "secret"} is the usual device-auth file format.
// Epic never shows the secret again. Printing or logging it shows the ids
// only (DeviceAuth's Format and LogValue); its JSON, like DeviceAuth's,
// carries the secret, because it exists to be saved.
type CreatedDeviceAuth struct {
	DeviceAuth
	// UserAgent is the User-Agent the device auth was created with.
	UserAgent string           `json:"userAgent"`
	Created   DeviceAuthAccess `json:"created"`
}

// CreateDeviceAuth creates a device auth for the account of tok (POST
// /account/api/public/account/{accountId}/deviceAuth). tok must be a user
// token as Epic returned it, with its account_id; a login that just went
// through DeviceAccessToken or an exchange code is the usual source.
func (c *Config) CreateDeviceAuth(ctx context.Context, tok *oauth2.Token) (*CreatedDeviceAuth, error) {
	bearer, account, addr, err := c.deviceAuthsURL(tok, "")
	if err != nil {
		return nil, err
	}
	req := c.bearerRequest(http.MethodPost, addr, bearer, nil)
	created, resp, err := wire.DoJSON[*CreatedDeviceAuth](ctx, req)
	if err == nil && (created == nil || created.DeviceID == "" || created.Secret == "") {
		err = wire.BadResponse(req, resp, "response has no deviceId or secret")
	}
	if err != nil {
		return nil, fmt.Errorf("epic: creating device auth: %w", err)
	}
	if created.AccountID == "" {
		created.AccountID = account
	}
	return created, nil
}

// ListDeviceAuths lists the device auths of the account of tok, without
// their secrets.
func (c *Config) ListDeviceAuths(ctx context.Context, tok *oauth2.Token) ([]DeviceAuthInfo, error) {
	bearer, _, addr, err := c.deviceAuthsURL(tok, "")
	if err != nil {
		return nil, err
	}
	list, _, err := wire.DoJSON[[]DeviceAuthInfo](ctx, c.bearerRequest(http.MethodGet, addr, bearer, nil))
	if err != nil {
		return nil, fmt.Errorf("epic: listing device auths: %w", err)
	}
	return list, nil
}

// GetDeviceAuth describes one device auth of the account of tok. An unknown
// deviceID gets errors.com.epicgames.account.device_auth.not_found.
func (c *Config) GetDeviceAuth(ctx context.Context, tok *oauth2.Token, deviceID string) (*DeviceAuthInfo, error) {
	if deviceID == "" {
		return nil, errNoDeviceID
	}
	bearer, _, addr, err := c.deviceAuthsURL(tok, deviceID)
	if err != nil {
		return nil, err
	}
	info, _, err := wire.DoJSON[*DeviceAuthInfo](ctx, c.bearerRequest(http.MethodGet, addr, bearer, nil))
	if err == nil && info == nil {
		err = errors.New("epic: the response is null")
	}
	if err != nil {
		return nil, fmt.Errorf("epic: getting device auth: %w", err)
	}
	return info, nil
}

// DeleteDeviceAuth deletes a device auth of the account of tok, so it can
// no longer log in. Deleting the device auth a session logged in with does
// not end that session; see KillSession.
func (c *Config) DeleteDeviceAuth(ctx context.Context, tok *oauth2.Token, deviceID string) error {
	if deviceID == "" {
		return errNoDeviceID
	}
	bearer, _, addr, err := c.deviceAuthsURL(tok, deviceID)
	if err != nil {
		return err
	}
	if _, err := wire.Do(ctx, c.bearerRequest(http.MethodDelete, addr, bearer, nil)); err != nil {
		return fmt.Errorf("epic: deleting device auth: %w", err)
	}
	return nil
}

// errNoDeviceID is returned, before any request, for an empty device id.
var errNoDeviceID = errors.New("epic: the device id is empty")

// deviceAuthsURL returns tok's access token, its account and the address of
// the account's device auths, or of one of them when deviceID is not empty.
func (c *Config) deviceAuthsURL(tok *oauth2.Token, deviceID string) (bearer, account, addr string, err error) {
	if bearer, account, err = accountOf(tok); err != nil {
		return "", "", "", err
	}
	if deviceID == "" {
		addr, err = c.accountURL(deviceAuthPath, account)
	} else {
		addr, err = c.accountURL(deviceAuthPath+"/%s", account, deviceID)
	}
	return bearer, account, addr, err
}

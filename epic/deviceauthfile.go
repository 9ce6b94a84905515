package epic

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/epicoauth/epicoauth/internal/secretfile"
)

// The device-auth file is the one place a device auth's secret is kept, and
// the format the epictoken command and this library share: a JSON object
// with Epic's field names, the shape of Epic's response to creating a device
// auth, so that response can be saved as it is:
//
//	{"accountId": "94b1…", "deviceId": "435b…", "secret": "XXXX…"}
//
// Other fields (Epic's created, userAgent ...) are ignored when loading.

// ErrInvalidDeviceAuth is matched (errors.Is) by the errors of
// LoadDeviceAuth and SaveDeviceAuth for a device auth that is not complete
// or a file that is not one.
var ErrInvalidDeviceAuth = errors.New("epic: invalid device auth")

// maxDeviceAuthFile bounds what LoadDeviceAuth reads.
const maxDeviceAuthFile = 64 << 10

// SaveDeviceAuth writes d to the file at path with permission 0600,
// replacing it atomically (a crash leaves the old file or the new one).
// Missing directories are created with 0700. A device auth with an empty
// field is refused.
func SaveDeviceAuth(path string, d DeviceAuth) error {
	if err := checkDeviceAuth(d); err != nil {
		return err
	}
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	if err := secretfile.Write(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("epic: saving device auth: %w", err)
	}
	return nil
}

// LoadDeviceAuth reads a device-auth file written by SaveDeviceAuth, or the
// body of Epic's create-device-auth response saved as is. Its errors name
// what is wrong, never the secret. A path that names a named pipe, a device
// or a directory is refused before it is opened (the error matches
// epicoauth.ErrNotRegularFile), so LoadDeviceAuth never blocks on one.
func LoadDeviceAuth(path string) (DeviceAuth, error) {
	data, err := secretfile.Read(path, maxDeviceAuthFile)
	if err != nil {
		return DeviceAuth{}, fmt.Errorf("epic: loading device auth: %w", err)
	}
	var d DeviceAuth
	if err := secretfile.Decode(data, &d); err != nil {
		return DeviceAuth{}, fmt.Errorf("%w: file %s: %w", ErrInvalidDeviceAuth, path, err)
	}
	if err := checkDeviceAuth(d); err != nil {
		return DeviceAuth{}, fmt.Errorf("%w (file %s)", err, path)
	}
	return d, nil
}

// checkDeviceAuth names the empty fields of d.
func checkDeviceAuth(d DeviceAuth) error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"accountId", d.AccountID}, {"deviceId", d.DeviceID}, {"secret", d.Secret},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: no %s", ErrInvalidDeviceAuth, strings.Join(missing, ", "))
	}
	return nil
}
